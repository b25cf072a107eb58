// SPDX-License-Identifier: MIT
// The job-duration model: its hand-derived gradient against the tape, and the
// exact least-squares solution.
#define BOOST_TEST_MODULE linear
#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"
#include "models/linear.hpp"

#include <random>

namespace tt = boost::test_tools;

BOOST_AUTO_TEST_CASE(hand_derived_gradient_matches_the_tape_at_random_points) {
  std::mt19937_64 rng(7);
  const Eigen::ArrayXd x = Eigen::ArrayXd::LinSpaced(50, 0.0, 1.0).square();
  const Eigen::ArrayXd y = 0.2 + 0.9 * x + 0.05 * Eigen::ArrayXd::LinSpaced(50, -1.0, 1.0).sin();
  models::LinearModel model;
  for (int k = 0; k < 20; ++k) {
    model.set_theta({double(rng() % 2001) / 500.0 - 2.0, double(rng() % 2001) / 500.0 - 2.0});
    autodiff::tape().clear();
    model.zero_grad();
    autodiff::Var loss = model.loss(x, y);
    autodiff::backward(loss);
    const Eigen::Array2d hand = model.gradient(x, y);
    BOOST_TEST(loss.item() == model.loss_value(x, y), tt::tolerance(1e-13));
    BOOST_TEST(model.theta0.grad()(0) == hand(0), tt::tolerance(1e-12));
    BOOST_TEST(model.theta1.grad()(0) == hand(1), tt::tolerance(1e-12));
  }
}

// The data as Constants: the loss is one expression, so it records the four leaves
// (two Parameters, two Constants) and one node for sum(square(y - (θ0 + θ1 x))),
// the path the README's speed figures measure. Op by op it would record nine.
BOOST_AUTO_TEST_CASE(one_job_duration_loss_records_five_nodes) {
  const autodiff::Constant x(Eigen::ArrayXd::LinSpaced(776, 0.0, 1.0));
  const autodiff::Constant y(0.3 + 0.7 * x.value());
  models::LinearModel model;
  for (int step = 0; step < 2; ++step) {
    autodiff::tape().clear();
    const autodiff::Var loss = model.loss(x, y);
    BOOST_TEST(autodiff::tape().size() == 5u);
    autodiff::backward(loss);
    BOOST_TEST(autodiff::tape().size() == 5u);
  }
  // Eigen arrays are copied onto the tape as leaves, and take the same path.
  autodiff::tape().clear();
  const autodiff::Var loss = model.loss(x.value().col(0).eval(), y.value().col(0).eval());
  BOOST_TEST(autodiff::tape().size() == 5u);
  BOOST_TEST(loss.item() == model.loss_value(x.value().col(0), y.value().col(0)), tt::tolerance(1e-13));
}

BOOST_AUTO_TEST_CASE(the_tape_gradient_passes_gradcheck) {
  const Eigen::ArrayXd x = Eigen::ArrayXd::LinSpaced(20, 0.0, 1.0);
  const Eigen::ArrayXd y = 1.0 - x;
  models::LinearModel model(0.3, -0.2);
  auto result = autodiff::gradcheck([&] { return model.loss(x, y); }, model.parameters());
  BOOST_TEST(result.passed, result.summary());
}

BOOST_AUTO_TEST_CASE(least_squares_recovers_an_exact_line_and_is_a_minimum) {
  const Eigen::ArrayXd x = Eigen::ArrayXd::LinSpaced(30, 0.0, 1.0);
  const Eigen::Array2d theta = models::least_squares(x, 0.25 + 1.5 * x);
  BOOST_TEST(theta(0) == 0.25, tt::tolerance(1e-12));
  BOOST_TEST(theta(1) == 1.5, tt::tolerance(1e-12));
  // On noisy data the gradient vanishes at the solution.
  const Eigen::ArrayXd y = 0.25 + 1.5 * x + 0.1 * (7.0 * x).sin();
  models::LinearModel model;
  model.set_theta(models::least_squares(x, y));
  BOOST_TEST((model.gradient(x, y).abs() < 1e-10).all());
}

BOOST_AUTO_TEST_CASE(least_squares_rejects_a_single_distinct_x) {
  const Eigen::ArrayXd x = Eigen::ArrayXd::Constant(5, 2.0);
  BOOST_CHECK_THROW(models::least_squares(x, x), std::invalid_argument);
}
