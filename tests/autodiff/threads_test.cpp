// SPDX-License-Identifier: MIT
// Each thread records on its own tape: two models trained at once on two threads end
// bit-identical to training them one after the other, and a Var crossing threads, or
// outliving a clear(), throws StaleVarError.
#define BOOST_TEST_MODULE threads
#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"

#include <exception>
#include <random>
#include <string>
#include <thread>

namespace {

using namespace autodiff;

// Model A: a line through 776 noisy points, by plain gradient descent on squared residuals.
std::vector<Array> train_line(int steps) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Array xs(776, 1), ys(776, 1);
  for (Index i = 0; i < 776; ++i) {
    xs(i) = u(rng);
    ys(i) = 1.0 - 4.0 * xs(i) + 0.1 * u(rng);
  }
  const Constant x(xs), y(ys);
  Parameter a(0.0), b(0.0);
  for (int s = 0; s < steps; ++s) {
    tape().clear();
    a.zero_grad();
    b.zero_grad();
    backward(mean(square(a + b * x - y)));
    a.value() -= 0.1 * a.grad();
    b.value() -= 0.1 * b.grad();
  }
  tape().clear();
  return {a.value(), b.value()};
}

// Model B: softmax regression of 3 classes on 4 features, 60 examples.
std::vector<Array> train_softmax(int steps) {
  std::mt19937_64 rng(2);
  std::normal_distribution<double> n(0.0, 1.0);
  Array xs(60, 4);
  std::vector<int> labels;
  for (Index i = 0; i < 60; ++i) {
    for (Index j = 0; j < 4; ++j) xs(i, j) = n(rng);
    labels.push_back(xs(i, 0) > 0.5 ? 0 : xs(i, 1) > 0.0 ? 1 : 2);
  }
  const Constant x(xs);
  Parameter w(Array::Zero(4, 3)), bias(Array::Zero(1, 3));
  for (int s = 0; s < steps; ++s) {
    tape().clear();
    w.zero_grad();
    bias.zero_grad();
    backward(cross_entropy(matmul(x, w) + bias, labels) + 1e-3 * sum(square(w)));
    w.value() -= 0.5 * w.grad();
    bias.value() -= 0.5 * bias.grad();
  }
  tape().clear();
  return {w.value(), bias.value()};
}

bool identical(const std::vector<Array>& a, const std::vector<Array>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].rows() != b[k].rows() || a[k].cols() != b[k].cols() || !(a[k] == b[k]).all()) return false;
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(two_models_trained_on_two_threads_match_sequential_training_bit_for_bit) {
  const int steps = 3000;
  const std::vector<Array> line = train_line(steps);
  const std::vector<Array> soft = train_softmax(steps);
  BOOST_TEST(std::abs(line[1](0) + 4.0) < 0.1);  // the line was learnt

  std::vector<Array> line_t, soft_t;
  std::thread t1([&] { line_t = train_line(steps); });
  std::thread t2([&] { soft_t = train_softmax(steps); });
  t1.join();
  t2.join();
  BOOST_TEST(identical(line, line_t));
  BOOST_TEST(identical(soft, soft_t));
}

BOOST_AUTO_TEST_CASE(var_used_on_another_thread_throws_stale_var_error) {
  tape().clear();
  Parameter p(2.0);
  const Var v = p * 3.0;
  std::string message;
  bool stale = false;
  std::thread other([&] {
    try {
      exp(v);
    } catch (const StaleVarError& e) {
      stale = true;
      message = e.what();
    }
  });
  other.join();
  BOOST_TEST(stale);
  BOOST_TEST(message.find("exp") != std::string::npos);
  BOOST_TEST(message.find("another thread") != std::string::npos);
  // The Var is still good on its own thread.
  BOOST_TEST(exp(v).item() == std::exp(6.0));
  tape().clear();
}

BOOST_AUTO_TEST_CASE(var_read_after_its_thread_ended_throws_stale_var_error) {
  Var from_dead_thread;
  std::thread([&] { from_dead_thread = Var(1.5) * 2.0; }).join();
  BOOST_CHECK_THROW(from_dead_thread.item(), StaleVarError);
  BOOST_CHECK_THROW(from_dead_thread + 1.0, StaleVarError);
}

BOOST_AUTO_TEST_CASE(var_recorded_before_clear_throws_stale_var_error) {
  tape().clear();
  Parameter p(Array::Constant(2, 2, 1.0));
  const Var v = square(p);
  tape().clear();
  BOOST_CHECK_THROW(v.value(), StaleVarError);
  BOOST_CHECK_THROW(sum(v), StaleVarError);
  BOOST_CHECK_THROW(backward(sum(p) + sum(v)), StaleVarError);
  tape().clear();
}

BOOST_AUTO_TEST_CASE(threads_keep_separate_no_grad_and_anomaly_modes) {
  tape().clear();
  NoGrad off;
  bool other_records = false;
  std::thread([&] {
    Parameter q(1.0);
    other_records = (q * 2.0).requires_grad();
  }).join();
  BOOST_TEST(other_records);
  Parameter p(1.0);
  BOOST_TEST(!(p * 2.0).requires_grad());
  tape().clear();
}
