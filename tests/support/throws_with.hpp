// SPDX-License-Identifier: MIT
// throws_with<E>(f, words): true when f() throws E and its message contains every
// word given; a missing word is printed as a test message.
#pragma once

#include <boost/test/unit_test.hpp>

#include <initializer_list>
#include <string>

namespace support {

template <class E, class F>
bool throws_with(F f, std::initializer_list<std::string> words) {
  try {
    f();
  } catch (const E& e) {
    const std::string what = e.what();
    for (const auto& w : words) {
      if (what.find(w) == std::string::npos) {
        BOOST_TEST_MESSAGE("message lacks '" << w << "': " << what);
        return false;
      }
    }
    return true;
  }
  return false;
}

}  // namespace support
