// SPDX-License-Identifier: MIT
// Tests of models::MlpLanguageModel: gradient, shapes, learning a small word
// list better than bigrams can, and sampling.
#define BOOST_TEST_MODULE mlp_language_model
#include <boost/test/unit_test.hpp>

#include "model_helpers.hpp"
#include "models/mlp_language_model.hpp"

#include <cmath>

using autodiff::Array;
using models::MlpLanguageModel;

namespace {

bool message_has(const std::exception& e, const std::string& part) {
  return std::string(e.what()).find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(loss_gradient_matches_finite_differences) {
  MlpLanguageModel model({.context = 3, .embedding = 2, .hidden = 5, .seed = 1});
  const std::vector<std::string> words{"abc", "bad"};
  const auto examples = models::make_examples(words, 3);
  // Every parameter, the embedding table included, gets a gradient.
  const auto result = autodiff::gradcheck([&] { return model.loss(examples); }, model.parameters());
  BOOST_TEST(result.passed, result.summary());
}

BOOST_AUTO_TEST_CASE(logits_concatenate_the_context_embeddings) {
  MlpLanguageModel model({.context = 2, .embedding = 3, .hidden = 4, .seed = 2});
  auto params = model.parameters();
  BOOST_TEST_REQUIRE(params.size() == 5u);
  BOOST_TEST(params[0]->name() == "embedding");
  BOOST_TEST(params[0]->rows() == 27);
  BOOST_TEST(params[0]->cols() == 3);
  BOOST_TEST(params[1]->rows() == 6);  // k d inputs to the hidden layer
  models::IndexArray context(1, 2);
  context << 4, 9;
  const Array logits = model.logits(context).value();
  BOOST_TEST_REQUIRE(logits.cols() == 27);
  // The same forward pass written out with Eigen.
  Eigen::RowVectorXd x(6);
  x << params[0]->value().row(4).matrix(), params[0]->value().row(9).matrix();
  const Eigen::RowVectorXd h =
      ((x * params[1]->value().matrix()).array() + params[2]->value()).tanh().matrix();
  const Eigen::RowVectorXd expected = (h * params[3]->value().matrix()).array() + params[4]->value();
  BOOST_TEST((logits.matrix().row(0) - expected).cwiseAbs().maxCoeff() < 1e-12);
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(the_seed_fixes_the_initial_parameters) {
  MlpLanguageModel a({.seed = 3}), b({.seed = 3}), c({.seed = 4});
  BOOST_TEST((a.parameters()[0]->value() == b.parameters()[0]->value()).all());
  BOOST_TEST((a.parameters()[3]->value() == b.parameters()[3]->value()).all());
  BOOST_TEST(!(a.parameters()[0]->value() == c.parameters()[0]->value()).all());
}

BOOST_AUTO_TEST_CASE(a_longer_context_learns_a_word_list_below_the_bigram_minimum) {
  const std::vector<std::string> words{"banana", "bandana", "cabana", "nabana", "ananas", "canada"};
  const auto pairs = models::make_examples(words, 1);
  const double bigram_minimum = models::counted_nll(models::count_bigrams(words), pairs);
  MlpLanguageModel model({.context = 3, .embedding = 4, .hidden = 32, .seed = 5});
  const auto examples = models::make_examples(words, 3);
  const double initial = model.loss(examples).item();
  test_models::gradient_descent(model.parameters(), [&] { return model.loss(examples); }, 600, 0.5);
  const double trained = model.loss(examples).item();
  BOOST_TEST_MESSAGE("MLP LM: initial " << initial << ", trained " << trained << ", bigram minimum "
                                        << bigram_minimum);
  BOOST_TEST(std::abs(initial - std::log(27.0)) < 0.1);
  BOOST_TEST(trained < bigram_minimum);
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(samples_are_letters_and_repeat_with_the_seed) {
  MlpLanguageModel model({.context = 3, .embedding = 4, .hidden = 8, .seed = 6});
  std::mt19937_64 a(9), b(9);
  for (int k = 0; k < 10; ++k) {
    const std::string word = model.sample(a, 12);
    BOOST_TEST(word == model.sample(b, 12));
    BOOST_TEST(word.size() <= 12u);
    for (const char ch : word) BOOST_TEST((ch >= 'a' && ch <= 'z'));
  }
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(rejects_bad_options_and_contexts) {
  BOOST_CHECK_EXCEPTION(MlpLanguageModel({.context = 0}), std::invalid_argument,
                        [](const auto& e) { return message_has(e, "context = 0"); });
  BOOST_CHECK_THROW(MlpLanguageModel({.embedding = 0}), std::invalid_argument);
  BOOST_CHECK_THROW(MlpLanguageModel({.hidden = -1}), std::invalid_argument);
  MlpLanguageModel model({.context = 3, .embedding = 2, .hidden = 4});
  BOOST_CHECK_EXCEPTION(model.logits(models::IndexArray::Zero(2, 4)), std::invalid_argument,
                        [](const auto& e) { return message_has(e, "context is 2x4, the model reads 3 tokens"); });
  autodiff::tape().clear();
}

// f32::MlpLanguageModel starts from the same values rounded to float; its loss and
// gradients (the embedding table's included) agree with the double model's to float's precision.
BOOST_AUTO_TEST_CASE(a_float_language_model_starts_from_the_same_values_and_agrees_with_double) {
  MlpLanguageModel wide({.context = 3, .embedding = 4, .hidden = 8, .seed = 7});
  models::f32::MlpLanguageModel narrow({.context = 3, .embedding = 4, .hidden = 8, .seed = 7});
  const auto examples = models::make_examples(std::vector<std::string>{"abc", "bad", "cab"}, 3);
  autodiff::tape().clear();
  autodiff::f32::tape().clear();
  const autodiff::Var lw = wide.loss(examples);
  const autodiff::f32::Var ln = narrow.loss(examples);
  autodiff::backward(lw);
  autodiff::backward(ln);
  BOOST_TEST(std::abs(double(ln.item()) - lw.item()) < 1e-5 * std::abs(lw.item()));
  test_models::check_float_model_agrees(wide, narrow);
  std::mt19937_64 rng(3);
  const std::string word = narrow.sample(rng, 10);  // draws from the float model's softmax
  BOOST_TEST(word.size() <= 10u);
  autodiff::tape().clear();
  autodiff::f32::tape().clear();
}
