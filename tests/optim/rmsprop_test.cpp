// SPDX-License-Identifier: MIT
// RMSprop against torch.optim.RMSprop's documented update, written out per element:
// plain, momentum, centered, centered with momentum, weight decay; its option checks.
#define BOOST_TEST_MODULE rmsprop
#include <boost/test/unit_test.hpp>

#include "optim_problems.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

using optim_problems::SeparableQuadratic;

namespace {

// g ← g + λθ;  v ← α v + (1−α) g²;  ṽ = v − ḡ² (centered, ḡ ← α ḡ + (1−α) g) or v
// μ > 0: b ← μ b + g / (√ṽ + ε), θ ← θ − γ b;  else θ ← θ − γ g / (√ṽ + ε)
struct RmspropReference {
  double lr, alpha = 0.99, eps = 1e-8, weight_decay = 0.0, momentum = 0.0;
  bool centered = false;
  double v = 0.0, g_avg = 0.0, b = 0.0;
  double step(double theta, double g, int) {
    g = g + weight_decay * theta;
    v = alpha * v + (1.0 - alpha) * g * g;
    double v_tilde = v;
    if (centered) {
      g_avg = alpha * g_avg + (1.0 - alpha) * g;
      v_tilde = v - g_avg * g_avg;
    }
    if (momentum > 0.0) {
      b = momentum * b + g / (std::sqrt(v_tilde) + eps);
      return theta - lr * b;
    }
    return theta - lr * g / (std::sqrt(v_tilde) + eps);
  }
};

bool message_has(const std::exception& e, const std::string& text) {
  return std::string(e.what()).find(text) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rmsprop_matches_reference_update_for_three_steps) {
  SeparableQuadratic p;
  optim::RMSprop opt(p.list(), {.lr = 0.01});
  optim_problems::check_against_reference(p, opt, RmspropReference{.lr = 0.01});
}

BOOST_AUTO_TEST_CASE(rmsprop_with_momentum_matches_reference_update_for_four_steps) {
  SeparableQuadratic p;
  optim::RMSprop opt(p.list(), {.lr = 0.01, .alpha = 0.9, .momentum = 0.8});
  optim_problems::check_against_reference(p, opt, RmspropReference{.lr = 0.01, .alpha = 0.9, .momentum = 0.8}, 4);
}

BOOST_AUTO_TEST_CASE(centered_rmsprop_matches_reference_update_for_four_steps) {
  SeparableQuadratic p;
  optim::RMSprop opt(p.list(), {.lr = 0.01, .alpha = 0.9, .eps = 1e-6, .centered = true});
  optim_problems::check_against_reference(p, opt, RmspropReference{.lr = 0.01, .alpha = 0.9, .eps = 1e-6, .centered = true}, 4);
}

BOOST_AUTO_TEST_CASE(centered_rmsprop_with_momentum_and_weight_decay_matches_reference_update) {
  SeparableQuadratic p;
  optim::RMSprop opt(p.list(), {.lr = 0.02, .alpha = 0.8, .weight_decay = 0.1, .momentum = 0.5, .centered = true});
  optim_problems::check_against_reference(
      p, opt, RmspropReference{.lr = 0.02, .alpha = 0.8, .weight_decay = 0.1, .momentum = 0.5, .centered = true}, 4);
}

BOOST_AUTO_TEST_CASE(rmsprop_weight_decay_matches_reference_update_for_three_steps) {
  SeparableQuadratic p;
  optim::RMSprop opt(p.list(), {.lr = 0.01, .weight_decay = 0.25});
  optim_problems::check_against_reference(p, opt, RmspropReference{.lr = 0.01, .weight_decay = 0.25});
}

BOOST_AUTO_TEST_CASE(rmsprop_variants_reach_the_quadratic_minimum) {
  for (optim::RMSpropOptions o : {optim::RMSpropOptions{.lr = 0.01}, optim::RMSpropOptions{.lr = 0.01, .momentum = 0.5},
                                  optim::RMSpropOptions{.lr = 0.01, .centered = true}}) {
    SeparableQuadratic p;
    optim::RMSprop opt(p.list(), o);
    BOOST_TEST(optim_problems::reaches_minimum(p, opt, 20000, 1e-6));
  }
}

BOOST_AUTO_TEST_CASE(bad_options_throw_naming_the_field_and_value) {
  SeparableQuadratic p;
  auto throws = [&](optim::RMSpropOptions o, const std::string& text) {
    BOOST_CHECK_EXCEPTION(optim::RMSprop(p.list(), o), std::invalid_argument,
                          [&](const std::exception& e) { return message_has(e, text); });
  };
  throws({.alpha = 1.0}, "RMSprop: alpha must be in [0, 1), got 1");
  throws({.eps = -1.0}, "RMSprop: eps must be positive and finite, got -1");
  throws({.weight_decay = -2.0}, "RMSprop: weight_decay must be non-negative and finite, got -2");
  throws({.momentum = -0.9}, "RMSprop: momentum must be non-negative and finite, got -0.9");
  throws({.lr = -0.5}, "RMSprop: lr must be non-negative and finite, got -0.5");
}

// f32::RMSprop: the same rule on a float parameter (centered, with momentum and weight
// decay, so every buffer is used), to float's precision.
BOOST_AUTO_TEST_CASE(rmsprop_on_a_float_parameter_matches_rmsprop_in_double_to_float_precision) {
  const Eigen::ArrayXXd start = Eigen::ArrayXXd::Random(3, 2);
  autodiff::Parameter wd(start);
  autodiff::f32::Parameter wf(start.cast<float>());
  const optim::RMSpropOptions options{.lr = 0.01, .weight_decay = 0.1, .momentum = 0.9, .centered = true};
  optim::RMSprop rms_d({&wd}, options);
  optim::f32::RMSprop rms_f({&wf}, options);
  optim_problems::step_side_by_side(wd, rms_d, wf, rms_f);
  BOOST_TEST((wf.value().cast<double>() - wd.value()).abs().maxCoeff() < 1e-5);
  BOOST_TEST((wd.value() - start).abs().minCoeff() > 0.01);  // it moved
  BOOST_TEST(rms_f.state().buffers.size() == rms_d.state().buffers.size());
}
