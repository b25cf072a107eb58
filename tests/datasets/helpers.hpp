// SPDX-License-Identifier: MIT
// Helpers shared by the datasets tests: a temporary folder removed at the end
// of a test, and the message of the DataError a call throws.
#pragma once

#include "datasets/error.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <random>
#include <string>
#include <string_view>

namespace datasets_test {

// A fresh folder under the system temporary directory, deleted with its contents.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    const auto base = std::filesystem::temp_directory_path();
    do {
      path_ = base / ("descent-datasets-test-" + std::to_string(random()) + std::to_string(random()));
    } while (!std::filesystem::create_directory(path_));
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The message of the datasets::DataError that f throws; fails the test when f
// throws nothing (and lets any other exception escape, failing the test).
template <class F>
std::string data_error_message(F&& f) {
  try {
    f();
  } catch (const datasets::DataError& e) {
    return e.what();
  }
  BOOST_FAIL("expected a datasets::DataError, none was thrown");
  return {};
}

inline bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace datasets_test
