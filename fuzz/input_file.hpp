// SPDX-License-Identifier: MIT
// For fuzz targets whose reader takes a path: the input written to a file of
// this process (one per target and process, overwritten by each input).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace fuzz {

inline std::filesystem::path input_file(const std::uint8_t* data, std::size_t size, const std::string& name) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("descent_" + name + "_" + std::to_string(getpid()));
  std::ofstream(file, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), std::streamsize(size));
  return file;
}

}  // namespace fuzz
