// SPDX-License-Identifier: MIT
// Tests of models::Mlp: gradients for every activation, the initialisation
// rules, seeding, learning two moons and the errors.
#define BOOST_TEST_MODULE mlp
#include <boost/test/unit_test.hpp>

#include "model_helpers.hpp"
#include "models/metrics.hpp"
#include "models/mlp.hpp"

#include <cmath>

using autodiff::Array;
using models::Activation;
using models::Mlp;

namespace {

bool message_has(const std::exception& e, const std::string& part) {
  return std::string(e.what()).find(part) != std::string::npos;
}

void check_gradient(Mlp& model) {
  for (autodiff::Parameter* p : model.parameters()) p->value() += 0.1 * Array::Random(p->rows(), p->cols());
  const Array x = Array::Random(5, model.widths().front());
  const std::vector<std::int64_t> labels{0, 1, 2, 1, 0};
  const auto result = autodiff::gradcheck([&] { return model.loss(x, labels); }, model.parameters());
  BOOST_TEST(result.passed, result.summary());
}

}  // namespace

BOOST_AUTO_TEST_CASE(tanh_mlp_gradient_matches_finite_differences) {
  Mlp model({3, 4, 5, 3}, Activation::tanh, 1);
  check_gradient(model);
}

BOOST_AUTO_TEST_CASE(relu_mlp_gradient_matches_finite_differences) {
  Mlp model({3, 6, 3}, Activation::relu, 2);
  check_gradient(model);
}

BOOST_AUTO_TEST_CASE(sigmoid_mlp_gradient_matches_finite_differences) {
  Mlp model({3, 4, 3}, Activation::sigmoid, 3);
  check_gradient(model);
}

BOOST_AUTO_TEST_CASE(mixed_activations_apply_one_per_hidden_layer) {
  Mlp model({2, 3, 4, 3}, {Activation::relu, Activation::sigmoid}, 4);
  BOOST_TEST(model.layers() == 3u);
  BOOST_TEST(models::to_string(model.activation(0)) == "relu");
  BOOST_TEST(models::to_string(model.activation(1)) == "sigmoid");
  check_gradient(model);
  // The logits equal the formula written out with Eigen.
  const Array x = Array::Random(4, 2);
  const auto affine = [&](const Array& h, std::size_t l) -> Array {
    return ((h.matrix() * model.weight(l).value().matrix()).rowwise() + model.bias(l).value().matrix().row(0)).array();
  };
  const Array h1 = affine(x, 0).max(0.0);
  const Array h2 = 1.0 / (1.0 + (-affine(h1, 1)).exp());
  const Array expected = affine(h2, 2);
  const Array logits = model.logits(x).value();
  BOOST_TEST((logits - expected).abs().maxCoeff() < 1e-12);
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(tanh_and_sigmoid_layers_start_glorot_uniform_and_relu_layers_he_uniform) {
  Mlp model({300, 200, 100, 10}, {Activation::tanh, Activation::relu}, 5);
  const double glorot1 = std::sqrt(6.0 / (300 + 200));
  const double he2 = std::sqrt(6.0 / 200);
  const double glorot3 = std::sqrt(6.0 / (100 + 10));
  const double bounds[3] = {glorot1, he2, glorot3};
  for (std::size_t l = 0; l < 3; ++l) {
    const Array& w = model.weight(l).value();
    BOOST_TEST(w.abs().maxCoeff() <= bounds[l]);
    // Thousands of uniform draws come close to the bound and average near 0,
    // with the variance a^2 / 3 of U(-a, a).
    BOOST_TEST(w.abs().maxCoeff() > 0.98 * bounds[l]);
    BOOST_TEST(std::abs(w.mean()) < 0.05 * bounds[l]);
    const double variance = (w - w.mean()).square().mean();
    BOOST_TEST(variance == bounds[l] * bounds[l] / 3.0, boost::test_tools::tolerance(0.1));
    BOOST_TEST((model.bias(l).value() == 0.0).all());
  }
}

BOOST_AUTO_TEST_CASE(the_seed_fixes_the_initial_weights) {
  Mlp a({4, 8, 3}, Activation::tanh, 42);
  Mlp b({4, 8, 3}, Activation::tanh, 42);
  Mlp c({4, 8, 3}, Activation::tanh, 43);
  BOOST_TEST((a.weight(0).value() == b.weight(0).value()).all());
  BOOST_TEST((a.weight(1).value() == b.weight(1).value()).all());
  BOOST_TEST(!(a.weight(0).value() == c.weight(0).value()).all());
}

BOOST_AUTO_TEST_CASE(parameters_are_named_by_layer_in_order) {
  Mlp model({2, 3, 2}, Activation::tanh, 0);
  const auto params = model.parameters();
  BOOST_TEST_REQUIRE(params.size() == 4u);
  BOOST_TEST(params[0]->name() == "layer1.weight");
  BOOST_TEST(params[1]->name() == "layer1.bias");
  BOOST_TEST(params[2]->name() == "layer2.weight");
  BOOST_TEST(params[3]->name() == "layer2.bias");
  BOOST_TEST(params[2]->rows() == 3);
  BOOST_TEST(params[3]->cols() == 2);
}

BOOST_AUTO_TEST_CASE(learns_two_moons_above_95_percent) {
  const auto train = test_models::two_moons(200, 0.1, 7);
  Mlp model({2, 16, 16, 2}, Activation::tanh, 7);
  test_models::gradient_descent(model.parameters(), [&] { return model.loss(train.x, train.labels); }, 2000, 0.5);
  const double train_accuracy = models::accuracy(model.predict(train.x), train.labels);
  const auto test = test_models::two_moons(200, 0.1, 8);
  const double test_accuracy = models::accuracy(model.predict(test.x), test.labels);
  BOOST_TEST_MESSAGE("two moons: train accuracy " << train_accuracy << ", test accuracy " << test_accuracy);
  BOOST_TEST(train_accuracy > 0.95);
  BOOST_TEST(test_accuracy > 0.95);
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(predict_leaves_parameter_gradients_alone) {
  Mlp model({2, 4, 2}, Activation::tanh, 9);
  const Array x = Array::Random(6, 2);
  const auto predicted = model.predict(x);
  BOOST_TEST(predicted.size() == 6u);
  // Under NoGrad nothing on the tape reaches the parameters.
  const autodiff::Var logits = model.logits(x);
  BOOST_TEST(logits.requires_grad());
  {
    autodiff::NoGrad no_grad;
    BOOST_TEST(!model.logits(x).requires_grad());
  }
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(constructor_rejects_bad_widths_and_activation_counts) {
  BOOST_CHECK_EXCEPTION(Mlp({3}, Activation::tanh, 0), std::invalid_argument,
                        [](const auto& e) { return message_has(e, "at least two widths"); });
  BOOST_CHECK_EXCEPTION(Mlp({3, 0, 2}, Activation::tanh, 0), std::invalid_argument,
                        [](const auto& e) { return message_has(e, "width 1 is 0"); });
  BOOST_CHECK_EXCEPTION(Mlp({3, 4, 1}, Activation::tanh, 0), std::invalid_argument,
                        [](const auto& e) { return message_has(e, "1 classes"); });
  BOOST_CHECK_EXCEPTION(Mlp({3, 4, 4, 2}, {Activation::tanh, Activation::relu, Activation::relu}, 0),
                        std::invalid_argument,
                        [](const auto& e) { return message_has(e, "3 activations for 2 hidden"); });
}

BOOST_AUTO_TEST_CASE(logits_reject_inputs_of_the_wrong_width) {
  Mlp model({3, 4, 2}, Activation::tanh, 0);
  BOOST_CHECK_EXCEPTION(model.logits(Array::Zero(5, 2)), std::invalid_argument,
                        [](const auto& e) { return message_has(e, "x is 5x2, the model has 3 inputs"); });
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(activation_names) {
  BOOST_TEST(models::to_string(Activation::tanh) == "tanh");
  BOOST_TEST(models::to_string(Activation::relu) == "relu");
  BOOST_TEST(models::to_string(Activation::sigmoid) == "sigmoid");
}

// f32::Mlp starts from the same weights rounded to float, and its loss and gradients
// agree with the double Mlp's to float's precision.
BOOST_AUTO_TEST_CASE(a_float_mlp_starts_from_the_same_weights_and_agrees_with_double) {
  Mlp wide({4, 8, 3}, Activation::relu, 11);
  models::f32::Mlp narrow({4, 8, 3}, Activation::relu, 11);
  const Array x = Array::Random(6, 4);
  const std::vector<std::int64_t> labels{0, 1, 2, 2, 1, 0};
  autodiff::tape().clear();
  autodiff::f32::tape().clear();
  const autodiff::Var lw = wide.loss(x, labels);
  const autodiff::f32::Var ln = narrow.loss(autodiff::f32::Array(x.cast<float>()), labels);
  autodiff::backward(lw);
  autodiff::backward(ln);
  BOOST_TEST(std::abs(double(ln.item()) - lw.item()) < 1e-5 * std::abs(lw.item()));
  test_models::check_float_model_agrees(wide, narrow);
  BOOST_TEST(narrow.predict(autodiff::f32::Array(x.cast<float>())) == wide.predict(x));
}
