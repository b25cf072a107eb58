// SPDX-License-Identifier: MIT
// What every optimizer shares: the checks on its parameter list and the shape
// checks of step(), which leave the parameters untouched when they fail.
#define BOOST_TEST_MODULE optimizer
#include <boost/test/unit_test.hpp>

#include "optim_problems.hpp"

#include <stdexcept>
#include <string>

using optim_problems::SeparableQuadratic;

namespace {

auto has(const std::string& text) {
  return [text](const std::exception& e) { return std::string(e.what()).find(text) != std::string::npos; };
}

}  // namespace

BOOST_AUTO_TEST_CASE(empty_parameter_list_throws) {
  BOOST_CHECK_EXCEPTION(optim::Adam({}), std::invalid_argument, has("Adam: the parameter list is empty"));
  BOOST_CHECK_EXCEPTION(optim::SGD({}, {.lr = 0.1}), std::invalid_argument, has("SGD: the parameter list is empty"));
}

BOOST_AUTO_TEST_CASE(null_parameter_pointer_throws_naming_its_index) {
  autodiff::Parameter x(1.0);
  BOOST_CHECK_EXCEPTION(optim::RMSprop({&x, nullptr}), std::invalid_argument,
                        has("RMSprop: parameter 1 is a null pointer"));
}

BOOST_AUTO_TEST_CASE(a_parameter_listed_twice_throws) {
  autodiff::Parameter x(1.0), y(2.0);
  BOOST_CHECK_EXCEPTION(optim::Adagrad({&x, &y, &x}), std::invalid_argument,
                        has("Adagrad: parameter 2 is the same Parameter as parameter 0"));
}

BOOST_AUTO_TEST_CASE(step_with_a_gradient_of_another_shape_throws_and_changes_nothing) {
  SeparableQuadratic p;
  optim::Adam opt(p.list());
  const autodiff::Array before0 = p.params[0].value();
  p.add_gradient();
  p.params[2].grad() = autodiff::Array::Ones(3, 2);
  BOOST_CHECK_EXCEPTION(opt.step(), autodiff::ShapeError,
                        has("Adam::step: the gradient of parameter 2 ('W') is 3x2 but its value is 2x3"));
  BOOST_TEST((p.params[0].value() == before0).all());
  BOOST_TEST(opt.steps() == 0u);
}

BOOST_AUTO_TEST_CASE(step_after_a_parameter_changed_shape_throws) {
  autodiff::Parameter w(autodiff::Array::Zero(2, 2));
  optim::SGD opt({&w}, {.lr = 0.1});
  w.value() = autodiff::Array::Zero(3, 2);
  w.grad() = autodiff::Array::Zero(3, 2);
  BOOST_CHECK_EXCEPTION(opt.step(), autodiff::ShapeError, has("SGD::step: parameter 0 changed shape from 2x2 to 3x2"));
}

BOOST_AUTO_TEST_CASE(zero_grad_clears_every_gradient_and_step_counts) {
  SeparableQuadratic p;
  optim::SGD opt(p.list(), {.lr = 0.1});
  p.add_gradient();
  opt.step();
  opt.zero_grad();
  for (const auto& param : p.params) BOOST_TEST((param.grad() == 0.0).all());
  BOOST_TEST(opt.steps() == 1u);
}

BOOST_AUTO_TEST_CASE(the_same_rule_runs_through_the_base_interface) {
  // The loop only sees Optimizer&: a step through it equals a step through the class.
  SeparableQuadratic p, q;
  optim::Adam direct(p.list(), {.lr = 0.1});
  optim::Adam behind(q.list(), {.lr = 0.1});
  optim::Optimizer& base = behind;
  p.add_gradient();
  q.add_gradient();
  direct.step();
  base.step();
  for (std::size_t k = 0; k < p.params.size(); ++k) BOOST_TEST((p.params[k].value() == q.params[k].value()).all());
  BOOST_TEST(base.name() == "Adam");
}
