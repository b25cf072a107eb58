// SPDX-License-Identifier: MIT
// The tape stops growing: 100,000 plain gradient-descent steps on the job-duration model
// (theta0 + theta1 x over 776 jobs, sum of squared residuals) keep the tape's capacity
// flat from step 10 on, and still reach the least-squares solution.
#define BOOST_TEST_MODULE memory
#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"

#include <cmath>
#include <random>

namespace {

using namespace autodiff;

constexpr int kJobs = 776;

// Job sizes x in [0, 1) and durations y = 3 + 2x + noise, from a fixed seed.
struct Jobs {
  Array x = Array(kJobs, 1), y = Array(kJobs, 1);
  Jobs() {
    std::mt19937_64 rng(776);
    std::uniform_real_distribution<double> size(0.0, 1.0);
    std::normal_distribution<double> noise(0.0, 0.1);
    for (Index i = 0; i < kJobs; ++i) {
      x(i) = size(rng);
      y(i) = 3.0 + 2.0 * x(i) + noise(rng);
    }
  }
};

// The least-squares line by the normal equations, in plain loops.
void least_squares(const Jobs& d, double& theta0, double& theta1) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (Index i = 0; i < kJobs; ++i) {
    sx += d.x(i);
    sy += d.y(i);
    sxx += d.x(i) * d.x(i);
    sxy += d.x(i) * d.y(i);
  }
  const double n = kJobs;
  theta1 = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  theta0 = (sy - theta1 * sx) / n;
}

bool same_capacity(const TapeCapacity& a, const TapeCapacity& b) {
  return a.nodes == b.nodes && a.doubles == b.doubles && a.integers == b.integers;
}

}  // namespace

BOOST_AUTO_TEST_CASE(tape_capacity_is_flat_from_step_10_over_100000_descent_steps) {
  const Jobs data;
  const Constant x(data.x), y(data.y);
  Parameter theta0(0.0, "theta0"), theta1(0.0, "theta1");
  // lr below 2 / (largest eigenvalue of the Hessian 2 X^T X), about 1e-3 for these data.
  const double lr = 2e-4;
  TapeCapacity at_step_10;
  int grew = 0;
  double loss = 0.0;
  for (int step = 0; step < 100000; ++step) {
    tape().clear();
    theta0.zero_grad();
    theta1.zero_grad();
    const Var residual = theta0 + theta1 * x - y;
    const Var l = sum(square(residual));
    backward(l);
    loss = l.item();
    theta0.value() -= lr * theta0.grad();
    theta1.value() -= lr * theta1.grad();
    if (step == 10) at_step_10 = tape().capacity();
    if (step > 10 && !same_capacity(tape().capacity(), at_step_10)) ++grew;
  }
  BOOST_TEST(grew == 0, "the tape's capacity changed on " << grew << " steps after step 10");
  BOOST_TEST(at_step_10.bytes() > 0u);
  // Five nodes of 776 values and adjoints, plus the scalars: a few pages, not megabytes.
  BOOST_TEST(at_step_10.doubles < 16u * kJobs);
  double t0 = 0, t1 = 0;
  least_squares(data, t0, t1);
  BOOST_TEST(theta0.value()(0) == t0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(theta1.value()(0) == t1, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(std::isfinite(loss));
  tape().clear();
}

BOOST_AUTO_TEST_CASE(a_larger_first_step_leaves_one_block_that_later_steps_reuse) {
  // After a step that records more than later ones, clear() merges the arena blocks and
  // the smaller steps fit in what is left: capacity never shrinks or grows again.
  tape().clear();
  Parameter p(Array::Constant(100, 10, 0.5));
  for (int k = 0; k < 50; ++k) sum(exp(p * double(k)));
  backward(sum(p));
  tape().clear();
  const TapeCapacity after_big = tape().capacity();
  for (int step = 0; step < 1000; ++step) {
    tape().clear();
    backward(sum(square(p)));
    BOOST_TEST_REQUIRE(same_capacity(tape().capacity(), after_big), "grew at step " << step);
  }
  tape().clear();
}

// A 1x1 op on 1x1 Vars is recorded as a ScalarEntry (value, adjoint, partial
// derivatives: 48 bytes), not as a 64-byte node and two doubles: issue 16's budget.
BOOST_AUTO_TEST_CASE(a_chain_of_1x1_ops_takes_at_most_48_bytes_of_tape_an_op) {
  Parameter a(0.9), b(0.1), x(0.5);
  auto chain_bytes = [&](int steps) {
    tape().clear();
    b.zero_grad();
    const Var va = a, vb = b;
    Var v = x;
    for (int k = 0; k < steps; ++k) v = v * va + vb;  // two ops a step
    backward(v);
    return double(tape().capacity().bytes());
  };
  const double short_run = chain_bytes(50'000), long_run = chain_bytes(100'000);
  BOOST_TEST((long_run - short_run) / 100'000.0 <= 48.0);
  BOOST_TEST(std::abs(b.grad()(0) - 10.0) <= 1e-9);  // sum of 0.9^k: the chain's gradient still flows
}

