// SPDX-License-Identifier: MIT
// Tests of models::SoftmaxRegression: gradient, learning a separable
// three-class problem, prediction and the errors.
#define BOOST_TEST_MODULE softmax_regression
#include <boost/test/unit_test.hpp>

#include "model_helpers.hpp"
#include "models/metrics.hpp"
#include "models/softmax_regression.hpp"

using autodiff::Array;
using models::SoftmaxRegression;

BOOST_AUTO_TEST_CASE(loss_gradient_matches_finite_differences) {
  SoftmaxRegression model(4, 3);
  model.weights().value() = Array::Random(4, 3);
  model.bias().value() = Array::Random(1, 3);
  const Array x = Array::Random(6, 4);
  const std::vector<std::int64_t> labels{0, 2, 1, 1, 0, 2};
  const auto result = autodiff::gradcheck([&] { return model.loss(x, labels); }, model.parameters());
  BOOST_TEST(result.passed, result.summary());
}

BOOST_AUTO_TEST_CASE(starts_at_log_classes) {
  SoftmaxRegression model(2, 5);
  const std::vector<std::int64_t> labels{0, 4, 2};
  BOOST_TEST(model.loss(Array::Random(3, 2), labels).item() == std::log(5.0), boost::test_tools::tolerance(1e-14));
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(learns_three_separable_clusters_to_full_train_accuracy) {
  // Three well-separated clusters around (3, 0), (-3, 3) and (-3, -3).
  const double centres[3][2] = {{3.0, 0.0}, {-3.0, 3.0}, {-3.0, -3.0}};
  std::mt19937_64 rng(11);
  Array x(90, 2);
  std::vector<std::int64_t> labels(90);
  for (int i = 0; i < 90; ++i) {
    const int c = i % 3;
    x(i, 0) = centres[c][0] + test_models::normal(rng) * 0.5;
    x(i, 1) = centres[c][1] + test_models::normal(rng) * 0.5;
    labels[std::size_t(i)] = c;
  }
  SoftmaxRegression model(2, 3);
  test_models::gradient_descent(model.parameters(), [&] { return model.loss(x, labels); }, 200, 0.5);
  BOOST_TEST(models::accuracy(model.predict(x), labels) == 1.0);
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(predict_returns_the_column_of_the_largest_logit) {
  SoftmaxRegression model(2, 3);
  model.weights().value() = Array::Random(2, 3);
  const Array x = Array::Random(10, 2);
  const Array logits = model.logits(x).value();
  const auto predicted = model.predict(x);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    BOOST_TEST(logits(i, predicted[std::size_t(i)]) == logits.row(i).maxCoeff());
  }
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(rejects_bad_sizes_and_inputs) {
  BOOST_CHECK_THROW(SoftmaxRegression(0, 3), std::invalid_argument);
  BOOST_CHECK_EXCEPTION(SoftmaxRegression(3, 1), std::invalid_argument, [](const std::invalid_argument& e) {
    return std::string(e.what()).find("classes = 1") != std::string::npos;
  });
  SoftmaxRegression model(3, 2);
  BOOST_CHECK_EXCEPTION(model.logits(Array::Zero(2, 5)), std::invalid_argument, [](const std::invalid_argument& e) {
    return std::string(e.what()).find("x is 2x5, the model has 3 features") != std::string::npos;
  });
  autodiff::tape().clear();
}
