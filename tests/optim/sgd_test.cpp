// SPDX-License-Identifier: MIT
// SGD against torch.optim.SGD's documented update, written out per element:
// plain step, momentum, dampening, Nesterov and weight decay; its option checks.
#define BOOST_TEST_MODULE sgd
#include <boost/test/unit_test.hpp>

#include "optim_problems.hpp"

#include <stdexcept>
#include <string>

using optim_problems::SeparableQuadratic;

namespace {

// g ← g + λθ;  b ← g (t = 1) or μ b + (1 − τ) g;  d = nesterov ? g + μ b : b;  θ ← θ − γ d
struct SgdReference {
  double lr, momentum = 0.0, dampening = 0.0, weight_decay = 0.0;
  bool nesterov = false;
  double b = 0.0;
  double step(double theta, double g, int t) {
    g = g + weight_decay * theta;
    if (momentum != 0.0) {
      b = (t == 1) ? g : momentum * b + (1.0 - dampening) * g;
      g = nesterov ? g + momentum * b : b;
    }
    return theta - lr * g;
  }
};

bool message_has(const std::exception& e, const std::string& text) {
  return std::string(e.what()).find(text) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(plain_step_matches_reference_update_for_three_steps) {
  SeparableQuadratic p;
  optim::SGD opt(p.list(), {.lr = 0.1});
  optim_problems::check_against_reference(p, opt, SgdReference{.lr = 0.1});
}

BOOST_AUTO_TEST_CASE(momentum_matches_reference_update_for_four_steps) {
  SeparableQuadratic p;
  optim::SGD opt(p.list(), {.lr = 0.05, .momentum = 0.9});
  optim_problems::check_against_reference(p, opt, SgdReference{.lr = 0.05, .momentum = 0.9}, 4);
}

BOOST_AUTO_TEST_CASE(momentum_with_dampening_matches_reference_update_for_four_steps) {
  SeparableQuadratic p;
  optim::SGD opt(p.list(), {.lr = 0.05, .momentum = 0.8, .dampening = 0.3});
  optim_problems::check_against_reference(p, opt, SgdReference{.lr = 0.05, .momentum = 0.8, .dampening = 0.3}, 4);
}

BOOST_AUTO_TEST_CASE(nesterov_matches_reference_update_for_four_steps) {
  SeparableQuadratic p;
  optim::SGD opt(p.list(), {.lr = 0.05, .momentum = 0.7, .nesterov = true});
  optim_problems::check_against_reference(p, opt, SgdReference{.lr = 0.05, .momentum = 0.7, .nesterov = true}, 4);
}

BOOST_AUTO_TEST_CASE(weight_decay_matches_reference_update_with_and_without_momentum) {
  {
    SeparableQuadratic p;
    optim::SGD opt(p.list(), {.lr = 0.1, .weight_decay = 0.2});
    optim_problems::check_against_reference(p, opt, SgdReference{.lr = 0.1, .weight_decay = 0.2});
  }
  {
    SeparableQuadratic p;
    optim::SGD opt(p.list(), {.lr = 0.05, .momentum = 0.9, .weight_decay = 0.2});
    optim_problems::check_against_reference(p, opt, SgdReference{.lr = 0.05, .momentum = 0.9, .weight_decay = 0.2});
  }
}

BOOST_AUTO_TEST_CASE(lr_changed_between_steps_is_used_by_the_next_step) {
  SeparableQuadratic p;
  optim::SGD opt(p.list(), {.lr = 0.1});
  const double theta = p.params[0].value()(0);
  opt.set_lr(0.25);
  opt.zero_grad();
  p.add_gradient();
  opt.step();
  BOOST_TEST(opt.lr() == 0.25);
  BOOST_TEST(p.params[0].value()(0) == theta - 0.25 * SeparableQuadratic::gradient(1.5, -0.4, theta),
             boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(plain_momentum_and_nesterov_reach_the_quadratic_minimum) {
  for (optim::SGDOptions o : {optim::SGDOptions{.lr = 0.1}, optim::SGDOptions{.lr = 0.05, .momentum = 0.9},
                              optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true}}) {
    SeparableQuadratic p;
    optim::SGD opt(p.list(), o);
    BOOST_TEST(optim_problems::reaches_minimum(p, opt, 5000));
  }
}

BOOST_AUTO_TEST_CASE(bad_options_throw_naming_the_field_and_value) {
  SeparableQuadratic p;
  auto throws = [&](optim::SGDOptions o, const std::string& text) {
    BOOST_CHECK_EXCEPTION(optim::SGD(p.list(), o), std::invalid_argument,
                          [&](const std::exception& e) { return message_has(e, text); });
  };
  throws({.lr = -1.0}, "SGD: lr must be non-negative and finite, got -1");
  throws({.lr = std::nan("")}, "SGD: lr must be non-negative and finite, got nan");
  throws({.lr = 0.1, .momentum = -0.5}, "SGD: momentum must be non-negative and finite, got -0.5");
  throws({.lr = 0.1, .weight_decay = -1e-3}, "SGD: weight_decay must be non-negative and finite, got -0.001");
  throws({.lr = 0.1, .nesterov = true}, "SGD: nesterov requires a momentum > 0 and zero dampening");
  throws({.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}, "got momentum 0.9 and dampening 0.1");
}

BOOST_AUTO_TEST_CASE(set_lr_rejects_a_negative_or_infinite_rate) {
  SeparableQuadratic p;
  optim::SGD opt(p.list(), {.lr = 0.1});
  BOOST_CHECK_EXCEPTION(opt.set_lr(-0.5), std::invalid_argument, [](const std::exception& e) {
    return message_has(e, "SGD: lr must be non-negative and finite, got -0.5");
  });
  BOOST_CHECK_EXCEPTION(opt.set_lr(INFINITY), std::invalid_argument,
                        [](const std::exception& e) { return message_has(e, "got inf"); });
  BOOST_TEST(opt.lr() == 0.1);
}

BOOST_AUTO_TEST_CASE(a_zero_learning_rate_is_accepted_and_leaves_the_values_unchanged) {
  // As torch.optim: lr = 0 is valid in the options and in set_lr; the step changes nothing.
  SeparableQuadratic p;
  optim::SGD opt(p.list(), {.lr = 0.0, .momentum = 0.9});
  const autodiff::Array before = p.params[2].value();
  for (int t = 0; t < 2; ++t) {
    opt.zero_grad();
    p.add_gradient();
    opt.step();
  }
  BOOST_TEST((p.params[2].value() == before).all());
  opt.set_lr(0.0);
  BOOST_TEST(opt.lr() == 0.0);
}

// f32::SGD: the same rule on a float parameter, to float's precision.
BOOST_AUTO_TEST_CASE(sgd_with_nesterov_on_a_float_parameter_matches_double_to_float_precision) {
  const Eigen::ArrayXXd start = Eigen::ArrayXXd::Random(2, 3);
  autodiff::Parameter wd(start);
  autodiff::f32::Parameter wf(start.cast<float>());
  optim::SGD sgd_d({&wd}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
  optim::f32::SGD sgd_f({&wf}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
  for (int step = 0; step < 5; ++step) {
    wd.grad() = 2.0 * (wd.value() - 0.5);
    wf.grad() = 2.0f * (wf.value() - 0.5f);
    sgd_d.step();
    sgd_f.step();
  }
  BOOST_TEST((wf.value().cast<double>() - wd.value()).abs().maxCoeff() < 1e-5);
}
