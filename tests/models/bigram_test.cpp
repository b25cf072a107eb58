// SPDX-License-Identifier: MIT
// Tests of models::BigramModel: gradient, reaching the counted table's NLL by
// gradient descent, probabilities and sampling.
#define BOOST_TEST_MODULE bigram
#include <boost/test/unit_test.hpp>

#include "model_helpers.hpp"
#include "models/bigram.hpp"

#include <cmath>

using autodiff::Array;
using models::BigramModel;

namespace {

const std::vector<std::string> kWords{
    "emma",   "olivia", "ava",   "isabella", "sophia", "charlotte", "mia",    "amelia", "harper", "evelyn",
    "abigail", "emily", "ella",  "elizabeth", "camila", "luna",     "sofia",  "avery",  "mila",   "aria",
    "scarlett", "penelope", "layla", "chloe", "victoria", "madison", "eleanor", "grace", "nora",  "riley",
    "zoey",   "hannah", "hazel", "lily",     "ellie",  "violet",    "lillian", "zoe",   "stella", "aurora",
    "natalie", "emilia", "everly", "leah",   "aubrey", "willow",    "addison", "lucy",  "audrey", "bella",
    "quinn",  "jack",   "xavier", "kyle",    "oscar",  "wyatt",     "felix",  "theo",   "jude",   "max"};

}  // namespace

BOOST_AUTO_TEST_CASE(loss_gradient_matches_finite_differences) {
  BigramModel model;
  model.table().value() = Array::Random(27, 27);
  const std::vector<std::string> words{"abc", "cab", "zz"};
  const auto pairs = models::make_examples(words, 1);
  const auto result = autodiff::gradcheck([&] { return model.loss(pairs); }, model.parameters());
  BOOST_TEST(result.passed, result.summary());
}

BOOST_AUTO_TEST_CASE(starts_with_every_token_equally_likely) {
  BigramModel model;
  const auto pairs = models::make_examples(kWords, 1);
  BOOST_TEST(model.loss(pairs).item() == std::log(27.0), boost::test_tools::tolerance(1e-14));
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(gradient_descent_reaches_the_counted_tables_nll_within_0_01_nats) {
  const auto pairs = models::make_examples(kWords, 1);
  const double counted = models::counted_nll(models::count_bigrams(kWords), pairs);
  BigramModel model;
  test_models::gradient_descent(model.parameters(), [&] { return model.loss(pairs); }, 1500, 50.0);
  const double trained = model.loss(pairs).item();
  BOOST_TEST_MESSAGE("bigram NLL: trained " << trained << ", counted " << counted);
  // The counted table is the minimum: descent approaches it from above.
  BOOST_TEST(trained >= counted - 1e-12);
  BOOST_TEST(trained - counted < 0.01);
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(probabilities_are_the_softmax_of_each_row) {
  BigramModel model;
  model.table().value() = Array::Random(27, 27);
  const Eigen::ArrayXXd p = model.probabilities();
  BOOST_TEST((p.rowwise().sum() - 1.0).abs().maxCoeff() < 1e-14);
  const Array& t = model.table().value();
  BOOST_TEST(p(3, 5) / p(3, 7) == std::exp(t(3, 5) - t(3, 7)), boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(samples_follow_the_table_and_repeat_with_the_seed) {
  // A table that allows only ".ab." makes every sample "ab".
  BigramModel model;
  model.table().value().setConstant(-1000.0);
  model.table().value()(0, 1) = 0.0;
  model.table().value()(1, 2) = 0.0;
  model.table().value()(2, 0) = 0.0;
  std::mt19937_64 rng(1);
  BOOST_TEST(model.sample(rng) == "ab");
  // A uniform table: the same seed gives the same words, and max_length caps them.
  BigramModel uniform;
  std::mt19937_64 a(5), b(5);
  for (int k = 0; k < 10; ++k) BOOST_TEST(uniform.sample(a, 8) == uniform.sample(b, 8));
  std::mt19937_64 c(6);
  for (int k = 0; k < 10; ++k) BOOST_TEST(uniform.sample(c, 3).size() <= 3u);
}

BOOST_AUTO_TEST_CASE(loss_rejects_mismatched_pairs_and_wide_contexts) {
  BigramModel model;
  const std::vector<std::int64_t> prev{0, 1}, next{1};
  BOOST_CHECK_THROW(model.loss(prev, next), std::invalid_argument);
  const std::vector<std::string> words{"ab"};
  BOOST_CHECK_THROW(model.loss(models::make_examples(words, 2)), std::invalid_argument);
  autodiff::tape().clear();
}
