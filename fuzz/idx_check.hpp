// SPDX-License-Identifier: MIT
// What every IDX fuzz target checks of an array a reader returned: dimensions
// that are not negative and exactly as many data bytes as they describe.
#pragma once

#include "datasets/idx.hpp"

#include <cstddef>
#include <cstdlib>

namespace fuzz {

inline void check_idx_array(const datasets::IdxArray& array) {
  std::size_t elements = 1;
  for (const auto d : array.dims) {
    if (d < 0) std::abort();
    elements *= static_cast<std::size_t>(d);
  }
  if (array.dims.empty() || array.data.size() != elements) std::abort();
}

}  // namespace fuzz
