// SPDX-License-Identifier: MIT
// The exception of io/: a file that cannot be written or read as declared. The
// message names the function, the file and what went wrong; callers such as
// models::load_parameters rethrow it as their own error type.
#pragma once

#include <stdexcept>

namespace io {

struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace io
