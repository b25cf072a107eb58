// SPDX-License-Identifier: MIT
// Drawing from a categorical distribution with our own code on top of
// std::mt19937_64, whose output the standard fixes, so that a seed gives the
// same samples with every standard library (std::discrete_distribution does not).
#pragma once

#include <cstdint>
#include <random>
#include <span>

namespace models {

// Index k with probability weights[k] / sum(weights): one uniform u in [0, 1)
// scaled by the sum, then the first k whose running sum exceeds it. The weights
// need not sum to 1; they must be finite, non-negative and not all zero. When
// their sum overflows a double, they are divided by the largest weight first.
std::int64_t sample_categorical(std::span<const double> weights, std::mt19937_64& rng);

}  // namespace models
