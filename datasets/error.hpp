// SPDX-License-Identifier: MIT
// The exception datasets throws. Every message names the file (or column) and,
// where it matters, the line, the column and the offending text or bytes.
#pragma once

#include <stdexcept>

namespace datasets {

// Data that cannot be read: a missing or malformed file, a bad cell, a column
// that cannot be scaled.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace datasets
