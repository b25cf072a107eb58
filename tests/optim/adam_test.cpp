// SPDX-License-Identifier: MIT
// Adam and AdamW against torch.optim's documented updates, written out per element:
// defaults, AMSGrad, L2 weight decay, decoupled weight decay; their option checks.
#define BOOST_TEST_MODULE adam
#include <boost/test/unit_test.hpp>

#include "optim_problems.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

using optim_problems::SeparableQuadratic;

namespace {

// Adam:  g ← g + λθ;  AdamW:  θ ← θ − γλθ
// m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  v_max ← max(v_max, v)
// θ ← θ − γ (m / (1 − β1^t)) / (√(v or v_max / (1 − β2^t)) + ε)
struct AdamReference {
  double lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  bool amsgrad = false, decoupled = false;
  double m = 0.0, v = 0.0, v_max = 0.0;
  double step(double theta, double g, int t) {
    if (decoupled) {
      theta = theta - lr * weight_decay * theta;
    } else {
      g = g + weight_decay * theta;
    }
    m = beta1 * m + (1.0 - beta1) * g;
    v = beta2 * v + (1.0 - beta2) * g * g;
    v_max = std::max(v_max, v);
    const double m_hat = m / (1.0 - std::pow(beta1, t));
    const double v_hat = (amsgrad ? v_max : v) / (1.0 - std::pow(beta2, t));
    return theta - lr * m_hat / (std::sqrt(v_hat) + eps);
  }
};

bool message_has(const std::exception& e, const std::string& text) {
  return std::string(e.what()).find(text) != std::string::npos;
}

bool any_differs(const std::vector<autodiff::Array>& x, const std::vector<autodiff::Array>& y) {
  for (std::size_t k = 0; k < x.size(); ++k) {
    if ((x[k] - y[k]).abs().maxCoeff() > 1e-6) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(adam_matches_reference_update_for_three_steps) {
  SeparableQuadratic p;
  optim::Adam opt(p.list(), {.lr = 0.1});
  optim_problems::check_against_reference(p, opt, AdamReference{.lr = 0.1});
}

BOOST_AUTO_TEST_CASE(adam_with_other_betas_and_eps_matches_reference_update_for_four_steps) {
  SeparableQuadratic p;
  optim::Adam opt(p.list(), {.lr = 0.05, .betas = {0.8, 0.9}, .eps = 1e-3});
  optim_problems::check_against_reference(p, opt, AdamReference{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.9, .eps = 1e-3}, 4);
}

BOOST_AUTO_TEST_CASE(amsgrad_matches_reference_update_and_differs_from_adam) {
  // A small β2 and a large step make v fall, so the maximum matters.
  const AdamReference ams{.lr = 0.5, .beta1 = 0.5, .beta2 = 0.3, .amsgrad = true};
  SeparableQuadratic p;
  optim::Adam opt(p.list(), {.lr = 0.5, .betas = {0.5, 0.3}, .amsgrad = true});
  const auto with_max = optim_problems::check_against_reference(p, opt, ams, 4);

  SeparableQuadratic q;
  optim::Adam plain(q.list(), {.lr = 0.5, .betas = {0.5, 0.3}});
  AdamReference no_max = ams;
  no_max.amsgrad = false;
  const auto without_max = optim_problems::check_against_reference(q, plain, no_max, 4);
  BOOST_TEST(any_differs(with_max, without_max));
}

BOOST_AUTO_TEST_CASE(adam_weight_decay_matches_reference_update_for_three_steps) {
  SeparableQuadratic p;
  optim::Adam opt(p.list(), {.lr = 0.1, .weight_decay = 0.3});
  optim_problems::check_against_reference(p, opt, AdamReference{.lr = 0.1, .weight_decay = 0.3});
}

BOOST_AUTO_TEST_CASE(adamw_matches_reference_update_with_default_decay_for_three_steps) {
  SeparableQuadratic p;
  optim::AdamW opt(p.list(), {.lr = 0.1});
  BOOST_TEST(opt.options().weight_decay == 1e-2);
  optim_problems::check_against_reference(p, opt, AdamReference{.lr = 0.1, .weight_decay = 1e-2, .decoupled = true});
}

BOOST_AUTO_TEST_CASE(adamw_with_amsgrad_and_strong_decay_matches_reference_update) {
  SeparableQuadratic p;
  optim::AdamW opt(p.list(), {.lr = 0.5, .betas = {0.5, 0.3}, .weight_decay = 0.4, .amsgrad = true});
  optim_problems::check_against_reference(
      p, opt, AdamReference{.lr = 0.5, .beta1 = 0.5, .beta2 = 0.3, .weight_decay = 0.4, .amsgrad = true, .decoupled = true}, 4);
}

BOOST_AUTO_TEST_CASE(adam_and_amsgrad_reach_the_quadratic_minimum) {
  for (bool amsgrad : {false, true}) {
    SeparableQuadratic p;
    optim::Adam opt(p.list(), {.lr = 0.01, .amsgrad = amsgrad});
    BOOST_TEST(optim_problems::reaches_minimum(p, opt, 20000, 1e-6));
  }
}

BOOST_AUTO_TEST_CASE(adamw_reaches_the_minimum_of_the_decayed_quadratic) {
  // AdamW's fixed point solves 2c(θ − a) / (√v̂ + ε) = −λθ, not the plain minimum; with a tiny
  // decay it lies within ~λ·|θ| of a.
  SeparableQuadratic p;
  optim::AdamW opt(p.list(), {.lr = 0.01, .weight_decay = 1e-6});
  BOOST_TEST(optim_problems::reaches_minimum(p, opt, 20000, 1e-4));
}

BOOST_AUTO_TEST_CASE(bad_options_throw_naming_the_optimizer_field_and_value) {
  SeparableQuadratic p;
  auto adam_throws = [&](optim::AdamOptions o, const std::string& text) {
    BOOST_CHECK_EXCEPTION(optim::Adam(p.list(), o), std::invalid_argument,
                          [&](const std::exception& e) { return message_has(e, text); });
  };
  adam_throws({.betas = {0.9, 1.5}}, "Adam: beta2 must be in [0, 1), got 1.5");
  adam_throws({.betas = {-0.1, 0.999}}, "Adam: beta1 must be in [0, 1), got -0.1");
  adam_throws({.betas = {1.0, 0.999}}, "Adam: beta1 must be in [0, 1), got 1");
  adam_throws({.eps = 0.0}, "Adam: eps must be positive and finite, got 0");
  adam_throws({.weight_decay = -0.1}, "Adam: weight_decay must be non-negative and finite, got -0.1");
  adam_throws({.lr = -1e-3}, "Adam: lr must be non-negative and finite, got -0.001");
  BOOST_CHECK_EXCEPTION(optim::AdamW(p.list(), {.eps = -1e-8}), std::invalid_argument,
                        [](const std::exception& e) { return message_has(e, "AdamW: eps must be positive"); });
}

// A float parameter (f32::Adam) follows the double Adam to float's precision: the
// same rule, with its buffers in float.
BOOST_AUTO_TEST_CASE(adam_on_a_float_parameter_matches_adam_in_double_to_float_precision) {
  const Eigen::ArrayXXd start = Eigen::ArrayXXd::Random(3, 2);
  autodiff::Parameter wd(start);
  autodiff::f32::Parameter wf(start.cast<float>());
  optim::Adam adam_d({&wd}, {.lr = 0.05, .amsgrad = true});
  optim::f32::Adam adam_f({&wf}, {.lr = 0.05, .amsgrad = true});
  optim_problems::step_side_by_side(wd, adam_d, wf, adam_f);
  BOOST_TEST((wf.value().cast<double>() - wd.value()).abs().maxCoeff() < 1e-5);
  BOOST_TEST((wd.value() - start).abs().minCoeff() > 0.01);  // it moved
  BOOST_TEST(adam_f.state().buffers[0][0].rows() == 3);   // float buffers, as many as in double
}
