// SPDX-License-Identifier: MIT
// libFuzzer target: arbitrary bytes as an IDX file through read_idx's stream
// path, gzip-compressed or plain. It may only return an array whose data matches
// its dimensions or throw DataError; the corpus holds gzip files to mutate.
#include "datasets/idx.hpp"
#include "idx_check.hpp"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    fuzz::check_idx_array(datasets::read_idx(in, "fuzz.idx.gz"));
  } catch (const datasets::DataError&) {
  }
  return 0;
}
