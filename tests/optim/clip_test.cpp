// SPDX-License-Identifier: MIT
// Clipping by global norm as torch.nn.utils.clip_grad_norm_: one scale for all
// gradients when their joint norm exceeds the bound, none otherwise.
#define BOOST_TEST_MODULE clip
#include <boost/test/unit_test.hpp>

#include "optim_problems.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace tt = boost::test_tools;

BOOST_AUTO_TEST_CASE(gradients_above_the_bound_are_scaled_to_it_together) {
  autodiff::Parameter a(autodiff::Array::Zero(2, 1)), b(0.0);
  a.grad() << 3.0, 0.0;
  b.grad() << 4.0;  // joint norm 5
  const double norm = optim::clip_grad_norm({&a, &b}, 2.0);
  BOOST_TEST(norm == 5.0, tt::tolerance(1e-15));
  const double scale = 2.0 / (5.0 + 1e-6);
  BOOST_TEST(a.grad()(0) == 3.0 * scale, tt::tolerance(1e-15));
  BOOST_TEST(b.grad()(0) == 4.0 * scale, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(gradients_below_the_bound_are_unchanged) {
  autodiff::Parameter a(autodiff::Array::Zero(1, 2));
  a.grad() << 0.3, -0.4;
  BOOST_TEST(optim::clip_grad_norm({&a}, 1.0) == 0.5, tt::tolerance(1e-15));
  BOOST_TEST(a.grad()(0) == 0.3);
  BOOST_TEST(a.grad()(1) == -0.4);
}

BOOST_AUTO_TEST_CASE(the_loop_clips_before_the_update) {
  autodiff::Parameter x(10.0);
  optim::SGD opt({&x}, {.lr = 1.0});
  const auto loss = optim::Loss::objective([&](const optim::Batch&, bool grad) {
    if (grad) x.grad()(0) += 2.0 * x.value()(0);
    return x.value()(0) * x.value()(0);
  });
  optim::minimize(loss, {&x}, opt, optim::Batching::full(1), {.max_iterations = 1}, {.clip_norm = 0.5});
  BOOST_TEST(x.value()(0) == 10.0 - 20.0 * (0.5 / (20.0 + 1e-6)), tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(non_positive_max_norm_throws) {
  autodiff::Parameter x(1.0);
  BOOST_CHECK_EXCEPTION(optim::clip_grad_norm({&x}, 0.0), std::invalid_argument, [](const std::exception& e) {
    return std::string(e.what()).find("clip_grad_norm: max_norm must be positive and finite, got 0") != std::string::npos;
  });
}
