// SPDX-License-Identifier: MIT
// One-argument functions applied to every element. Each is a rule (forward value
// and adjoint side by side); each function is one line over detail::unary (expr.hpp).
// A constant parameter (pow's exponent, leaky_relu's slope, elu's alpha) is the rule's c.
#pragma once

#include "expr.hpp"

#include <cmath>

namespace autodiff {

namespace rules {

// d(a^p) = p a^(p-1) da, with the exponent c = p. For p = 0 the derivative is 0
// everywhere, also at a = 0 where p a^(p-1) would be 0 * inf (as PyTorch).
struct Pow {
  static constexpr const char* name = "pow";
  static constexpr auto forward = [](const auto& s) { return s.x.pow(s.c); };
  static constexpr auto backward = [](const auto& s) {
    return s.g * s.c * s.x.pow(s.c == 0.0 ? 0.0 : s.c - 1.0);
  };
};

// d(a^2) = 2a da
struct Square {
  static constexpr const char* name = "square";
  static constexpr auto forward = [](const auto& s) { return s.x.square(); };
  static constexpr auto backward = [](const auto& s) { return 2.0 * s.g * s.x; };
};

// d(sqrt a) = da / (2 sqrt a)
struct Sqrt {
  static constexpr const char* name = "sqrt";
  static constexpr auto forward = [](const auto& s) { return s.x.sqrt(); };
  static constexpr auto backward = [](const auto& s) { return s.g / (2.0 * s.y); };
};

// d(exp a) = exp(a) da
struct Exp {
  static constexpr const char* name = "exp";
  static constexpr auto forward = [](const auto& s) { return s.x.exp(); };
  static constexpr auto backward = [](const auto& s) { return s.g * s.y; };
};

// d(log a) = da / a
struct Log {
  static constexpr const char* name = "log";
  static constexpr auto forward = [](const auto& s) { return s.x.log(); };
  static constexpr auto backward = [](const auto& s) { return s.g / s.x; };
};

// d(log(1 + a)) = da / (1 + a); exact for tiny a, where log(1 + a) would round 1 + a
struct Log1p {
  static constexpr const char* name = "log1p";
  static constexpr auto forward = [](const auto& s) { return s.x.log1p(); };
  static constexpr auto backward = [](const auto& s) { return s.g / (1.0 + s.x); };
};

// d(exp(a) - 1) = exp(a) da = (y + 1) da; exact for tiny a, where exp(a) - 1 would cancel
struct Expm1 {
  static constexpr const char* name = "expm1";
  static constexpr auto forward = [](const auto& s) { return s.x.expm1(); };
  static constexpr auto backward = [](const auto& s) { return s.g * (s.y + 1.0); };
};

// d(sin a) = cos(a) da; std::sin element by element, exact at any magnitude
struct Sin {
  static constexpr const char* name = "sin";
  static constexpr auto forward = [](const auto& s) { return s.x.unaryExpr([](auto v) { return std::sin(v); }); };
  static constexpr auto backward = [](const auto& s) {
    return s.g * s.x.unaryExpr([](auto v) { return std::cos(v); });
  };
};

// d(cos a) = -sin(a) da
struct Cos {
  static constexpr const char* name = "cos";
  static constexpr auto forward = [](const auto& s) { return s.x.unaryExpr([](auto v) { return std::cos(v); }); };
  static constexpr auto backward = [](const auto& s) {
    return -s.g * s.x.unaryExpr([](auto v) { return std::sin(v); });
  };
};

// d(tanh a) = (1 - tanh(a)^2) da
struct Tanh {
  static constexpr const char* name = "tanh";
  static constexpr auto forward = [](const auto& s) { return s.x.tanh(); };
  static constexpr auto backward = [](const auto& s) { return s.g * (1.0 - s.y.square()); };
};

// d(sigmoid a) = sigmoid(a) (1 - sigmoid(a)) da; written with exp(-|a|) so that
// neither branch overflows for large |a|.
struct Sigmoid {
  static constexpr const char* name = "sigmoid";
  static constexpr auto forward = [](const auto& s) {
    return (s.x >= 0.0).select(1.0 / (1.0 + (-s.x).exp()), s.x.exp() / (1.0 + s.x.exp()));
  };
  static constexpr auto backward = [](const auto& s) { return s.g * s.y * (1.0 - s.y); };
};

// d(softplus a) = sigmoid(a) da = e^a / (e^a + 1) da; softplus(a) = log(1 + e^a), and a
// itself above 20 (beta 1, threshold 20, as PyTorch), where the two agree to 2e-9.
struct Softplus {
  static constexpr const char* name = "softplus";
  static constexpr auto forward = [](const auto& s) { return (s.x > 20.0).select(s.x, s.x.exp().log1p()); };
  static constexpr auto backward = [](const auto& s) {
    return (s.x > 20.0).select(s.g, s.g * s.x.exp() / (s.x.exp() + 1.0));
  };
};

// d(log sigmoid a) = sigmoid(-a) da; log sigmoid(a) = min(a, 0) - log(1 + e^-|a|), and
// sigmoid(-a) = (a < 0 ? 1 : e^-|a|) / (1 + e^-|a|): no exp overflows for large |a|.
struct LogSigmoid {
  static constexpr const char* name = "log_sigmoid";
  static constexpr auto forward = [](const auto& s) {
    return (s.x < 0.0).select(s.x, 0.0) - (-s.x.abs()).exp().log1p();
  };
  static constexpr auto backward = [](const auto& s) {
    return s.g * (s.x < 0.0).select(1.0, (-s.x.abs()).exp()) / (1.0 + (-s.x.abs()).exp());
  };
};

// d(gelu a) = (Phi(a) + a phi(a)) da, with gelu(a) = a Phi(a) and Phi the normal CDF
// (PyTorch's exact, erf form); std::erf element by element, in the values' type T.
struct Gelu {
  static constexpr const char* name = "gelu";
  static constexpr auto forward = [](const auto& s) {
    return s.x.unaryExpr([](auto v) {
      using T = decltype(v);
      return T(0.5) * v * (T(1) + std::erf(v * T(0.70710678118654752440)));
    });
  };
  static constexpr auto backward = [](const auto& s) {
    return s.g * s.x.unaryExpr([](auto v) {
      using T = decltype(v);
      return T(0.5) * (T(1) + std::erf(v * T(0.70710678118654752440))) +
             v * T(0.39894228040143267794) * std::exp(T(-0.5) * v * v);
    });
  };
};

// d(a sigmoid(a)) = s (1 + a (1 - s)) da with s = sigmoid(a); silu(a) = a / (1 + e^-a)
// through std::exp element by element (as PyTorch), so that silu(-inf) is NaN as there.
struct Silu {
  static constexpr const char* name = "silu";
  static constexpr auto forward = [](const auto& s) {
    return s.x.unaryExpr([](auto v) { return v / (decltype(v)(1) + std::exp(-v)); });
  };
  static constexpr auto backward = [](const auto& s) {
    return s.g * s.x.unaryExpr([](auto v) {
      using T = decltype(v);
      const T sig = T(1) / (T(1) + std::exp(-v));
      return sig * (T(1) + v * (T(1) - sig));
    });
  };
};

// d(relu a) = [a > 0] da
struct Relu {
  static constexpr const char* name = "relu";
  static constexpr auto forward = [](const auto& s) { return s.x.max(0.0); };
  // A ternary per element, which the compiler does without a branch: Eigen's select()
  // branched on each sign, which mispredicts on half of a layer's units.
  static constexpr auto backward = [](const auto& s) {
    using T = typename std::decay_t<decltype(s.g)>::Scalar;
    return s.g.binaryExpr(s.x, [](T g, T x) { return x > T(0) ? g : T(0); });
  };
};

// d|a| = sign(a) da (0 at a = 0, as PyTorch)
struct Abs {
  static constexpr const char* name = "abs";
  static constexpr auto forward = [](const auto& s) { return s.x.abs(); };
  static constexpr auto backward = [](const auto& s) { return s.g * s.x.sign(); };
};

// d(leaky_relu a) = (a > 0 ? 1 : slope) da, with the slope c
struct LeakyRelu {
  static constexpr const char* name = "leaky_relu";
  static constexpr auto forward = [](const auto& s) { return (s.x > 0.0).select(s.x, s.x * s.c); };
  static constexpr auto backward = [](const auto& s) { return (s.x > 0.0).select(s.g, s.g * s.c); };
};

// d(elu a) = (a > 0 ? 1 : alpha e^a) da = (a > 0 ? 1 : y + alpha) da, with alpha c
struct Elu {
  static constexpr const char* name = "elu";
  static constexpr auto forward = [](const auto& s) { return (s.x > 0.0).select(s.x, s.c * s.x.expm1()); };
  static constexpr auto backward = [](const auto& s) { return (s.x > 0.0).select(s.g, s.g * (s.y + s.c)); };
};

// clamp(a, lo, hi) is ClampMin(lo) then ClampMax(hi): one constant each.
// d(max(a, lo)) = [a >= lo] da (the bound passes the gradient, as PyTorch); NaN stays NaN
struct ClampMin {
  static constexpr const char* name = "clamp";
  static constexpr auto forward = [](const auto& s) { return (s.x < s.c).select(s.c, s.x); };
  static constexpr auto backward = [](const auto& s) { return (s.x < s.c).select(0.0, s.g); };
};

// d(min(a, hi)) = [a <= hi] da
struct ClampMax {
  static constexpr const char* name = "clamp";
  static constexpr auto forward = [](const auto& s) { return (s.x > s.c).select(s.c, s.x); };
  static constexpr auto backward = [](const auto& s) { return (s.x > s.c).select(0.0, s.g); };
};

// Two operands, broadcasting as + - * / do. s.a or s.b may be a plain number: full()
// (rules.hpp) makes it an array for the comparisons. A NaN on either side gives NaN.

// d max(a, b) = [a > b] da + [b > a] db, a tie sending half to each
struct Maximum {
  static constexpr const char* name = "maximum";
  static constexpr auto forward = [](const auto& s) {
    const auto& a = detail::full(s.a, s.b);
    const auto& b = detail::full(s.b, s.a);
    return (a > b || a != a).select(a, b);
  };
  static constexpr auto da = [](const auto& s) { return s.g * detail::win_share(s.a, s.b); };
  static constexpr auto db = [](const auto& s) { return s.g * detail::win_share(s.b, s.a); };
};

// d min(a, b) = [a < b] da + [b < a] db, a tie sending half to each
struct Minimum {
  static constexpr const char* name = "minimum";
  static constexpr auto forward = [](const auto& s) {
    const auto& a = detail::full(s.a, s.b);
    const auto& b = detail::full(s.b, s.a);
    return (a < b || a != a).select(a, b);
  };
  static constexpr auto da = [](const auto& s) { return s.g * detail::win_share(s.b, s.a); };
  static constexpr auto db = [](const auto& s) { return s.g * detail::win_share(s.a, s.b); };
};

}  // namespace rules

// On Vars and Parameters alone each records at once and returns a Var; with data
// (a Constant, an Eigen array) or an expression among the operands it returns an
// expression (expr.hpp), recorded when it becomes a Var.
template <Operand A> auto pow(const A& a, double exponent) { return detail::unary<rules::Pow>(a, exponent); }
template <Operand A> auto square(const A& a) { return detail::unary<rules::Square>(a); }
template <Operand A> auto sqrt(const A& a) { return detail::unary<rules::Sqrt>(a); }
template <Operand A> auto exp(const A& a) { return detail::unary<rules::Exp>(a); }
template <Operand A> auto log(const A& a) { return detail::unary<rules::Log>(a); }
template <Operand A> auto log1p(const A& a) { return detail::unary<rules::Log1p>(a); }
template <Operand A> auto expm1(const A& a) { return detail::unary<rules::Expm1>(a); }
template <Operand A> auto sin(const A& a) { return detail::unary<rules::Sin>(a); }
template <Operand A> auto cos(const A& a) { return detail::unary<rules::Cos>(a); }
template <Operand A> auto tanh(const A& a) { return detail::unary<rules::Tanh>(a); }
template <Operand A> auto sigmoid(const A& a) { return detail::unary<rules::Sigmoid>(a); }
template <Operand A> auto softplus(const A& a) { return detail::unary<rules::Softplus>(a); }
template <Operand A> auto log_sigmoid(const A& a) { return detail::unary<rules::LogSigmoid>(a); }
template <Operand A> auto gelu(const A& a) { return detail::unary<rules::Gelu>(a); }
template <Operand A> auto silu(const A& a) { return detail::unary<rules::Silu>(a); }
template <Operand A> auto relu(const A& a) { return detail::unary<rules::Relu>(a); }
template <Operand A> auto abs(const A& a) { return detail::unary<rules::Abs>(a); }

template <Operand A> auto leaky_relu(const A& a, double slope = 0.01) { return detail::unary<rules::LeakyRelu>(a, slope); }
template <Operand A> auto elu(const A& a, double alpha = 1.0) { return detail::unary<rules::Elu>(a, alpha); }
// Throws Error naming both bounds when lo > hi.
template <Operand A> auto clamp(const A& a, double lo, double hi) {
  if (!(lo <= hi)) detail::throw_clamp_bounds(lo, hi);
  return detail::unary<rules::ClampMax>(detail::unary<rules::ClampMin>(a, lo), hi);
}

template <class A, class B> requires BinaryOperands<A, B>
auto maximum(const A& a, const B& b) { return detail::binary<rules::Maximum>(a, b); }
template <class A, class B> requires BinaryOperands<A, B>
auto minimum(const A& a, const B& b) { return detail::binary<rules::Minimum>(a, b); }
// Operands of two scalar types (float and double): a compile error naming the op.
template <class A, class B> requires MixedOperands<A, B>
void maximum(const A&, const B&) {
  static_assert(!MixedOperands<A, B>, "descent: operands of maximum have different scalar types (float and "
                                      "double); a model's Vars, Parameters and Constants share one type");
}
template <class A, class B> requires MixedOperands<A, B>
void minimum(const A&, const B&) {
  static_assert(!MixedOperands<A, B>, "descent: operands of minimum have different scalar types (float and "
                                      "double); a model's Vars, Parameters and Constants share one type");
}

}  // namespace autodiff
