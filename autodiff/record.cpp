// SPDX-License-Identifier: MIT
// The out-of-line error path of the recorder (rules.hpp): kept here so that the
// headers every op includes need no formatting library.
#include "autodiff/error.hpp"
#include "autodiff/rules.hpp"

#include <fmt/format.h>

namespace autodiff::detail {

void throw_broadcast(const char* op, Index ar, Index ac, Index br, Index bc) {
  throw ShapeError(fmt::format("{}: cannot broadcast shapes {}x{} and {}x{}", op, ar, ac, br, bc));
}

void throw_clamp_bounds(double lo, double hi) {
  throw Error(fmt::format("clamp: lo {} is greater than hi {}", lo, hi));
}

}  // namespace autodiff::detail
