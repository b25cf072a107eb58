// SPDX-License-Identifier: MIT
// Adagrad against torch.optim.Adagrad's documented update, written out per element:
// plain, lr_decay, initial_accumulator_value, weight decay; its option checks.
#define BOOST_TEST_MODULE adagrad
#include <boost/test/unit_test.hpp>

#include "optim_problems.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

using optim_problems::SeparableQuadratic;

namespace {

// g ← g + λθ;  γ̃ = γ / (1 + (t − 1) η);  s ← s + g²;  θ ← θ − γ̃ g / (√s + ε)
struct AdagradReference {
  double lr, lr_decay = 0.0, weight_decay = 0.0, s = 0.0, eps = 1e-10;
  double step(double theta, double g, int t) {
    g = g + weight_decay * theta;
    const double step_lr = lr / (1.0 + (t - 1) * lr_decay);
    s = s + g * g;
    return theta - step_lr * g / (std::sqrt(s) + eps);
  }
};

bool message_has(const std::exception& e, const std::string& text) {
  return std::string(e.what()).find(text) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(adagrad_matches_reference_update_for_three_steps) {
  SeparableQuadratic p;
  optim::Adagrad opt(p.list(), {.lr = 0.1});
  optim_problems::check_against_reference(p, opt, AdagradReference{.lr = 0.1});
}

BOOST_AUTO_TEST_CASE(adagrad_lr_decay_matches_reference_update_for_four_steps) {
  SeparableQuadratic p;
  optim::Adagrad opt(p.list(), {.lr = 0.1, .lr_decay = 0.5});
  optim_problems::check_against_reference(p, opt, AdagradReference{.lr = 0.1, .lr_decay = 0.5}, 4);
}

BOOST_AUTO_TEST_CASE(adagrad_initial_accumulator_and_eps_match_reference_update) {
  SeparableQuadratic p;
  optim::Adagrad opt(p.list(), {.lr = 0.1, .initial_accumulator_value = 0.7, .eps = 1e-3});
  optim_problems::check_against_reference(p, opt, AdagradReference{.lr = 0.1, .s = 0.7, .eps = 1e-3});
}

BOOST_AUTO_TEST_CASE(adagrad_weight_decay_matches_reference_update_for_three_steps) {
  SeparableQuadratic p;
  optim::Adagrad opt(p.list(), {.lr = 0.1, .weight_decay = 0.3});
  optim_problems::check_against_reference(p, opt, AdagradReference{.lr = 0.1, .weight_decay = 0.3});
}

BOOST_AUTO_TEST_CASE(adagrad_reaches_the_quadratic_minimum) {
  SeparableQuadratic p;
  optim::Adagrad opt(p.list(), {.lr = 0.5});
  BOOST_TEST(optim_problems::reaches_minimum(p, opt, 20000));
}

BOOST_AUTO_TEST_CASE(bad_options_throw_naming_the_field_and_value) {
  SeparableQuadratic p;
  auto throws = [&](optim::AdagradOptions o, const std::string& text) {
    BOOST_CHECK_EXCEPTION(optim::Adagrad(p.list(), o), std::invalid_argument,
                          [&](const std::exception& e) { return message_has(e, text); });
  };
  throws({.lr_decay = -0.1}, "Adagrad: lr_decay must be non-negative and finite, got -0.1");
  throws({.weight_decay = -0.1}, "Adagrad: weight_decay must be non-negative and finite, got -0.1");
  throws({.initial_accumulator_value = -1.0}, "Adagrad: initial_accumulator_value must be non-negative and finite, got -1");
  throws({.eps = 0.0}, "Adagrad: eps must be positive and finite, got 0");
  throws({.lr = INFINITY}, "Adagrad: lr must be non-negative and finite, got inf");
}

// f32::Adagrad: the same rule on a float parameter (with lr decay, weight decay and a
// starting accumulator), to float's precision.
BOOST_AUTO_TEST_CASE(adagrad_on_a_float_parameter_matches_adagrad_in_double_to_float_precision) {
  const Eigen::ArrayXXd start = Eigen::ArrayXXd::Random(3, 2);
  autodiff::Parameter wd(start);
  autodiff::f32::Parameter wf(start.cast<float>());
  const optim::AdagradOptions options{
      .lr = 0.1, .lr_decay = 0.05, .weight_decay = 0.1, .initial_accumulator_value = 0.5};
  optim::Adagrad ada_d({&wd}, options);
  optim::f32::Adagrad ada_f({&wf}, options);
  optim_problems::step_side_by_side(wd, ada_d, wf, ada_f);
  BOOST_TEST((wf.value().cast<double>() - wd.value()).abs().maxCoeff() < 1e-5);
  BOOST_TEST((wd.value() - start).abs().minCoeff() > 0.01);  // it moved
  BOOST_TEST(ada_f.state().buffers[0][0].rows() == 3);
}
