// SPDX-License-Identifier: MIT
#include "models/sampling.hpp"

#include "models/init.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace models {

namespace {

// The index whose running sum of weights[k] · scale first exceeds u · total.
std::int64_t draw(std::span<const double> weights, double scale, double total, std::mt19937_64& rng) {
  const double u = uniform01(rng) * total;
  double running = 0.0;
  std::int64_t last_positive = 0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    if (weights[k] == 0.0) continue;
    running += weights[k] * scale;
    last_positive = std::int64_t(k);
    if (u < running) return last_positive;
  }
  // Rounding can leave u just above the running sum: the last possible index.
  return last_positive;
}

}  // namespace

std::int64_t sample_categorical(std::span<const double> weights, std::mt19937_64& rng) {
  double total = 0.0;
  double largest = 0.0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    if (!std::isfinite(weights[k]) || weights[k] < 0.0) {
      throw std::invalid_argument(
          fmt::format("sample_categorical: weight {} is {}, needs finite and >= 0", k, weights[k]));
    }
    total += weights[k];
    largest = std::max(largest, weights[k]);
  }
  if (!(total > 0.0)) {
    throw std::invalid_argument(fmt::format("sample_categorical: the {} weights sum to 0", weights.size()));
  }
  if (std::isfinite(total)) return draw(weights, 1.0, total, rng);
  // The sum overflowed (weights near the largest double): weights / largest sum to at most N.
  const double scale = 1.0 / largest;
  double scaled_total = 0.0;
  for (const double w : weights) scaled_total += w * scale;
  return draw(weights, scale, scaled_total, rng);
}

}  // namespace models
