// SPDX-License-Identifier: MIT
// Min-max scaling of a column to [0, 1], and its inverse to read results back
// in the column's own units.
#pragma once

#include "error.hpp"

#include <Eigen/Core>

#include <string_view>

namespace datasets {

// x' = (x - min) / (max - min); invert maps x' back to x.
struct MinMax {
  double min = 0.0;
  double max = 1.0;

  // Scales every value; throws DataError unless max > min and max − min is finite.
  Eigen::ArrayXd apply(const Eigen::ArrayXd& x) const;
  // x = min + x' (max - min).
  double invert(double scaled) const;
};

// The min and max of a column. Throws DataError naming the column (and the source
// file, when given) when it has no values, a non-finite value, a single distinct
// value (max == min) or a range max − min that overflows a double.
MinMax fit_min_max(const Eigen::ArrayXd& x, std::string_view column_name, std::string_view source = {});

}  // namespace datasets
