// SPDX-License-Identifier: MIT
#include "models/sampling.hpp"

#include "models/init.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace models {

std::int64_t sample_categorical(std::span<const double> weights, std::mt19937_64& rng) {
  double total = 0.0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    if (!std::isfinite(weights[k]) || weights[k] < 0.0) {
      throw std::invalid_argument(
          fmt::format("sample_categorical: weight {} is {}, needs finite and >= 0", k, weights[k]));
    }
    total += weights[k];
  }
  if (!(total > 0.0)) {
    throw std::invalid_argument(fmt::format("sample_categorical: the {} weights sum to 0", weights.size()));
  }
  const double u = uniform01(rng) * total;
  double running = 0.0;
  std::int64_t last_positive = 0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    if (weights[k] == 0.0) continue;
    running += weights[k];
    last_positive = std::int64_t(k);
    if (u < running) return last_positive;
  }
  // Rounding can leave u just above the running sum: the last possible index.
  return last_positive;
}

}  // namespace models
