// SPDX-License-Identifier: MIT
// One-argument functions applied to every element. Each is a rule (forward value
// and adjoint side by side); the functions build expressions (expr.hpp) from them.
#pragma once

#include "expr.hpp"

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

// d(relu a) = [a > 0] da
struct Relu {
  static constexpr const char* name = "relu";
  static constexpr auto forward = [](const auto& s) { return s.x.max(0.0); };
  static constexpr auto backward = [](const auto& s) { return (s.x > 0.0).select(s.g, 0.0); };
};

// d|a| = sign(a) da (0 at a = 0, as PyTorch)
struct Abs {
  static constexpr const char* name = "abs";
  static constexpr auto forward = [](const auto& s) { return s.x.abs(); };
  static constexpr auto backward = [](const auto& s) { return s.g * s.x.sign(); };
};

}  // namespace rules

// On a Var or a Parameter: one node at once (elementwise.cpp).
Var pow(Var a, double exponent);
Var square(Var a);
Var sqrt(Var a);
Var exp(Var a);
Var log(Var a);
Var tanh(Var a);
Var sigmoid(Var a);
Var relu(Var a);
Var abs(Var a);

// On a Constant or an Expr: an Expr (expr.hpp).
template <Lazy A>
auto pow(const A& a, double exponent) { return detail::unary_expr<rules::Pow>(a, exponent); }
template <Lazy A>
auto square(const A& a) { return detail::unary_expr<rules::Square>(a); }
template <Lazy A>
auto sqrt(const A& a) { return detail::unary_expr<rules::Sqrt>(a); }
template <Lazy A>
auto exp(const A& a) { return detail::unary_expr<rules::Exp>(a); }
template <Lazy A>
auto log(const A& a) { return detail::unary_expr<rules::Log>(a); }
template <Lazy A>
auto tanh(const A& a) { return detail::unary_expr<rules::Tanh>(a); }
template <Lazy A>
auto sigmoid(const A& a) { return detail::unary_expr<rules::Sigmoid>(a); }
template <Lazy A>
auto relu(const A& a) { return detail::unary_expr<rules::Relu>(a); }
template <Lazy A>
auto abs(const A& a) { return detail::unary_expr<rules::Abs>(a); }

}  // namespace autodiff
