// SPDX-License-Identifier: MIT
// Tests of models/metrics: argmax per row, accuracy and the confusion matrix.
#define BOOST_TEST_MODULE metrics
#include <boost/test/unit_test.hpp>

#include "models/metrics.hpp"

#include <stdexcept>

BOOST_AUTO_TEST_CASE(argmax_rows_picks_the_first_largest_value) {
  autodiff::Array scores(3, 3);
  scores << 0.1, 0.7, 0.2,  //
      5.0, -1.0, 5.0,       //
      -3.0, -2.0, -2.5;
  const auto best = models::argmax_rows(scores);
  BOOST_TEST(best == (std::vector<std::int64_t>{1, 0, 1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(accuracy_is_the_fraction_of_matches) {
  const std::vector<std::int64_t> predicted{0, 1, 2, 2}, labels{0, 1, 1, 2};
  BOOST_TEST(models::accuracy(predicted, labels) == 0.75);
  const std::vector<std::int64_t> shorter{0, 1};
  BOOST_CHECK_THROW(models::accuracy(shorter, labels), std::invalid_argument);
  BOOST_CHECK_THROW(models::accuracy({}, {}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(confusion_matrix_counts_true_class_by_predicted_class) {
  const std::vector<std::int64_t> predicted{0, 1, 2, 2, 0}, labels{0, 1, 1, 2, 2};
  const auto counts = models::confusion_matrix(predicted, labels, 3);
  BOOST_TEST(counts.sum() == 5);
  BOOST_TEST(counts(0, 0) == 1);
  BOOST_TEST(counts(1, 1) == 1);
  BOOST_TEST(counts(1, 2) == 1);
  BOOST_TEST(counts(2, 2) == 1);
  BOOST_TEST(counts(2, 0) == 1);
  BOOST_TEST(counts.matrix().trace() == 3);
  const std::vector<std::int64_t> outside{0, 1, 3, 2, 0};
  BOOST_CHECK_THROW(models::confusion_matrix(outside, labels, 3), std::invalid_argument);
  BOOST_CHECK_THROW(models::confusion_matrix(predicted, labels, 0), std::invalid_argument);
}
