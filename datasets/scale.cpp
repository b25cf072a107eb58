// SPDX-License-Identifier: MIT
// fit_min_max and MinMax: the scaling used to bring a column to [0, 1] before
// fitting, so one learning rate suits every feature.
#include "datasets/scale.hpp"

#include <fmt/format.h>

#include <cmath>

namespace datasets {

Eigen::ArrayXd MinMax::apply(const Eigen::ArrayXd& x) const {
  if (!(max > min)) {
    throw DataError(fmt::format("MinMax::apply: max ({}) must exceed min ({})", max, min));
  }
  // x' = (x - min) / (max - min)
  return (x - min) / (max - min);
}

double MinMax::invert(double scaled) const { return min + scaled * (max - min); }

MinMax fit_min_max(const Eigen::ArrayXd& x, std::string_view column_name) {
  if (x.size() == 0) {
    throw DataError(fmt::format("fit_min_max: column '{}' has no values", column_name));
  }
  if (!x.allFinite()) {
    Eigen::Index k = 0;
    while (std::isfinite(x[k])) ++k;
    throw DataError(fmt::format("fit_min_max: column '{}' holds {} at index {}", column_name, x[k],
                                k));
  }
  const MinMax m{x.minCoeff(), x.maxCoeff()};
  if (m.max == m.min) {
    throw DataError(fmt::format("fit_min_max: column '{}' has a single distinct value ({}); "
                                "min-max scaling would divide by zero", column_name, m.min));
  }
  return m;
}

}  // namespace datasets
