// SPDX-License-Identifier: MIT
// Fusion of element-wise chains (autodiff/detail/fusion.hpp): fused and eager
// evaluation agree, a fused chain stores no intermediate array, and every way a
// fused value can be reached (a value read, a non-element-wise op, eval, a
// shared subexpression, a long chain, a full-size Parameter) gives what eager
// evaluation gives.
#define BOOST_TEST_MODULE fusion
#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"
#include "throws_with.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <thread>
#include <vector>

using namespace autodiff;

namespace {

constexpr Index kNoFusion = std::numeric_limits<Index>::max();

Array random(Index rows, Index cols, unsigned seed) {
  std::srand(seed);
  return Array::Random(rows, cols);
}

bool close(const Array& a, const Array& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  return ((a - b).abs() <= 1e-12 * b.abs().max(1.0)).all();
}

bool close(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); }

Array scalar(double v) { return Array::Constant(1, 1, v); }

// Runs f, which records a loss, calls backward and returns the loss and the gradients
// to compare, first eagerly, then with every element-wise op on two or more elements
// fused, and checks that both give the same numbers.
void check_fused_matches_eager(const std::function<std::vector<Array>()>& f) {
  auto run = [&f](Index threshold) {
    const FusionThreshold fusion(threshold);
    tape().clear();
    return f();
  };
  const std::vector<Array> eager = run(kNoFusion);
  const std::vector<Array> fused = run(2);
  BOOST_TEST_REQUIRE(eager.size() == fused.size());
  for (std::size_t k = 0; k < eager.size(); ++k) {
    BOOST_TEST(close(fused[k], eager[k]), "result " << k << ": fused " << fused[k].transpose()
                                                    << " vs eager " << eager[k].transpose());
  }
}

struct JobDuration {
  Constant x{random(20000, 1, 1)};
  Constant y{random(20000, 1, 2)};
  Parameter t0{0.3}, t1{-0.7};

  // Records the loss and runs backward; returns the loss and d/dt0, d/dt1. With
  // `split`, the residual is a Var of its own rather than part of one expression.
  std::vector<Array> step(bool split = false) {
    t0.zero_grad();
    t1.zero_grad();
    const Var loss = split ? [&] {
      const Var r = y - (t0 + t1 * x);
      return sum(square(r));
    }() : sum(square(y - (t0 + t1 * x)));
    backward(loss);
    return {scalar(loss.item()), t0.grad(), t1.grad()};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(fused_job_duration_loss_and_gradient_match_eager_evaluation) {
  JobDuration m;
  check_fused_matches_eager([&] { return m.step(); });
  check_fused_matches_eager([&] { return m.step(true); });
}

BOOST_AUTO_TEST_CASE(a_fused_chain_stores_no_intermediate_array) {
  // A new thread has a new, empty tape, so its capacity shows what this step needed.
  JobDuration m;
  auto doubles_used = [&m](Index threshold, bool split) {
    std::size_t doubles = 0;
    std::thread([&] {
      const FusionThreshold fusion(threshold);
      m.step(split);
      doubles = tape().capacity().doubles;
    }).join();
    return doubles;
  };
  // Split across two Vars, the residual is stored (value and adjoint) unless fused.
  BOOST_TEST(doubles_used(kNoFusion, true) >= 2u * 20000u);
  BOOST_TEST(doubles_used(2, true) < 20000u);  // not one 20000-element array
  // Written as one expression, the loss is one node that stores no array, fused or not.
  BOOST_TEST(doubles_used(kNoFusion, false) < 20000u);
  BOOST_TEST(doubles_used(2, false) < 20000u);
}

BOOST_AUTO_TEST_CASE(gradients_of_the_job_duration_loss_accumulate_over_two_backward_calls) {
  JobDuration m;
  const FusionThreshold fusion(2);
  const Var loss = sum(square(m.y - (m.t0 + m.t1 * m.x)));
  backward(loss);
  const Array once = (Array(2, 1) << m.t0.grad()(0), m.t1.grad()(0)).finished();
  backward(loss);
  BOOST_TEST(m.t0.grad()(0) == 2.0 * once(0));
  BOOST_TEST(m.t1.grad()(0) == 2.0 * once(1));
}

BOOST_AUTO_TEST_CASE(value_of_a_fused_intermediate_is_computed_when_read) {
  const Array xv = random(3000, 1, 3);
  const Constant x(xv);
  Parameter a(1.5);
  const FusionThreshold fusion(2);
  const Var r = exp(a * x) - 1.0;
  BOOST_TEST(close(Array(r.value()), (1.5 * xv).exp() - 1.0));
}

BOOST_AUTO_TEST_CASE(value_of_a_fused_intermediate_read_after_a_step_is_the_recorded_value) {
  const Constant x(random(3000, 1, 4));
  Parameter a(2.0);
  const FusionThreshold fusion(2);
  const Var r = a * x;
  a.value() += 1.0;  // an optimizer step between recording and reading
  BOOST_TEST(close(Array(r.value()), 2.0 * x.value()));
}

BOOST_AUTO_TEST_CASE(grad_of_a_fused_intermediate_throws_unless_evaluated_before_backward) {
  const Constant x(random(3000, 1, 5));
  Parameter a(0.5);
  const FusionThreshold fusion(2);
  const Var r = tanh(a * x);
  backward(sum(square(r)));
  BOOST_TEST(support::throws_with<BackwardError>([&] { r.grad(); }, {"Var::grad", "3000x1", "tanh", "eval()"}));
  // Reading the value afterwards does not bring the gradient back.
  BOOST_TEST(r.value().size() == 3000);
  BOOST_TEST(support::throws_with<BackwardError>([&] { r.grad(); }, {"Var::grad", "fused"}));

  tape().clear();
  const Var kept = tanh(a * x).eval();
  backward(sum(square(kept)));
  BOOST_TEST(close(kept.grad(), 2.0 * Array(kept.value())));
}

BOOST_AUTO_TEST_CASE(fused_values_feeding_non_elementwise_ops_get_their_gradients) {
  const Array xv = random(64, 48, 6);
  Parameter w(random(48, 3, 7)), s(0.8);
  check_fused_matches_eager([&] {
    w.zero_grad();
    s.zero_grad();
    const Var h = tanh(s * Var(xv) + 0.1);           // fused, then materialized by matmul
    const Var z = matmul(h, w);
    const Var loss = sum(sum_rowwise(square(z)) * 0.5) + mean(log_softmax(z));
    backward(loss);
    return std::vector<Array>{scalar(loss.item()), w.grad(), s.grad()};
  });
}

BOOST_AUTO_TEST_CASE(a_shared_fused_subexpression_matches_eager_evaluation) {
  const Array xv = random(2000, 1, 8);
  Parameter a(0.3), b(-0.2);
  check_fused_matches_eager([&] {
    a.zero_grad();
    b.zero_grad();
    const Var r = a * Var(xv) + b;                    // used by four consumers
    const Var loss = sum(r * r) + sum(exp(r)) + sum_colwise(sigmoid(r)).item() * 0.0 + sum(r / (r * r + 1.0));
    backward(loss);
    return std::vector<Array>{scalar(loss.item()), a.grad(), b.grad()};
  });
}

BOOST_AUTO_TEST_CASE(a_full_size_parameter_receives_its_gradient_through_a_fused_chain) {
  const Array yv = random(4000, 1, 9);
  Parameter w(random(4000, 1, 10)), c(1.2);
  check_fused_matches_eager([&] {
    w.zero_grad();
    c.zero_grad();
    // w + 0.0 records w's value on the tape; the chain after it fuses.
    const Var loss = sum(square(c * (w + 0.0) - Var(yv))) + sum(abs(w * 2.0));
    backward(loss);
    return std::vector<Array>{scalar(loss.item()), w.grad(), c.grad()};
  });
}

BOOST_AUTO_TEST_CASE(a_long_fused_chain_matches_eager_evaluation) {
  const Array xv = random(3000, 1, 11);
  Parameter a(0.99);
  check_fused_matches_eager([&] {
    a.zero_grad();
    Var v = Var(xv);
    for (int k = 0; k < 200; ++k) v = tanh(v * a + 0.01);  // 600 element-wise ops
    const Var loss = sum(v);
    backward(loss);
    return std::vector<Array>{scalar(loss.item()), a.grad()};
  });
}

BOOST_AUTO_TEST_CASE(nothing_is_fused_under_anomaly_detection_so_the_op_is_named) {
  const Constant x(random(3000, 1, 12));
  Parameter a(1.0);
  const FusionThreshold fusion(2);
  const DetectAnomaly detect;
  BOOST_TEST(support::throws_with<NonFiniteError>([&] { sum(log(a * x - 5.0)); }, {"log", "NaN"}));
}

BOOST_AUTO_TEST_CASE(fused_ops_under_no_grad_record_values_only) {
  const Constant x(random(3000, 1, 13));
  Parameter a(1.0);
  const FusionThreshold fusion(2);
  const NoGrad no_grad;
  const Var loss = sum(square(a * x));
  BOOST_TEST(!loss.requires_grad());
  BOOST_TEST(close(loss.item(), x.value().square().sum()));
}
