// SPDX-License-Identifier: MIT
// Tests of models::Module and the one parameter list: a model's parameters()
// goes to save/load, optimizers, minimize, gradcheck and clip_grad_norm alike,
// and a user's own model gets the same by registering its parameters once.
#define BOOST_TEST_MODULE module
#include <boost/test/unit_test.hpp>

#include "model_helpers.hpp"
#include "models/mlp.hpp"
#include "models/model_file.hpp"
#include "models/module.hpp"
#include "optim/optim.hpp"
#include "throws_with.hpp"

#include <stdexcept>

using autodiff::Array;
using autodiff::Parameter;
using autodiff::Var;
using test_models::RemoveOnExit;

namespace {

// A user's model as the README shows one: y = a + b x, parameters declared once.
class Line : public models::Module {
 public:
  Line(double a, double b) : a_(a, "a"), b_(b, "b") { register_parameters({&a_, &b_}); }
  Var predict(Var x) const { return a_ + b_ * x; }
  Var loss(Var x, Var y) const { return autodiff::sum(autodiff::square(y - predict(x))); }
  double a() const { return a_.value()(0); }
  double b() const { return b_.value()(0); }

 private:
  Parameter a_;
  Parameter b_;
};

// A module that registers whatever it is given, to test the checks.
class Registers : public models::Module {
 public:
  explicit Registers(const autodiff::ParameterList& params) { register_parameters(params); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(save_parameters_accepts_a_models_parameter_list) {
  models::Mlp saved({3, 4, 2}, models::Activation::tanh, 1), loaded({3, 4, 2}, models::Activation::tanh, 2);
  RemoveOnExit file{test_models::temp_path("module_list.bin")};
  models::save_parameters(file.path, saved.parameters());
  models::load_parameters(file.path, loaded.parameters());
  for (std::size_t q = 0; q < saved.parameters().size(); ++q) {
    BOOST_TEST((saved.parameters()[q]->value() == loaded.parameters()[q]->value()).all(), "parameter " << q);
  }
}

BOOST_AUTO_TEST_CASE(a_user_defined_module_fits_checks_clips_saves_and_loads) {
  const Eigen::ArrayXd xs = Eigen::ArrayXd::LinSpaced(10, 0.0, 1.0);
  const autodiff::Constant x(xs), y(3.0 - 2.0 * xs);
  Line line(0.5, 0.5);

  const auto check = autodiff::gradcheck([&] { return line.loss(x, y); }, line.parameters());
  BOOST_TEST(check.passed, check.summary());
  autodiff::tape().clear();

  line.zero_grad();
  line.loss(x, y).backward();
  BOOST_TEST(optim::clip_grad_norm(line.parameters(), 1e9) > 0.0);
  autodiff::tape().clear();

  optim::SGD sgd(line.parameters(), {.lr = 0.02, .momentum = 0.9});
  const auto loss = optim::Loss::recorded([&](const optim::Batch&) { return line.loss(x, y); });
  optim::minimize(loss, line.parameters(), sgd, optim::Batching::full(xs.size()), {.tolerance = 1e-14});
  BOOST_TEST(line.a() == 3.0, boost::test_tools::tolerance(1e-5));
  BOOST_TEST(line.b() == -2.0, boost::test_tools::tolerance(1e-5));

  RemoveOnExit file{test_models::temp_path("line.bin")};
  const Line& fitted = line;  // saving needs no mutable model
  fitted.save(file.path);
  Line loaded(0.0, 0.0);
  loaded.load(file.path);
  BOOST_TEST(loaded.a() == line.a());
  BOOST_TEST(loaded.b() == line.b());
}

BOOST_AUTO_TEST_CASE(named_parameters_pair_each_name_with_its_parameter_in_order) {
  models::Mlp model({2, 3, 2}, models::Activation::tanh, 0);
  const auto named = model.named_parameters();
  BOOST_TEST_REQUIRE(named.size() == 4u);
  BOOST_TEST(named[0].first == "layer1.weight");
  BOOST_TEST(named[3].first == "layer2.bias");
  for (std::size_t q = 0; q < named.size(); ++q) BOOST_TEST(named[q].second == model.parameters()[q]);
}

BOOST_AUTO_TEST_CASE(zero_grad_zeroes_every_registered_gradient) {
  Line line(1.0, 1.0);
  for (Parameter* p : line.parameters()) p->grad().setConstant(5.0);
  line.zero_grad();
  for (Parameter* p : line.parameters()) BOOST_TEST((p->grad() == 0.0).all());
}

BOOST_AUTO_TEST_CASE(register_parameters_rejects_an_unnamed_parameter) {
  Parameter named(1.0, "w"), unnamed(Array::Zero(2, 3));
  BOOST_TEST(support::throws_with<std::invalid_argument>([&] { Registers m(autodiff::ParameterList{&named, &unnamed}); },
                                                         {"register_parameters", "parameter 1", "2x3", "no name"}));
}

BOOST_AUTO_TEST_CASE(register_parameters_rejects_a_name_taken_twice) {
  Parameter w1(1.0, "w"), w2(2.0, "w");
  BOOST_TEST(support::throws_with<std::invalid_argument>([&] { Registers m(autodiff::ParameterList{&w1, &w2}); },
                                                         {"parameter 1 ('w')", "has the name of parameter 0"}));
  BOOST_TEST(support::throws_with<std::invalid_argument>([&] { Registers m(autodiff::ParameterList{&w1, &w1}); },
                                                         {"parameter 1 ('w')", "already registered"}));
}

BOOST_AUTO_TEST_CASE(register_parameters_rejects_a_null_pointer) {
  BOOST_TEST(support::throws_with<std::invalid_argument>([&] { Registers m(autodiff::ParameterList{nullptr}); },
                                                         {"register_parameters", "parameter 0 is null"}));
}
