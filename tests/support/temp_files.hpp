// SPDX-License-Identifier: MIT
// Temporary files for tests: a unique path in the system's temporary folder,
// and a guard that removes the file when the test case ends, whatever happens.
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace support {

// "<tmp>/descent_<prefix>_<random>_<name>".
inline std::filesystem::path temp_path(const std::string& prefix, const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("descent_" + prefix + "_" + std::to_string(std::random_device{}()) + "_" + name);
}

struct RemoveOnExit {
  std::filesystem::path path;
  ~RemoveOnExit() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
};

}  // namespace support
