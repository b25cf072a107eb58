// SPDX-License-Identifier: MIT
// Tests of min-max scaling: the map to [0, 1], its inverse, and the columns it refuses.
#define BOOST_TEST_MODULE scale
#include <boost/test/unit_test.hpp>

#include "datasets/scale.hpp"
#include "helpers.hpp"

#include <limits>

using datasets::fit_min_max;
using datasets::MinMax;
using datasets_test::contains;
using datasets_test::data_error_message;

BOOST_AUTO_TEST_CASE(fit_finds_the_min_and_max_of_a_column) {
  Eigen::ArrayXd x(4);
  x << 5.0, -2.0, 7.5, 0.0;
  const MinMax m = fit_min_max(x, "x");
  BOOST_TEST(m.min == -2.0);
  BOOST_TEST(m.max == 7.5);
}

BOOST_AUTO_TEST_CASE(apply_maps_min_to_zero_max_to_one_and_is_affine_between) {
  Eigen::ArrayXd x(3);
  x << 2.0, 4.0, 10.0;
  const Eigen::ArrayXd s = fit_min_max(x, "x").apply(x);
  BOOST_TEST(s[0] == 0.0);
  BOOST_TEST(s[1] == 0.25);  // (4 - 2) / (10 - 2)
  BOOST_TEST(s[2] == 1.0);
}

BOOST_AUTO_TEST_CASE(invert_undoes_apply) {
  Eigen::ArrayXd x(5);
  x << 3.0, 17.0, -4.5, 100.0, 0.125;
  const MinMax m = fit_min_max(x, "x");
  const Eigen::ArrayXd s = m.apply(x);
  for (Eigen::Index k = 0; k < x.size(); ++k) {
    BOOST_TEST(m.invert(s[k]) == x[k], boost::test_tools::tolerance(1e-12));
  }
}

BOOST_AUTO_TEST_CASE(a_column_with_one_distinct_value_is_refused_naming_it_and_the_value) {
  const Eigen::ArrayXd x = Eigen::ArrayXd::Constant(4, 3.0);
  const auto msg = data_error_message([&] { fit_min_max(x, "n"); });
  BOOST_TEST(contains(msg, "column 'n' has a single distinct value (3)"));
  BOOST_TEST(contains(msg, "divide by zero"));
}

BOOST_AUTO_TEST_CASE(an_empty_column_is_refused_naming_it) {
  const auto msg = data_error_message([] { fit_min_max(Eigen::ArrayXd(), "duration"); });
  BOOST_TEST(contains(msg, "column 'duration' has no values"));
}

BOOST_AUTO_TEST_CASE(a_column_with_a_nan_is_refused_naming_it_and_the_index) {
  Eigen::ArrayXd x(3);
  x << 1.0, std::numeric_limits<double>::quiet_NaN(), 2.0;
  const auto msg = data_error_message([&] { fit_min_max(x, "x"); });
  BOOST_TEST(contains(msg, "column 'x' holds nan at index 1"));
}

BOOST_AUTO_TEST_CASE(apply_with_max_not_above_min_is_refused) {
  const MinMax m{2.0, 2.0};
  const auto msg = data_error_message([&] { m.apply(Eigen::ArrayXd::Ones(2)); });
  BOOST_TEST(contains(msg, "max (2) must exceed min (2)"));
}

BOOST_AUTO_TEST_CASE(a_range_that_overflows_a_double_is_refused_naming_the_column) {
  // max − min = 2e308 is infinite: the scaled column used to be NaN, silently.
  Eigen::ArrayXd x(3);
  x << -1e308, 1e308, 0.0;
  const auto msg = data_error_message([&] { fit_min_max(x, "load"); });
  BOOST_TEST(contains(msg, "fit_min_max: column 'load' spans [-1e+308, 1e+308]"), msg);
  BOOST_TEST(contains(msg, "overflows a double"), msg);
  const auto apply_msg = data_error_message([&] { MinMax{-1e308, 1e308}.apply(x); });
  BOOST_TEST(contains(apply_msg, "MinMax::apply: max − min (1e+308 − -1e+308) overflows a double"), apply_msg);
}

BOOST_AUTO_TEST_CASE(the_source_file_is_named_when_the_caller_gives_it) {
  Eigen::ArrayXd x(2);
  x << 3.0, 3.0;
  const auto msg = data_error_message([&] { fit_min_max(x, "n", "jobs.csv"); });
  BOOST_TEST(contains(msg, "fit_min_max: jobs.csv: column 'n' has a single distinct value (3)"), msg);
}
