// SPDX-License-Identifier: MIT
// Tests of models/char_data: tokens, (context -> next) examples, the counted
// bigram table and its NLL.
#define BOOST_TEST_MODULE char_data
#include <boost/test/unit_test.hpp>

#include "models/char_data.hpp"

#include <cmath>
#include <stdexcept>

using models::CharExamples;

BOOST_AUTO_TEST_CASE(tokens_are_boundary_then_letters_and_round_trip) {
  BOOST_TEST(models::encode_char('.') == 0);
  BOOST_TEST(models::encode_char('a') == 1);
  BOOST_TEST(models::encode_char('z') == 26);
  for (std::int64_t t = 0; t < models::kVocabularySize; ++t) {
    BOOST_TEST(models::encode_char(models::decode_char(t)) == t);
  }
  BOOST_CHECK_THROW(models::encode_char('A'), std::invalid_argument);
  BOOST_CHECK_THROW(models::encode_char('\''), std::invalid_argument);
  BOOST_CHECK_THROW(models::decode_char(27), std::invalid_argument);
  BOOST_CHECK_THROW(models::decode_char(-1), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(lowercase_words_are_non_empty_and_a_to_z_only) {
  BOOST_TEST(models::is_lowercase_word("descent"));
  BOOST_TEST(!models::is_lowercase_word(""));
  BOOST_TEST(!models::is_lowercase_word("Descent"));
  BOOST_TEST(!models::is_lowercase_word("don't"));
  BOOST_TEST(!models::is_lowercase_word("caf\xc3\xa9"));
}

BOOST_AUTO_TEST_CASE(examples_slide_a_window_padded_with_boundaries) {
  const std::vector<std::string> words{"ab", "c"};
  const CharExamples e = models::make_examples(words, 2);
  // ab: (.. -> a), (.a -> b), (ab -> .); c: (.. -> c), (.c -> .)
  BOOST_TEST_REQUIRE(e.context.rows() == 5);
  BOOST_TEST_REQUIRE(e.context.cols() == 2);
  const std::int64_t context[5][2] = {{0, 0}, {0, 1}, {1, 2}, {0, 0}, {0, 3}};
  const std::int64_t next[5] = {1, 2, 0, 3, 0};
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(e.context(i, 0) == context[i][0]);
    BOOST_TEST(e.context(i, 1) == context[i][1]);
    BOOST_TEST(e.next[std::size_t(i)] == next[i]);
  }
}

BOOST_AUTO_TEST_CASE(examples_reject_bad_words_and_contexts) {
  const std::vector<std::string> bad{"ok", "Not"};
  BOOST_CHECK_THROW(models::make_examples(bad, 1), std::invalid_argument);
  const std::vector<std::string> good{"ok"};
  BOOST_CHECK_THROW(models::make_examples(good, 0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(bigram_counts_add_up_to_the_pairs) {
  const std::vector<std::string> words{"aa", "ab"};
  const Eigen::ArrayXXd counts = models::count_bigrams(words);
  // .aa. and .ab.: (.a) twice, (aa), (a.), (ab), (b.)
  BOOST_TEST(counts.sum() == 6.0);
  BOOST_TEST(counts(0, 1) == 2.0);
  BOOST_TEST(counts(1, 1) == 1.0);
  BOOST_TEST(counts(1, 0) == 1.0);
  BOOST_TEST(counts(1, 2) == 1.0);
  BOOST_TEST(counts(2, 0) == 1.0);
}

BOOST_AUTO_TEST_CASE(counted_nll_is_the_mean_negative_log_of_row_frequencies) {
  const std::vector<std::string> words{"aa", "ab"};
  const Eigen::ArrayXXd counts = models::count_bigrams(words);
  const CharExamples pairs = models::make_examples(words, 1);
  // P(a|.) = 1, P(a|a) = P(.|a) = P(b|a) = 1/3, P(.|b) = 1.
  const double expected = -(2 * std::log(1.0) + 3 * std::log(1.0 / 3.0) + std::log(1.0)) / 6.0;
  BOOST_TEST(models::counted_nll(counts, pairs) == expected, boost::test_tools::tolerance(1e-14));
  // A pair never counted has probability 0 without smoothing.
  const std::vector<std::string> unseen{"ba"};
  const CharExamples other = models::make_examples(unseen, 1);
  BOOST_TEST(std::isinf(models::counted_nll(counts, other)));
  BOOST_TEST(std::isfinite(models::counted_nll(counts, other, 1.0)));
  BOOST_CHECK_THROW(models::counted_nll(counts, other, -1.0), std::invalid_argument);
  BOOST_CHECK_THROW(models::counted_nll(Eigen::ArrayXXd::Zero(3, 3), other), std::invalid_argument);
}
