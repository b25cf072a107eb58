// SPDX-License-Identifier: MIT
// Behaviour of conv.cpp's and nn.cpp's network ops beyond the op table's gradient
// checks: a convolution worked by hand, max pooling's ties, evaluation in bands
// of positions, and dropout's mask.
#define BOOST_TEST_MODULE conv
#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"

#include <random>

using namespace autodiff;

BOOST_AUTO_TEST_CASE(conv2d_of_a_3x3_image_with_a_2x2_kernel_matches_the_hand_computation) {
  tape().clear();
  // Image rows 1 2 3 / 4 5 6 / 7 8 9, stored row-major in one row; kernel 1 0 / 0 -1, bias 10.
  Array x(1, 9);
  x << 1, 2, 3, 4, 5, 6, 7, 8, 9;
  Array w(1, 4);
  w << 1, 0, 0, -1;
  const Conv2dGeometry g{.channels = 1, .height = 3, .width = 3, .kernel_height = 2, .kernel_width = 2};
  const Var y = conv2d(x, w, Array::Constant(1, 1, 10.0), g);
  // Every 2x2 window gives its top-left minus its bottom-right: -4, plus the bias.
  BOOST_TEST(y.rows() == 1);
  BOOST_TEST(y.cols() == 4);
  BOOST_TEST((y.value() == 6.0).all());
  // With padding 1 and stride 2 the output is 2x2: corners see one pixel each.
  const Conv2dGeometry padded{.channels = 1, .height = 3, .width = 3, .kernel_height = 2, .kernel_width = 2,
                              .stride = 2, .padding = 1};
  const Var z = conv2d(x, w, Array::Zero(1, 1), padded);
  Array expected(1, 4);
  expected << -1, -3, -7, 5 - 9;  // windows at (-1,-1), (-1,1), (1,-1), (1,1)
  BOOST_TEST((z.value() == expected).all(), z.value());
  tape().clear();
}

BOOST_AUTO_TEST_CASE(max_pool2d_sends_the_gradient_to_the_first_of_tied_maxima) {
  tape().clear();
  Parameter x(Array::Constant(1, 4, 2.0));  // one 2x2 window of equal values
  const Var y = max_pool2d(x, {.channels = 1, .height = 2, .width = 2, .kernel = 2});
  backward(sum(y));
  Array expected(1, 4);
  expected << 1, 0, 0, 0;
  BOOST_TEST((x.grad() == expected).all(), x.grad());
  tape().clear();
}

BOOST_AUTO_TEST_CASE(conv2d_without_gradients_evaluates_in_bands_with_the_same_values) {
  tape().clear();
  // 128 images of 16 channels of 14x14 and 400-tap filters: the evaluation path splits
  // the 196 positions into bands, the recording path takes them at once.
  const Conv2dGeometry g{.channels = 16, .height = 14, .width = 14, .kernel_height = 5, .kernel_width = 5,
                         .padding = 2};
  const Array x = Array::Random(128, 16 * 14 * 14);
  Parameter w(Array::Random(4, 400)), b(Array::Random(1, 4));
  const Array recorded = conv2d(x, w, b, g).value();
  Array evaluated;
  {
    NoGrad off;
    evaluated = conv2d(x, w, b, g).value();
  }
  BOOST_TEST((recorded - evaluated).abs().maxCoeff() < 1e-12);
  tape().clear();
}

BOOST_AUTO_TEST_CASE(dropout_keeps_about_one_minus_p_scaled_and_repeats_with_its_seed) {
  tape().clear();
  const Array x = Array::Ones(200, 50);
  std::mt19937_64 rng(3), again(3);
  const Array y = dropout(x, 0.25, rng, true).value();
  const Array z = dropout(x, 0.25, again, true).value();
  BOOST_TEST((y == z).all());
  // Each element is 0 or 1 / (1 - p); about three quarters of 10,000 are kept.
  BOOST_TEST(((y == 0.0) || (y == 1.0 / 0.75)).all());
  const double kept = (y != 0.0).cast<double>().mean();
  BOOST_TEST(kept > 0.73);
  BOOST_TEST(kept < 0.77);
  // Outside training, and at p = 0, the input comes back untouched.
  const Var a(x);
  BOOST_TEST((dropout(a, 0.25, rng, false).value() == x).all());
  BOOST_TEST((dropout(a, 0.0, rng, true).value() == x).all());
  tape().clear();
}

BOOST_AUTO_TEST_CASE(layer_norm_rows_have_mean_beta_and_spread_gamma) {
  tape().clear();
  const Array x = Array::Random(5, 7) * 3.0 + 1.0;
  const Var y = layer_norm(x, Array::Constant(1, 7, 2.0), Array::Constant(1, 7, 0.5), 0.0);
  const Array v = y.value();
  const Eigen::ArrayXd mean = v.rowwise().mean();
  const Eigen::ArrayXd var = (v.colwise() - mean).square().rowwise().mean();
  BOOST_TEST(((mean - 0.5).abs() < 1e-12).all());
  BOOST_TEST(((var - 4.0).abs() < 1e-10).all());
  tape().clear();
}
