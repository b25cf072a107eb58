// SPDX-License-Identifier: MIT
// Tests of models::LogisticRegression: gradient, the stable loss, learning a
// separable problem and the errors.
#define BOOST_TEST_MODULE logistic_regression
#include <boost/test/unit_test.hpp>

#include "model_helpers.hpp"
#include "models/logistic_regression.hpp"
#include "models/metrics.hpp"

#include <cmath>

using autodiff::Array;
using models::LogisticRegression;

namespace {

// A random 3-feature model and data with both labels.
struct Fixture {
  LogisticRegression model{3};
  Array x = Array::Random(8, 3);
  std::vector<std::int64_t> labels{0, 1, 1, 0, 1, 0, 0, 1};
  Fixture() {
    model.weights().value() = Array::Random(3, 1);
    model.bias().value() = Array::Constant(1, 1, 0.3);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(loss_gradient_matches_finite_differences) {
  Fixture f;
  const auto result = autodiff::gradcheck([&] { return f.model.loss(f.x, f.labels); }, f.model.parameters());
  BOOST_TEST(result.passed, result.summary());
}

BOOST_AUTO_TEST_CASE(loss_equals_mean_binary_cross_entropy_of_sigmoid) {
  Fixture f;
  const double loss = f.model.loss(f.x, f.labels).item();
  const Eigen::ArrayXd z = (f.x.matrix() * f.model.weights().value().matrix()).array() + f.model.bias().value()(0);
  double expected = 0.0;
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    const double p = 1.0 / (1.0 + std::exp(-z(i)));
    expected -= f.labels[std::size_t(i)] == 1 ? std::log(p) : std::log(1.0 - p);
  }
  expected /= double(z.size());
  BOOST_TEST(loss == expected, boost::test_tools::tolerance(1e-12));
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(loss_stays_finite_for_huge_logits) {
  LogisticRegression model(1);
  model.weights().value()(0) = 1000.0;
  Array x(2, 1);
  x << 1.0, -1.0;
  // z = +-1000 on the wrong side: each example costs |z| nats, not infinity.
  const std::vector<std::int64_t> wrong{0, 1};
  BOOST_TEST(model.loss(x, wrong).item() == 1000.0, boost::test_tools::tolerance(1e-12));
  const std::vector<std::int64_t> right{1, 0};
  BOOST_TEST(model.loss(x, right).item() == 0.0);
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(gradient_at_zero_logits_is_one_half_minus_label) {
  // At zero weights every z is exactly 0, where dL/dz = sigmoid(0) - y must
  // still be 1/2 - y (a loss written with |z| would get 0 here and never move).
  LogisticRegression model(1);
  Array x = Array::Ones(2, 1);
  const std::vector<std::int64_t> labels{1, 1};
  model.loss(x, labels).backward();
  BOOST_TEST(model.bias().grad()(0) == -0.5, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(model.weights().grad()(0) == -0.5, boost::test_tools::tolerance(1e-15));
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(learns_linearly_separable_points_to_full_accuracy) {
  // Label 1 exactly when x0 + 2 x1 > 0.5, with a margin kept around the line.
  std::mt19937_64 rng(3);
  Array x(60, 2);
  std::vector<std::int64_t> labels;
  for (Eigen::Index i = 0; i < x.rows();) {
    const double a = 4.0 * models::uniform01(rng) - 2.0, b = 4.0 * models::uniform01(rng) - 2.0;
    const double side = a + 2.0 * b - 0.5;
    if (std::abs(side) < 0.3) continue;
    x(i, 0) = a;
    x(i, 1) = b;
    labels.push_back(side > 0 ? 1 : 0);
    ++i;
  }
  LogisticRegression model(2);
  const double initial = model.loss(x, labels).item();
  const double final_loss =
      test_models::gradient_descent(model.parameters(), [&] { return model.loss(x, labels); }, 300, 1.0);
  BOOST_TEST(final_loss < 0.1 * initial);
  BOOST_TEST(models::accuracy(model.predict(x), labels) == 1.0);
  BOOST_TEST(model.probabilities(x).value().maxCoeff() < 1.0);
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(loss_rejects_labels_other_than_zero_and_one) {
  Fixture f;
  f.labels[5] = 2;
  BOOST_CHECK_EXCEPTION(f.model.loss(f.x, f.labels), std::invalid_argument, [](const std::invalid_argument& e) {
    return std::string(e.what()).find("label 2 at row 5") != std::string::npos;
  });
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(logits_reject_inputs_with_the_wrong_feature_count) {
  LogisticRegression model(3);
  BOOST_CHECK_EXCEPTION(model.logits(Array::Zero(4, 2)), std::invalid_argument, [](const std::invalid_argument& e) {
    return std::string(e.what()).find("x is 4x2, the model has 3 features") != std::string::npos;
  });
  BOOST_CHECK_THROW(LogisticRegression(0), std::invalid_argument);
  autodiff::tape().clear();
}
