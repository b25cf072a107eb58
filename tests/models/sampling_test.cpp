// SPDX-License-Identifier: MIT
// Tests of models::sample_categorical and models::uniform01.
#define BOOST_TEST_MODULE sampling
#include <boost/test/unit_test.hpp>

#include "models/init.hpp"
#include "models/sampling.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

BOOST_AUTO_TEST_CASE(uniform01_stays_in_the_unit_interval_with_mean_one_half) {
  std::mt19937_64 rng(1);
  double sum = 0.0;
  for (int k = 0; k < 100000; ++k) {
    const double u = models::uniform01(rng);
    BOOST_TEST_REQUIRE((u >= 0.0 && u < 1.0));
    sum += u;
  }
  BOOST_TEST(sum / 100000 == 0.5, boost::test_tools::tolerance(0.01));
}

BOOST_AUTO_TEST_CASE(draws_follow_the_weights) {
  const std::vector<double> weights{1.0, 0.0, 3.0, 6.0};  // sum 10, need not be normalised
  std::mt19937_64 rng(2);
  std::vector<int> counts(4, 0);
  const int n = 100000;
  for (int k = 0; k < n; ++k) ++counts[std::size_t(models::sample_categorical(weights, rng))];
  BOOST_TEST(counts[1] == 0);
  // Each frequency within 5 standard errors of its probability.
  for (std::size_t k = 0; k < 4; ++k) {
    const double p = weights[k] / 10.0;
    const double se = std::sqrt(p * (1 - p) / n);
    BOOST_TEST(std::abs(double(counts[k]) / n - p) <= 5 * se + 1e-12);
  }
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_draws) {
  const std::vector<double> weights{0.2, 0.5, 0.3};
  std::mt19937_64 a(7), b(7);
  for (int k = 0; k < 100; ++k) {
    BOOST_TEST(models::sample_categorical(weights, a) == models::sample_categorical(weights, b));
  }
}

BOOST_AUTO_TEST_CASE(a_single_positive_weight_is_always_drawn) {
  const std::vector<double> weights{0.0, 0.0, 1e-300, 0.0};
  std::mt19937_64 rng(3);
  for (int k = 0; k < 100; ++k) BOOST_TEST(models::sample_categorical(weights, rng) == 2);
}

BOOST_AUTO_TEST_CASE(rejects_negative_non_finite_and_all_zero_weights) {
  std::mt19937_64 rng(4);
  const std::vector<double> negative{0.5, -0.1};
  const std::vector<double> nan{0.5, std::numeric_limits<double>::quiet_NaN()};
  const std::vector<double> zero{0.0, 0.0};
  const std::vector<double> empty;
  BOOST_CHECK_THROW(models::sample_categorical(negative, rng), std::invalid_argument);
  BOOST_CHECK_THROW(models::sample_categorical(nan, rng), std::invalid_argument);
  BOOST_CHECK_THROW(models::sample_categorical(zero, rng), std::invalid_argument);
  BOOST_CHECK_THROW(models::sample_categorical(empty, rng), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(weights_whose_sum_overflows_are_still_drawn_in_proportion) {
  // 0.5e308 + 1.5e308 overflows to infinity; the draws must still be 1 : 3.
  const std::vector<double> weights{0.5e308, 1.5e308};
  std::mt19937_64 rng(3);
  const int n = 40000;
  int ones = 0;
  for (int k = 0; k < n; ++k) ones += models::sample_categorical(weights, rng) == 1;
  // 0.75 within 5 standard deviations (sqrt(0.75 · 0.25 / n) ≈ 0.0022).
  BOOST_TEST(double(ones) / n == 0.75, boost::test_tools::tolerance(0.015));
  const std::vector<double> equal{1e308, 1e308};
  int firsts = 0;
  for (int k = 0; k < n; ++k) firsts += models::sample_categorical(equal, rng) == 0;
  BOOST_TEST(double(firsts) / n == 0.5, boost::test_tools::tolerance(0.03));
}
