// SPDX-License-Identifier: MIT
// libFuzzer target: arbitrary bytes as an (uncompressed) IDX file. parse_idx
// may only return an array whose data matches its dimensions or throw DataError.
#include "datasets/idx.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const datasets::IdxArray array = datasets::parse_idx({data, size}, "fuzz.idx");
    std::size_t elements = 1;
    for (const auto d : array.dims) {
      if (d < 0) std::abort();
      elements *= static_cast<std::size_t>(d);
    }
    if (array.dims.empty() || array.data.size() != elements) std::abort();
  } catch (const datasets::DataError&) {
  }
  return 0;
}
