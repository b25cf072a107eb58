// SPDX-License-Identifier: MIT
// The tape's contract: recording, the reverse sweep, parameters that outlive
// the tape, stale Vars, memory reuse, NoGrad, detach and anomaly mode.
#define BOOST_TEST_MODULE tape
#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"
#include "throws_with.hpp"

#include <string>
#include <thread>
#include <vector>

using namespace autodiff;
using support::throws_with;

BOOST_AUTO_TEST_CASE(backward_gives_the_gradient_of_a_scalar_expression) {
  tape().clear();
  Parameter a(3.0), b(2.0);
  Var y = a * b + a / b;  // dy/da = b + 1/b, dy/db = a - a/b^2
  backward(y);
  BOOST_TEST(y.item() == 7.5);
  BOOST_TEST(a.grad()(0) == 2.5);
  BOOST_TEST(b.grad()(0) == 3.0 - 3.0 / 4.0);
}

BOOST_AUTO_TEST_CASE(gradients_accumulate_in_parameters_until_zeroed) {
  Parameter w(2.0);
  for (int step = 0; step < 3; ++step) {
    tape().clear();
    backward(w * w);  // 2w = 4 each time
  }
  BOOST_TEST(w.grad()(0) == 12.0);
  w.zero_grad();
  BOOST_TEST(w.grad()(0) == 0.0);
}

BOOST_AUTO_TEST_CASE(a_shared_subexpression_receives_every_contribution) {
  tape().clear();
  Parameter x(1.5);
  Var s = x * x;       // used three times below
  Var y = s * s + s;   // y = x^4 + x^2, dy/dx = 4x^3 + 2x
  backward(y);
  BOOST_TEST(x.grad()(0) == 4 * 1.5 * 1.5 * 1.5 + 2 * 1.5, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(backward_twice_on_one_tape_adds_the_gradient_twice) {
  tape().clear();
  Parameter x(2.0);
  Var y = exp(x);
  backward(y);
  backward(y);  // the tape's own adjoints restart; the parameter's accumulate
  BOOST_TEST(x.grad()(0) == 2.0 * std::exp(2.0), boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(a_var_from_a_cleared_tape_is_rejected) {
  tape().clear();
  Parameter x(1.0);
  Var y = x * 2.0;
  tape().clear();
  BOOST_TEST(throws_with<StaleVarError>([&] { (void)(y + 1.0); }, {"operator+", "stale", "cleared"}));
  BOOST_TEST(throws_with<StaleVarError>([&] { backward(y); }, {"backward", "stale"}));
  BOOST_TEST(throws_with<StaleVarError>([&] { (void)y.item(); }, {"stale"}));
}

BOOST_AUTO_TEST_CASE(an_empty_var_is_rejected) {
  Var empty;
  BOOST_TEST(throws_with<StaleVarError>([&] { (void)exp(empty); }, {"exp", "empty"}));
}

BOOST_AUTO_TEST_CASE(a_var_from_another_thread_is_rejected) {
  tape().clear();
  Parameter x(1.0);
  Var y = x * 3.0;
  bool rejected = false;
  std::thread other([&] { rejected = throws_with<StaleVarError>([&] { (void)(y * 2.0); }, {"another thread"}); });
  other.join();
  BOOST_TEST(rejected);
  BOOST_TEST((y * 2.0).item() == 6.0);  // still fine on its own thread
}

BOOST_AUTO_TEST_CASE(backward_on_a_non_scalar_names_its_shape) {
  tape().clear();
  Parameter x(Array::Ones(3, 2));
  BOOST_TEST(throws_with<BackwardError>([&] { backward(x * 2.0); }, {"backward", "scalar", "3x2"}));
}

BOOST_AUTO_TEST_CASE(backward_on_a_loss_without_parameters_is_rejected) {
  tape().clear();
  Var c = Var(2.0) * 3.0;
  BOOST_TEST(!c.requires_grad());
  BOOST_TEST(throws_with<BackwardError>([&] { backward(c); }, {"does not depend on any Parameter"}));
}

BOOST_AUTO_TEST_CASE(the_tape_stops_growing_once_a_step_has_been_recorded) {
  Parameter t0(0.0), t1(0.0);
  const Constant x(Eigen::ArrayXd::LinSpaced(100, 0.0, 1.0));
  const Constant y(Eigen::ArrayXd::LinSpaced(100, 1.0, 3.0));
  TapeCapacity after_first;
  for (int step = 0; step < 50; ++step) {
    tape().clear();
    backward(sum(square(y - (t0 + t1 * x))));
    if (step == 1) after_first = tape().capacity();
  }
  BOOST_TEST(tape().capacity().bytes() == after_first.bytes());
  BOOST_TEST(after_first.bytes() > 0u);
}

BOOST_AUTO_TEST_CASE(a_parameter_keeps_working_after_moving_into_a_vector) {
  std::vector<Parameter> params;
  params.emplace_back(1.0);
  params.emplace_back(2.0);
  params.emplace_back(3.0);  // the vector reallocates; storage behind each Parameter does not move
  tape().clear();
  backward(params[0] * params[1] * params[2]);
  BOOST_TEST(params[0].grad()(0) == 6.0);
  BOOST_TEST(params[2].grad()(0) == 2.0);
}

BOOST_AUTO_TEST_CASE(no_grad_records_values_but_no_gradient_path) {
  tape().clear();
  Parameter x(2.0);
  Var y;
  {
    NoGrad off;
    y = x * x;
  }
  BOOST_TEST(y.item() == 4.0);
  BOOST_TEST(!y.requires_grad());
  Var z = x * x;  // recording is back on after the scope
  BOOST_TEST(z.requires_grad());
}

BOOST_AUTO_TEST_CASE(detach_stops_the_gradient_but_keeps_the_value) {
  tape().clear();
  Parameter x(3.0);
  Var y = detach(x * x) * x;  // d/dx = x^2 (the detached part is a constant 9)
  backward(y);
  BOOST_TEST(y.item() == 27.0);
  BOOST_TEST(x.grad()(0) == 9.0);
}

BOOST_AUTO_TEST_CASE(constants_and_eigen_arrays_enter_without_a_gradient) {
  tape().clear();
  Parameter w(2.0);
  Eigen::ArrayXd data(3);
  data << 1.0, 2.0, 3.0;
  const Constant shared(data);
  Var y = sum(w * data) + sum(w * shared);  // dy/dw = 2 * 6
  backward(y);
  BOOST_TEST(w.grad()(0) == 12.0);
  BOOST_TEST(!Var(data).requires_grad());
  BOOST_TEST(Var(shared).value().data() == shared.value().data());  // no copy
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_op_that_made_a_nan) {
  tape().clear();
  Parameter x(-1.0);
  DetectAnomaly on;
  BOOST_TEST(throws_with<NonFiniteError>([&] { (void)log(x); }, {"log", "NaN", "(0, 0)"}));
  BOOST_TEST(throws_with<NonFiniteError>([&] { (void)exp(x * 1000.0); }, {"operator*"}) == false);
  BOOST_TEST(throws_with<NonFiniteError>([&] { (void)exp(x * -1000.0); }, {"exp", "infinity"}));
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_backward_that_made_an_infinite_gradient) {
  tape().clear();
  Parameter x(0.0);
  DetectAnomaly on;
  Var y = sqrt(x);  // finite value 0, infinite derivative
  BOOST_TEST(throws_with<NonFiniteError>([&] { backward(y); }, {"backward of sqrt", "infinity"}));
}

BOOST_AUTO_TEST_CASE(without_anomaly_mode_non_finite_values_pass_through) {
  tape().clear();
  Parameter x(-1.0);
  BOOST_TEST(std::isnan(log(x).item()));
}
