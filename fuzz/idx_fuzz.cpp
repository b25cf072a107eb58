// SPDX-License-Identifier: MIT
// libFuzzer target: arbitrary bytes as an (uncompressed) IDX file. parse_idx
// may only return an array whose data matches its dimensions or throw DataError.
#include "datasets/idx.hpp"
#include "idx_check.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    fuzz::check_idx_array(datasets::parse_idx({data, size}, "fuzz.idx"));
  } catch (const datasets::DataError&) {
  }
  return 0;
}
