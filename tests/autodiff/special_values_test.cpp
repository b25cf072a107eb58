// SPDX-License-Identifier: MIT
// Special values, as Stan Math tests them: every op at 0, ±1, large magnitudes, ±inf and NaN.
// NaN in gives NaN out; the numerically delicate ops (softmax family, sigmoid, tanh,
// cross-entropy) stay finite, and keep finite gradients, wherever the math is finite.
#define BOOST_TEST_MODULE special_values
#include <boost/test/unit_test.hpp>

#include "op_table.hpp"

#include <cmath>
#include <limits>

namespace {

using namespace autodiff;
using support::op_table;
using support::OpInfo;
using support::Shape;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const std::vector<double> kSpecial = {0.0, -0.0, 1.0, -1.0, 1e3, -1e3, 1e150, -1e150, kInf, -kInf, kNaN, 0.5};

// Equal as IEEE results: both NaN, the same infinity, or finite and within 1e-12 relative.
bool same(double got, double want) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
  if (std::isinf(want) || std::isinf(got)) return got == want;
  return std::abs(got - want) <= 1e-12 * std::max(1.0, std::abs(want));
}

// The operands of a row with `value` at element 0 of operand `which` and safe values elsewhere.
std::vector<Array> operands_with(const OpInfo& op, const std::vector<Shape>& shapes, std::size_t which,
                                 double value, std::mt19937_64& rng) {
  std::vector<Array> a;
  for (std::size_t k = 0; k < shapes.size(); ++k) a.push_back(support::sample(op.domains[k], shapes[k], rng));
  a[which](0, 0) = value;
  return a;
}

// Values and gradient of f at x, for one-argument checks.
struct Point {
  double value, grad;
};
template <class F>
Point at(double x, F f) {
  tape().clear();
  Parameter p(x);
  const Var y = f(p.var());
  backward(y);
  const Point r{y.item(), p.grad()(0, 0)};
  tape().clear();
  return r;
}

bool all_finite(const Array& a) { return a.isFinite().all(); }

}  // namespace

BOOST_AUTO_TEST_CASE(elementwise_ops_match_their_references_at_special_values) {
  // Each value alone (the 1x1 scalar path) and all of them in a 3x4 matrix (the vectorized path).
  Array all(3, 4);
  for (std::size_t k = 0; k < kSpecial.size(); ++k) all(Index(k)) = kSpecial[k];
  std::size_t rows = 0;
  for (const OpInfo& op : op_table()) {
    if (!op.elementwise) continue;
    ++rows;
    std::vector<Array> inputs = {all};
    for (double x : kSpecial) inputs.push_back(Array::Constant(1, 1, x));
    for (const Array& in : inputs) {
      tape().clear();
      const Array want = op.reference({in});
      const Var y = op.apply({Var(in)});
      for (Index k = 0; k < in.size(); ++k) {
        BOOST_TEST(same(y.value()(k), want(k)),
                   op.name << " at " << in(k) << " (" << in.rows() << "x" << in.cols() << "): got "
                           << y.value()(k) << ", reference " << want(k));
      }
    }
  }
  BOOST_TEST(rows >= 20u);
  tape().clear();
}

BOOST_AUTO_TEST_CASE(nan_in_any_operand_gives_nan_out_and_backward_completes) {
  std::mt19937_64 rng(7);
  for (const OpInfo& op : op_table()) {
    for (const auto& shapes : op.samples) {
      for (std::size_t which = 0; which < shapes.size(); ++which) {
        BOOST_TEST_CONTEXT(op.name << ", NaN at element 0 of operand " << which << " of "
                                   << support::to_string(shapes[0])) {
          tape().clear();
          const std::vector<Array> in = operands_with(op, shapes, which, kNaN, rng);
          const Array want = op.reference(in);
          std::vector<Parameter> params;
          std::vector<Var> vars;
          for (const Array& a : in) params.emplace_back(a);
          for (const Parameter& p : params) vars.push_back(p.var());
          const Var y = op.apply(vars);
          for (Index k = 0; k < want.size(); ++k) {
            BOOST_TEST(same(y.value()(k), want(k)), "element " << k << ": " << y.value()(k) << " vs " << want(k));
          }
          // Indexing ops may skip element 0; every other op reads it, so its result holds a NaN.
          const bool reads_everything = op.name.find("element") == std::string::npos &&
                                        op.name.find("block") == std::string::npos &&
                                        op.name.find("rows") == std::string::npos &&
                                        op.name.find("a(i") == std::string::npos &&
                                        op.name.find("where") == std::string::npos &&  // selects
                                        op.name.find("nll_loss") == std::string::npos;  // reads the labelled entries
          if (reads_everything) BOOST_TEST(y.value().isNaN().any());
          if (op.differentiable) {
            BOOST_CHECK_NO_THROW(backward(sum(y)));
            for (const Parameter& p : params) BOOST_TEST(p.grad().rows() == p.rows());
          }
        }
      }
    }
  }
  tape().clear();
}

BOOST_AUTO_TEST_CASE(smooth_elementwise_ops_give_a_nan_gradient_at_nan) {
  for (const char* name : {"pow(a, 2.5)", "pow(a, 3)", "pow(a, -2)", "square(a)", "sqrt(a)", "exp(a)",
                           "log(a)", "log1p(a)", "tanh(a)", "sigmoid(a)", "3 / a", "expm1(a)",
                           "sin(a)", "cos(a)", "softplus(a)", "log_sigmoid(a)", "gelu(a)", "silu(a)", "elu(a)"}) {
    const OpInfo& op = support::find_op(name);
    const Point r = at(kNaN, [&](const Var& x) { return op.apply({x}); });
    BOOST_TEST(std::isnan(r.value), name);
    BOOST_TEST(std::isnan(r.grad), name << " gives gradient " << r.grad << " at NaN");
  }
}

BOOST_AUTO_TEST_CASE(derivatives_at_zero_one_and_large_magnitudes_are_the_textbook_ones) {
  struct Expect {
    const char* op;
    double x, grad;
  };
  const Expect cases[] = {
      {"square(a)", 0.0, 0.0},    {"square(a)", -1.0, -2.0},   {"exp(a)", 0.0, 1.0},
      {"exp(a)", -1000.0, 0.0},   {"exp(a)", 1000.0, kInf},    {"log(a)", 1.0, 1.0},
      {"log(a)", 0.0, kInf},      {"log(a)", 1e3, 1e-3},       {"log1p(a)", 0.0, 1.0},
      {"log1p(a)", -1.0, kInf},   {"log1p(a)", 1e3, 1.0 / 1001.0},       {"sqrt(a)", 1.0, 0.5},
      {"sqrt(a)", 0.0, kInf},     {"tanh(a)", 0.0, 1.0},       {"tanh(a)", 1000.0, 0.0},
      {"tanh(a)", -1000.0, 0.0},  {"sigmoid(a)", 0.0, 0.25},   {"sigmoid(a)", 1000.0, 0.0},
      {"sigmoid(a)", -1000.0, 0.0}, {"relu(a)", 0.0, 0.0},     {"relu(a)", -1.0, 0.0},
      {"relu(a)", 1.0, 1.0},      {"relu(a)", 1e150, 1.0},     {"abs(a)", 0.0, 0.0},
      {"abs(a)", -1.0, -1.0},     {"abs(a)", 1e150, 1.0},      {"pow(a, 2.5)", 0.0, 0.0},
      {"pow(a, 2.5)", 1.0, 2.5},  {"pow(a, 3)", 0.0, 0.0},     {"pow(a, 3)", -1.0, 3.0},
      {"pow(a, -2)", 1.0, -2.0},  {"pow(a, -2)", -1.0, 2.0},   {"pow(a, -2)", 1e150, 0.0},
      {"3 / a", 1.0, -3.0},       {"3 / a", -1.0, -3.0},       {"3 / a", 1e150, 0.0},
      {"-a", 0.0, -1.0},          {"a * -1.5", kInf, -1.5},    {"a / 4", 1e150, 0.25},
      {"expm1(a)", 0.0, 1.0},     {"expm1(a)", -1000.0, 0.0},  {"sin(a)", 0.0, 1.0},
      {"cos(a)", 0.0, -0.0},      {"softplus(a)", 0.0, 0.5},   {"softplus(a)", 30.0, 1.0},
      {"softplus(a)", -1000.0, 0.0}, {"softplus(a)", 1e150, 1.0}, {"log_sigmoid(a)", 0.0, 0.5},
      {"log_sigmoid(a)", -1000.0, 1.0}, {"log_sigmoid(a)", 1000.0, 0.0}, {"log_sigmoid(a)", -kInf, 1.0},
      {"gelu(a)", 0.0, 0.5},      {"gelu(a)", 40.0, 1.0},      {"gelu(a)", -40.0, 0.0},
      {"silu(a)", 0.0, 0.5},      {"silu(a)", 1000.0, 1.0},    {"silu(a)", -1000.0, 0.0},
      {"leaky_relu(a)", 0.0, 0.01}, {"leaky_relu(a)", 1e150, 1.0}, {"leaky_relu(a, 0.2)", -kInf, 0.2},
      {"elu(a)", 0.0, 1.0},       {"elu(a)", -1000.0, 0.0},    {"elu(a, 0.5)", -1.0, 0.5 * std::exp(-1.0)},
      {"clamp(a, -1, 0.5)", 0.5, 1.0}, {"clamp(a, -1, 0.5)", -1.0, 1.0}, {"clamp(a, -1, 0.5)", 0.6, 0.0},
      {"clamp(a, -1, 0.5)", -kInf, 0.0}, {"norm(a)", 0.0, 0.0},  {"norm(a)", -1e150, -1.0},
      {"max(a)", kInf, 1.0},
  };
  for (const Expect& e : cases) {
    const OpInfo& op = support::find_op(e.op);
    const Point r = at(e.x, [&](const Var& x) { return op.apply({x}); });
    BOOST_TEST(same(r.grad, e.grad), e.op << "' at " << e.x << ": " << r.grad << ", expected " << e.grad);
  }
}

// pow(a, 0) has derivative 0 everywhere (as PyTorch), also at a = 0 where the general
// rule c * a^(c-1) would give 0 * inf.
BOOST_AUTO_TEST_CASE(pow_with_exponent_zero_has_zero_derivative_at_zero) {
  const Point r = at(0.0, [](const Var& x) { return pow(x, 0.0); });
  BOOST_TEST(r.value == 1.0);
  BOOST_TEST(r.grad == 0.0);
}

BOOST_AUTO_TEST_CASE(sigmoid_and_tanh_saturate_without_nan_at_plus_minus_1000) {
  tape().clear();
  Parameter p(Array((Array(1, 6) << -1000.0, -40.0, -1.0, 1.0, 40.0, 1000.0).finished()));
  const Var s = sigmoid(p);
  const Var t = tanh(p);
  for (Index k = 0; k < 6; ++k) {
    const double x = p.value()(k);
    BOOST_TEST(same(s.value()(k), 1.0 / (1.0 + std::exp(-x))));
    BOOST_TEST(same(t.value()(k), std::tanh(x)));
  }
  backward(sum(s) + sum(t));
  BOOST_TEST(all_finite(p.grad()));
  BOOST_TEST(p.grad()(0) == 0.0);
  BOOST_TEST(p.grad()(5) == 0.0);
  tape().clear();
}

// softplus is a itself above 20, as PyTorch; log_sigmoid and binary_cross_entropy_with_logits
// stay finite and exact for logits of any size.
BOOST_AUTO_TEST_CASE(softplus_log_sigmoid_and_logit_losses_stay_finite_at_large_logits) {
  tape().clear();
  for (double x : {20.5, 40.0, 1e3, 1e150}) BOOST_TEST(softplus(Var(x)).item() == x);
  BOOST_TEST(same(softplus(Var(19.0)).item(), std::log1p(std::exp(19.0))));
  BOOST_TEST(same(log_sigmoid(Var(-1e3)).item(), -1e3));
  BOOST_TEST(same(log_sigmoid(Var(40.0)).item(), -std::exp(-40.0)));
  BOOST_TEST(log_sigmoid(Var(1e3)).item() == 0.0);
  Parameter x(Array((Array(1, 4) << -1e4, -50.0, 50.0, 1e4).finished()));
  const Var y(Array((Array(1, 4) << 0.0, 1.0, 0.0, 1.0).finished()));
  const Var loss = binary_cross_entropy_with_logits(x, y, Reduction::sum);
  // Right with certainty at ±1e4 (0), wrong by 50 twice: 50 + log1p(e^-50) each.
  BOOST_TEST(same(loss.item(), 2.0 * (50.0 + std::log1p(std::exp(-50.0)))));
  backward(loss);
  // d/dx = sigmoid(x) - y: 0 at ±1e4, -1 at -50 with y = 1, +1 at 50 with y = 0.
  BOOST_TEST(all_finite(x.grad()));
  BOOST_TEST(same(x.grad()(0), 0.0));
  BOOST_TEST(same(x.grad()(1), -1.0));
  BOOST_TEST(same(x.grad()(2), 1.0));
  BOOST_TEST(same(x.grad()(3), 0.0));
  tape().clear();
}

// norm scales before it squares, so huge elements do not overflow; at 0 its gradient is 0.
BOOST_AUTO_TEST_CASE(norm_of_huge_elements_is_finite_and_of_zero_has_zero_gradient) {
  tape().clear();
  Parameter big(Array::Constant(2, 2, 1e200));
  const Var n = norm(big);
  BOOST_TEST(same(n.item(), 2e200));
  backward(n);
  BOOST_TEST(((big.grad() - 0.5).abs() < 1e-15).all(), big.grad());
  tape().clear();
  Parameter zero(Array::Zero(3, 1));
  backward(norm(zero));
  BOOST_TEST((zero.grad() == 0.0).all());
  tape().clear();
}

// Ties: maximum and minimum send half to each side, max of all elements splits evenly
// among the tied maxima, max_rowwise sends all to the first (as PyTorch).
BOOST_AUTO_TEST_CASE(ties_share_or_pick_the_gradient_as_pytorch_does) {
  tape().clear();
  Parameter a(Array((Array(2, 3) << 1.0, 3.0, 3.0, 2.0, 0.0, 3.0).finished()));
  Parameter b(Array::Constant(2, 3, 2.0));
  backward(sum(maximum(a, b)));
  BOOST_TEST((a.grad() == (Array(2, 3) << 0, 1, 1, 0.5, 0, 1).finished()).all(), a.grad());
  BOOST_TEST((b.grad() == (Array(2, 3) << 1, 0, 0, 0.5, 1, 0).finished()).all(), b.grad());
  a.zero_grad();
  b.zero_grad();
  tape().clear();
  backward(sum(minimum(a, b)));
  BOOST_TEST((a.grad() == (Array(2, 3) << 1, 0, 0, 0.5, 1, 0).finished()).all(), a.grad());
  a.zero_grad();
  tape().clear();
  backward(max(a));
  BOOST_TEST((a.grad() == (Array(2, 3) << 0, 1, 1, 0, 0, 1).finished() / 3.0).all(), a.grad());
  a.zero_grad();
  tape().clear();
  backward(sum(max_rowwise(a)) + sum(min_colwise(a)));
  // Row maxima at (0, 1) and (1, 2); column minima at (0, 0), (1, 1) and (0, 2), the first of the tie.
  BOOST_TEST((a.grad() == (Array(2, 3) << 1, 1, 1, 0, 1, 1).finished()).all(), a.grad());
  tape().clear();
}

BOOST_AUTO_TEST_CASE(a_nan_is_the_maximum_and_the_minimum_and_argmax_picks_it) {
  tape().clear();
  const Var a(Array((Array(2, 3) << 1.0, kNaN, 3.0, 2.0, 0.0, 3.0).finished()));
  BOOST_TEST(std::isnan(max(a).item()));
  BOOST_TEST(std::isnan(min(a).item()));
  BOOST_TEST(std::isnan(max_rowwise(a).value()(0)));
  BOOST_TEST(max_rowwise(a).value()(1) == 3.0);
  BOOST_TEST(std::isnan(maximum(a, Var(0.0)).value()(0, 1)));
  BOOST_TEST(std::isnan(minimum(Var(0.0), a).value()(0, 1)));
  const auto arg = argmax_rowwise(a);
  BOOST_TEST(arg(0) == 1);
  BOOST_TEST(arg(1) == 2);
  tape().clear();
}

BOOST_AUTO_TEST_CASE(logsumexp_and_log_softmax_stay_finite_at_logits_around_1e4) {
  tape().clear();
  const Array logits = (Array(3, 3) << 1e4, 1e4 - 1.0, -1e4,  //
                        -1e4, -1e4 + 2.0, -1e4 + 1.0,          //
                        1e4, 1e4, 1e4).finished();
  // Closed forms: lse(c + [0, -1, -2e4]) = c + log(1 + e^-1); lse(-1e4 + [0, 2, 1]) = -1e4 + log(1 + e^2 + e);
  // lse(c, c, c) = c + log 3.
  const double lse[] = {1e4 + std::log1p(std::exp(-1.0)), -1e4 + std::log(1.0 + std::exp(2.0) + std::exp(1.0)),
                        1e4 + std::log(3.0)};
  Parameter p(logits);
  const Var l = logsumexp(p);
  const Var ls = log_softmax(p);
  for (Index i = 0; i < 3; ++i) {
    BOOST_TEST(same(l.value()(i), lse[i]));
    for (Index j = 0; j < 3; ++j) BOOST_TEST(same(ls.value()(i, j), logits(i, j) - lse[i]));
  }
  const Array w = (Array(3, 3) << 1, -2, 3, 0.5, 1, -1, 2, 0, 1).finished();
  backward(sum(l) + dot(ls, Var(w)));
  BOOST_TEST(all_finite(p.grad()));
  const GradcheckResult r = gradcheck([&] { return sum(logsumexp(p)) + dot(log_softmax(p), Var(w)); }, {&p});
  BOOST_TEST(r.passed, r.summary());
  tape().clear();
}

BOOST_AUTO_TEST_CASE(cross_entropy_with_very_confident_logits_is_finite) {
  tape().clear();
  Parameter p(Array((Array(2, 3) << 1e4, 0.0, -1e4, -1e4, 0.0, 1e4).finished()));
  // Row 0 is right with certainty (loss 0); row 1 is wrong by 2e4.
  const std::vector<int> labels{0, 0};
  const Var loss = cross_entropy(p, labels);
  BOOST_TEST(same(loss.item(), (0.0 + 2e4) / 2.0));
  backward(loss);
  BOOST_TEST(all_finite(p.grad()));
  // d/da = (softmax - onehot) / rows: row 0 is all zeros, row 1 is (-1, 0, 1) / 2.
  const Array expected = (Array(2, 3) << 0, 0, 0, -0.5, 0, 0.5).finished();
  BOOST_TEST(((p.grad() - expected).abs() < 1e-15).all(), p.grad());
  tape().clear();
}

BOOST_AUTO_TEST_CASE(softmax_of_large_logits_is_finite_and_sums_to_one) {
  tape().clear();
  Parameter p(Array((Array(2, 3) << 1000.0, 0.0, -1000.0, 1e4, 1e4 - 1.0, 1e4 - 2.0).finished()));
  const Var s = softmax(p);
  BOOST_TEST(all_finite(Array(s.value())));
  // Within 1e-11: see softmax_of_huge_equal_logits_is_uniform for the exactness lost at 1e4.
  for (Index i = 0; i < 2; ++i) BOOST_TEST(std::abs(s.value().row(i).sum() - 1.0) < 1e-11);
  BOOST_TEST(s.value()(0, 0) == 1.0);
  backward(dot(s, Var(Array((Array(2, 3) << 1, 2, 3, -1, 0, 2).finished()))));
  BOOST_TEST(all_finite(p.grad()));
  tape().clear();
}

// softmax, log_softmax and cross_entropy work from a - max, so log(n) is not lost
// below the rounding step of huge logits: (1e16, 1e16) is uniform.
BOOST_AUTO_TEST_CASE(softmax_of_huge_equal_logits_is_uniform) {
  tape().clear();
  for (double big : {1e16, 1e300}) {
    const Var logits = Var(Array::Constant(1, 2, big));
    const double s = softmax(logits).value()(0);
    const double ls = log_softmax(logits).value()(0);
    const double ce = cross_entropy(logits, std::vector<int>{0}).item();
    BOOST_TEST(same(s, 0.5), "softmax at " << big << ": " << s);
    BOOST_TEST(same(ls, -std::log(2.0)), "log_softmax at " << big << ": " << ls);
    BOOST_TEST(same(ce, std::log(2.0)), "cross_entropy at " << big << ": " << ce);
  }
  // The same rounding costs 5e-13 already at 1e4: the row should sum to 1 within a few ulps.
  const Var s = softmax(Var(Array((Array(1, 3) << 1e4, 1e4 - 1.0, 1e4 - 2.0).finished())));
  BOOST_TEST(std::abs(s.value().sum() - 1.0) < 1e-15);
  tape().clear();
}

BOOST_AUTO_TEST_CASE(softmax_family_on_infinite_logits_follows_the_limits) {
  tape().clear();
  // A -inf logit is a class of probability 0; a row of -inf has lse -inf.
  const Var a = Var(Array((Array(2, 3) << -kInf, 0.0, 0.0, -kInf, -kInf, -kInf).finished()));
  const Var l = logsumexp(a);
  BOOST_TEST(same(l.value()(0), std::log(2.0)));
  BOOST_TEST(same(l.value()(1), -kInf));
  const Var s = softmax(rows(a, 0, 1));
  BOOST_TEST(s.value()(0) == 0.0);
  BOOST_TEST(same(s.value()(1), 0.5));
  tape().clear();
}
