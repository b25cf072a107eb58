// SPDX-License-Identifier: MIT
// The names a public header declares for its users: types, aliases, concepts and
// functions (free and public members), leaving out namespace detail and rules,
// private and protected members, function bodies, destructors and assignment.
// A line-based reader of descent's own header style, not a C++ parser.
#pragma once

#include <string>
#include <vector>

namespace support {

// The declared names in file order, with repeats (overloads appear once each).
std::vector<std::string> parse_api_names(const std::string& header_text);

}  // namespace support
