// SPDX-License-Identifier: MIT
// Momentum and Adam bring the Rosenbrock function f(x, y) = (1 − x)² + 100 (y − x²)²
// from (−1.5, 2) to its minimum (1, 1), through the descent loop and the tape.
#define BOOST_TEST_MODULE rosenbrock
#include <boost/test/unit_test.hpp>

#include "optim_problems.hpp"

#include <cmath>

namespace {

struct Run {
  double x, y;
  optim::Result result;
};

// Descends from (−1.5, 2) with `make(params)`'s optimizer until the loss stops changing.
template <class Make>
Run descend(Make make, std::size_t max_iterations) {
  autodiff::Parameter x(-1.5, "x"), y(2.0, "y");
  const autodiff::ParameterList params = {&x, &y};
  auto optimizer = make(params);
  const auto loss = optim::Loss::recorded([&](const optim::Batch&) { return optim_problems::rosenbrock(x, y); });
  optim::Result result = optim::minimize(loss, params, optimizer, optim::Batching::full(1),
                                         {.tolerance = 1e-20, .max_iterations = max_iterations});
  return {x.value()(0), y.value()(0), std::move(result)};
}

}  // namespace

BOOST_AUTO_TEST_CASE(momentum_reaches_the_rosenbrock_minimum) {
  // lr 1e-3 with μ = 0.9 is stable at the start, where the curvature is ~1900.
  const Run run = descend([](const autodiff::ParameterList& p) { return optim::SGD(p, {.lr = 1e-3, .momentum = 0.9}); },
                          50000);
  BOOST_TEST_MESSAGE(run.result.message << "; x − 1 = " << run.x - 1.0 << ", y − 1 = " << run.y - 1.0);
  BOOST_TEST(std::abs(run.x - 1.0) < 1e-4);
  BOOST_TEST(std::abs(run.y - 1.0) < 1e-4);
}

BOOST_AUTO_TEST_CASE(adam_reaches_the_rosenbrock_minimum) {
  // Adam's step is ~lr whatever the gradient's scale, so it crosses the flat valley quickly.
  const Run run = descend([](const autodiff::ParameterList& p) { return optim::Adam(p, {.lr = 2e-2}); }, 50000);
  BOOST_TEST_MESSAGE(run.result.message << "; x − 1 = " << run.x - 1.0 << ", y − 1 = " << run.y - 1.0);
  BOOST_TEST(std::abs(run.x - 1.0) < 1e-4);
  BOOST_TEST(std::abs(run.y - 1.0) < 1e-4);
}
