// SPDX-License-Identifier: MIT
// float as a scalar type of its own: a model over f32::Var records on the float
// tape, runs the same rules in float, and its gradients agree with the same model
// in double to float's precision. Vars of the two types never mix.
#define BOOST_TEST_MODULE float
#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <type_traits>
#include <vector>

using namespace autodiff;

// Float and double never meet in one op: no conversion between the Var types, and
// the element-wise operators refuse the mix with a message that names the op.
static_assert(!std::is_convertible_v<f32::Var, Var> && !std::is_convertible_v<Var, f32::Var>);
static_assert(!std::is_convertible_v<f32::Parameter&, Var> && !std::is_convertible_v<Parameter&, f32::Var>);
static_assert(!BinaryOperands<f32::Var, Var> && !BinaryOperands<Parameter, f32::Parameter>);
static_assert(MixedOperands<f32::Var, Var> && MixedOperands<Constant, f32::Var>);
static_assert(BinaryOperands<f32::Var, f32::Parameter> && BinaryOperands<f32::Var, Eigen::ArrayXXf>);
static_assert(std::is_same_v<scalar_of_t<f32::Parameter>, float> && std::is_same_v<scalar_of_t<Var>, double>);
// A double never picks the float overload of an op (a float literal does).
static_assert(!std::is_convertible_v<double, f32::Var> && std::is_convertible_v<float, f32::Var>);

namespace {

// The largest difference between a and b, relative to the largest element of b.
double relative_difference(const Eigen::ArrayXXd& a, const Eigen::ArrayXXd& b) {
  return (a - b).abs().maxCoeff() / std::max(b.abs().maxCoeff(), 1e-30);
}

// A two-layer network's loss, written once for either scalar type: matmul, a
// broadcast bias, tanh and relu, log_softmax with nll_loss, cross_entropy, and sums.
template <class S>
BasicVar<S> mlp_loss(const BasicArray<S>& x, std::vector<BasicParameter<S>>& p,
                     const std::vector<std::int64_t>& labels) {
  const BasicVar<S> h = tanh(matmul(x, p[0]) + p[1]);
  const BasicVar<S> logits = matmul(h, p[2]) + p[3];
  const BasicVar<S> r = relu(logits);
  return nll_loss(log_softmax(logits), labels) + cross_entropy(logits, labels) + S(0.1) * mean(r) +
         S(0.01) * sum(square(h));
}

struct Model {
  Eigen::ArrayXXd x = Eigen::ArrayXXd::Random(8, 5);
  std::vector<Eigen::ArrayXXd> init = {Eigen::ArrayXXd::Random(5, 6), Eigen::ArrayXXd::Random(1, 6),
                                       Eigen::ArrayXXd::Random(6, 3), Eigen::ArrayXXd::Random(1, 3)};
  std::vector<std::int64_t> labels = {0, 1, 2, 1, 0, 2, 2, 1};
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_float_mlp_has_the_gradients_of_the_same_model_in_double_to_float_precision) {
  const Model m;
  std::vector<Parameter> pd;
  std::vector<f32::Parameter> pf;
  for (const auto& a : m.init) {
    pd.emplace_back(a);
    pf.emplace_back(a.cast<float>());
  }
  tape().clear();
  f32::tape().clear();
  const Var ld = mlp_loss<double>(m.x, pd, m.labels);
  const f32::Var lf = mlp_loss<float>(m.x.cast<float>(), pf, m.labels);
  backward(ld);
  backward(lf);
  BOOST_TEST(std::abs(double(lf.item()) - ld.item()) <= 1e-5 * std::abs(ld.item()));
  for (std::size_t k = 0; k < pd.size(); ++k) {
    BOOST_TEST(relative_difference(pf[k].grad().cast<double>(), pd[k].grad()) < 1e-4, "parameter " << k);
    BOOST_TEST(pf[k].grad().abs().maxCoeff() > 0.0f);
  }
}

namespace {

// One loss through every family of ops, written once for either scalar type: each
// op's float instantiation must give the gradient its double one gives.
template <class S>
BasicVar<S> every_family(const std::vector<BasicParameter<S>>& p) {
  using V = BasicVar<S>;
  const V a = p[0], b = p[1], img = p[2], w = p[3], bias = p[4];  // 4x3, 4x3, 2x16, 2x9, 1x2
  // Element-wise rules, with numbers and broadcasting.
  V e = sum(pow(abs(a) + 0.5, 1.5) + sqrt(square(b) + 1.0) + exp(a * 0.3) + log1p(abs(b)) + expm1(a * 0.1));
  e = e + sum(sin(a) * cos(b) + tanh(a) + sigmoid(b) + softplus(a) + log_sigmoid(b) + gelu(a) + silu(b));
  e = e + sum(relu(a) + leaky_relu(b) + elu(a) + clamp(b, -0.5, 0.5) + maximum(a, b) + minimum(a, b) / 2.0);
  e = e + sum(where(a.value() > S(0), a, b)) + sum(log(abs(a) + 1.0) - b);
  // Reductions, linear algebra, rows, shapes and indexing.
  e = e + mean(max_rowwise(a)) + sum(min_colwise(b)) + max(a) + min(b) + norm(a) + sum(mean_rowwise(b));
  e = e + sum(matmul(a, transpose(b))) * 0.1 + dot(a, b) + sum(logsumexp(a)) + sum(square(softmax(b)));
  e = e + sum(hstack({a, b})) + sum(vstack({a, b}) * 0.5) + sum(square(reshape(a, 3, 4))) + sum(tile(b, 2, 1));
  e = e + element(a, 1, 2) + sum(block(b, 1, 0, 2, 2)) + sum(rows(a, 2, 2)) + reshape(a, 12, 1)(3) * b(0, 1);
  Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> index(3, 2);
  index << 0, 3, 1, 2, 3, 0;
  const V gamma = b(0, 0) + V(BasicArray<S>::Ones(1, 3)), beta(BasicArray<S>::Zero(1, 3));
  e = e + sum(square(gather_rows(a, index))) + sum(square(layer_norm(a, gamma, beta)));
  // Losses and classification.
  const std::vector<std::int64_t> labels = {0, 2, 1, 2};
  e = e + cross_entropy(a, labels) + nll_loss(log_softmax(b), labels) + mse_loss(a, b) + l1_loss(a, b) +
      huber_loss(a, b, 0.3) + binary_cross_entropy_with_logits(a, sigmoid(b));
  // Convolution and pooling: two 4x4 images of one channel, 2 filters of 3x3.
  const V conv = conv2d(img, w, bias,
                        {.channels = 1, .height = 4, .width = 4, .kernel_height = 3, .kernel_width = 3, .padding = 1});
  e = e + sum(square(max_pool2d(conv, {.channels = 2, .height = 4, .width = 4, .kernel = 2}))) * 0.1 +
      sum(avg_pool2d(conv, {.channels = 2, .height = 4, .width = 4, .kernel = 2}));
  return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_family_of_ops_has_the_same_gradients_in_float_and_in_double) {
  const std::vector<Eigen::ArrayXXd> init = {Eigen::ArrayXXd::Random(4, 3), Eigen::ArrayXXd::Random(4, 3),
                                             Eigen::ArrayXXd::Random(2, 16), Eigen::ArrayXXd::Random(2, 9),
                                             Eigen::ArrayXXd::Random(1, 2)};
  std::vector<Parameter> pd;
  std::vector<f32::Parameter> pf;
  for (const auto& a : init) {
    pd.emplace_back(a);
    pf.emplace_back(a.cast<float>());
  }
  tape().clear();
  f32::tape().clear();
  const Var ld = every_family<double>(pd);
  const f32::Var lf = every_family<float>(pf);
  backward(ld);
  backward(lf);
  BOOST_TEST(std::abs(double(lf.item()) - ld.item()) <= 1e-5 * std::abs(ld.item()));
  for (std::size_t k = 0; k < pd.size(); ++k) {
    BOOST_TEST(relative_difference(pf[k].grad().cast<double>(), pd[k].grad()) < 1e-4, "parameter " << k);
  }
}

BOOST_AUTO_TEST_CASE(float_ops_record_on_the_float_tape_only) {
  tape().clear();
  f32::tape().clear();
  const std::size_t doubles = tape().size();
  f32::Parameter w(Eigen::ArrayXXf::Constant(2, 2, 0.5f));
  const f32::Var y = sum(exp(matmul(w.var(), w.var())));
  BOOST_TEST(tape().size() == doubles);
  BOOST_TEST(f32::tape().size() > 0u);
  backward(y);
  // d sum(exp(W W)) / dW = E W^T + W^T E with E = exp(W W): every entry of E is
  // exp(0.5), so every entry of the gradient is 2 exp(0.5) 0.5 + ... = 2 exp(0.5)
  const float e = std::exp(0.5f);
  BOOST_TEST((w.grad() - 2.0f * e).abs().maxCoeff() < 1e-5f);
}

BOOST_AUTO_TEST_CASE(a_float_scalar_chain_records_compact_entries_and_its_gradient) {
  f32::tape().clear();
  f32::Parameter x(1.5f);
  f32::Var y = x;
  for (int k = 0; k < 10; ++k) y = y * 0.9 + sin(y) * x;  // a double constant converts
  BOOST_TEST(f32::tape().scalar_size() >= 10u);  // the ScalarEntry fast path, in float
  backward(y);
  // The same chain in double, for the reference gradient.
  tape().clear();
  Parameter xd(1.5);
  Var yd = xd;
  for (int k = 0; k < 10; ++k) yd = yd * 0.9 + sin(yd) * xd;
  backward(yd);
  BOOST_TEST(std::abs(double(y.item()) - yd.item()) <= 1e-5 * std::abs(yd.item()));
  BOOST_TEST(std::abs(double(x.grad()(0)) - xd.grad()(0)) <= 1e-4 * std::abs(xd.grad()(0)));
}

BOOST_AUTO_TEST_CASE(a_float_expression_over_data_is_one_node_with_the_gradient_of_double) {
  const Eigen::ArrayXd xs = Eigen::ArrayXd::LinSpaced(50, 0.0, 2.0);
  const Eigen::ArrayXd ys = 3.0 * xs + 1.0;
  f32::tape().clear();
  f32::Parameter a(0.5f), b(0.25f);
  const f32::Constant x(xs.cast<float>()), y(ys.cast<float>());
  const f32::Var loss = mean(square(y - (a + b * x)));
  BOOST_TEST(f32::tape().size() == 5u);  // four leaves (data and parameters) and one node
  backward(loss);
  tape().clear();
  Parameter ad(0.5), bd(0.25);
  const Var lossd = mean(square(Constant(ys) - (ad + bd * Constant(xs))));
  backward(lossd);
  BOOST_TEST(std::abs(double(a.grad()(0)) - ad.grad()(0)) <= 1e-5 * std::abs(ad.grad()(0)));
  BOOST_TEST(std::abs(double(b.grad()(0)) - bd.grad()(0)) <= 1e-5 * std::abs(bd.grad()(0)));
}

BOOST_AUTO_TEST_CASE(no_grad_stops_the_gradient_on_the_float_tape_too) {
  f32::tape().clear();
  f32::Parameter w(2.0f);
  {
    NoGrad off;
    BOOST_TEST(!f32::Var(w * w).requires_grad());
  }
  BOOST_TEST(f32::Var(w * w).requires_grad());
}

BOOST_AUTO_TEST_CASE(detect_anomaly_names_the_float_op_that_made_a_nan) {
  f32::tape().clear();
  f32::Parameter w(-1.0f);
  DetectAnomaly on;
  const auto names_sqrt = [](const NonFiniteError& e) {
    return std::string(e.what()).find("sqrt") != std::string::npos;
  };
  BOOST_CHECK_EXCEPTION(f32::Var(sqrt(w)), NonFiniteError, names_sqrt);
}
