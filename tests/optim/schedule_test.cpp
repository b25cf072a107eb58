// SPDX-License-Identifier: MIT
// Learning-rate schedules against their closed forms (StepLR, ExponentialLR,
// warm-up then cosine), their use by an optimizer through the loop, and their checks.
#define BOOST_TEST_MODULE schedule
#include <boost/test/unit_test.hpp>

#include "optim_problems.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace tt = boost::test_tools;

namespace {

auto has(const std::string& text) {
  return [text](const std::exception& e) { return std::string(e.what()).find(text) != std::string::npos; };
}

}  // namespace

BOOST_AUTO_TEST_CASE(constant_returns_the_base_rate) {
  const auto s = optim::Schedule::constant();
  BOOST_TEST(s(0, 0.3) == 0.3);
  BOOST_TEST(s(12345, 0.3) == 0.3);
}

BOOST_AUTO_TEST_CASE(step_decay_multiplies_by_gamma_every_step_size_updates) {
  const auto s = optim::Schedule::step(3, 0.5);
  const double expected[] = {1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25};
  for (std::size_t t = 0; t < 8; ++t) BOOST_TEST(s(t, 1.0) == expected[t], tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(exponential_multiplies_by_gamma_every_update) {
  const auto s = optim::Schedule::exponential(0.9);
  double lr = 0.2;
  for (std::size_t t = 0; t < 10; ++t) {
    BOOST_TEST(s(t, 0.2) == lr, tt::tolerance(1e-14));
    lr *= 0.9;
  }
}

BOOST_AUTO_TEST_CASE(warmup_cosine_rises_linearly_then_follows_the_cosine_to_min_lr) {
  const auto s = optim::Schedule::warmup_cosine(4, 12, 0.01);
  BOOST_TEST(s(0, 1.0) == 0.25, tt::tolerance(1e-15));
  BOOST_TEST(s(3, 1.0) == 1.0, tt::tolerance(1e-15));
  BOOST_TEST(s(4, 1.0) == 1.0, tt::tolerance(1e-15));          // cos(0) = 1: the peak
  BOOST_TEST(s(8, 1.0) == 0.01 + 0.99 * 0.5, tt::tolerance(1e-15));  // half-way: cos(π/2) = 0
  BOOST_TEST(s(10, 1.0) == 0.01 + 0.99 * (1.0 + std::cos(std::numbers::pi * 0.75)) / 2.0, tt::tolerance(1e-15));
  BOOST_TEST(s(12, 1.0) == 0.01);
  BOOST_TEST(s(500, 1.0) == 0.01);
}

BOOST_AUTO_TEST_CASE(the_loop_sets_the_scheduled_rate_before_each_update) {
  autodiff::Parameter x(1.0);
  optim::SGD opt({&x}, {.lr = 0.4});
  std::vector<double> seen;
  const auto loss = optim::Loss::objective([&](const optim::Batch&, bool grad) {
    if (grad) x.grad()(0) += 1.0;  // d/dx of x
    return x.value()(0);
  });
  optim::minimize(loss, {&x}, opt, optim::Batching::full(1), {.tolerance = 0.0, .max_iterations = 5},
                  {.schedule = optim::Schedule::step(2, 0.5),
                   .callback = [&](const optim::Progress& p) { seen.push_back(p.lr); return false; }});
  const std::vector<double> expected = {0.4, 0.4, 0.2, 0.2, 0.1};
  BOOST_TEST(seen == expected, tt::per_element());
  // x moved by the sum of the rates, the gradient being 1.
  BOOST_TEST(x.value()(0) == 1.0 - 1.3, tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(bad_schedule_arguments_throw_naming_the_value) {
  BOOST_CHECK_EXCEPTION(optim::Schedule::step(0), std::invalid_argument, has("Schedule::step: step_size must be positive, got 0"));
  BOOST_CHECK_EXCEPTION(optim::Schedule::step(10, -0.5), std::invalid_argument, has("gamma must be positive and finite, got -0.5"));
  BOOST_CHECK_EXCEPTION(optim::Schedule::exponential(0.0), std::invalid_argument, has("Schedule::exponential: gamma"));
  BOOST_CHECK_EXCEPTION(optim::Schedule::warmup_cosine(20, 10, 1e-3), std::invalid_argument,
                        has("warmup_steps 20 and total_steps 10"));
  BOOST_CHECK_EXCEPTION(optim::Schedule::warmup_cosine(0, 10, -1e-3), std::invalid_argument,
                        has("min_lr must be non-negative and finite, got -0.001"));
}
