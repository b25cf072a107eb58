// SPDX-License-Identifier: MIT
// fit_min_max and MinMax: the scaling used to bring a column to [0, 1] before
// fitting, so one learning rate suits every feature.
#include "datasets/scale.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>

namespace datasets {

namespace {

// "column 'n'", or "metrics.csv: column 'n'" when the source is known.
std::string where(std::string_view column_name, std::string_view source) {
  return source.empty() ? fmt::format("column '{}'", column_name)
                        : fmt::format("{}: column '{}'", source, column_name);
}

}  // namespace

Eigen::ArrayXd MinMax::apply(const Eigen::ArrayXd& x) const {
  if (!(max > min)) {
    throw DataError(fmt::format("MinMax::apply: max ({}) must exceed min ({})", max, min));
  }
  if (!std::isfinite(max - min)) {
    throw DataError(fmt::format("MinMax::apply: max − min ({} − {}) overflows a double", max, min));
  }
  // x' = (x - min) / (max - min)
  return (x - min) / (max - min);
}

double MinMax::invert(double scaled) const { return min + scaled * (max - min); }

MinMax fit_min_max(const Eigen::ArrayXd& x, std::string_view column_name, std::string_view source) {
  if (x.size() == 0) {
    throw DataError(fmt::format("fit_min_max: {} has no values", where(column_name, source)));
  }
  if (!x.allFinite()) {
    Eigen::Index k = 0;
    while (std::isfinite(x[k])) ++k;
    throw DataError(fmt::format("fit_min_max: {} holds {} at index {}", where(column_name, source), x[k], k));
  }
  const MinMax m{x.minCoeff(), x.maxCoeff()};
  if (m.max == m.min) {
    throw DataError(fmt::format("fit_min_max: {} has a single distinct value ({}); "
                                "min-max scaling would divide by zero", where(column_name, source), m.min));
  }
  // Scaling divides by max − min: beyond the largest double it is infinite and every value becomes 0 or NaN.
  if (!std::isfinite(m.max - m.min)) {
    throw DataError(fmt::format("fit_min_max: {} spans [{}, {}], whose width max − min overflows a double; "
                                "divide the column by a constant first",
                                where(column_name, source), m.min, m.max));
  }
  return m;
}

}  // namespace datasets
