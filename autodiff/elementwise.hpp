// SPDX-License-Identifier: MIT
// One-argument functions applied to every element. Each is a rule (forward value
// and adjoint side by side); each function is one line over detail::unary (expr.hpp).
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

// d(log(1 + a)) = da / (1 + a); exact for tiny a, where log(1 + a) would round 1 + a
struct Log1p {
  static constexpr const char* name = "log1p";
  static constexpr auto forward = [](const auto& s) { return s.x.log1p(); };
  static constexpr auto backward = [](const auto& s) { return s.g / (1.0 + s.x); };
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

// On Vars and Parameters alone each records at once and returns a Var; with data
// (a Constant, an Eigen array) or an expression among the operands it returns an
// expression (expr.hpp), recorded when it becomes a Var.
template <Operand A> auto pow(const A& a, double exponent) { return detail::unary<rules::Pow>(a, exponent); }
template <Operand A> auto square(const A& a) { return detail::unary<rules::Square>(a); }
template <Operand A> auto sqrt(const A& a) { return detail::unary<rules::Sqrt>(a); }
template <Operand A> auto exp(const A& a) { return detail::unary<rules::Exp>(a); }
template <Operand A> auto log(const A& a) { return detail::unary<rules::Log>(a); }
template <Operand A> auto log1p(const A& a) { return detail::unary<rules::Log1p>(a); }
template <Operand A> auto tanh(const A& a) { return detail::unary<rules::Tanh>(a); }
template <Operand A> auto sigmoid(const A& a) { return detail::unary<rules::Sigmoid>(a); }
template <Operand A> auto relu(const A& a) { return detail::unary<rules::Relu>(a); }
template <Operand A> auto abs(const A& a) { return detail::unary<rules::Abs>(a); }

}  // namespace autodiff
