// SPDX-License-Identifier: MIT
// + - * / between Vars (element-wise, broadcasting), with numbers on either side,
// and unary minus. Each op is a rule: its forward value and its adjoint
// contributions, side by side; the operators build expressions (expr.hpp) from them.
#pragma once

#include "expr.hpp"

namespace autodiff {

namespace rules {

// d(a+b) = da + db
struct Add {
  static constexpr const char* name = "operator+";
  static constexpr auto forward = [](const auto& s) { return s.a + s.b; };
  static constexpr auto da = [](const auto& s) { return s.g; };
  static constexpr auto db = [](const auto& s) { return s.g; };
};

// d(a-b) = da - db
struct Sub {
  static constexpr const char* name = "operator-";
  static constexpr auto forward = [](const auto& s) { return s.a - s.b; };
  static constexpr auto da = [](const auto& s) { return s.g; };
  static constexpr auto db = [](const auto& s) { return -s.g; };
};

// d(a*b) = b da + a db
struct Mul {
  static constexpr const char* name = "operator*";
  static constexpr auto forward = [](const auto& s) { return s.a * s.b; };
  static constexpr auto da = [](const auto& s) { return s.g * s.b; };
  static constexpr auto db = [](const auto& s) { return s.g * s.a; };
};

// d(a/b) = da / b - (a/b) db / b
struct Div {
  static constexpr const char* name = "operator/";
  static constexpr auto forward = [](const auto& s) { return s.a / s.b; };
  static constexpr auto da = [](const auto& s) { return s.g / s.b; };
  static constexpr auto db = [](const auto& s) { return -s.g * s.y / s.b; };
};

// With a double c on one side an op has one operand; c sits in the node.
// d(a+c) = da; a - c is a + (-c)
struct AddConst {
  static constexpr const char* name = "operator+";
  static constexpr auto forward = [](const auto& s) { return s.x + s.c; };
  static constexpr auto backward = [](const auto& s) { return s.g; };
};

// d(c-a) = -da
struct ConstSub {
  static constexpr const char* name = "operator-";
  static constexpr auto forward = [](const auto& s) { return s.c - s.x; };
  static constexpr auto backward = [](const auto& s) { return -s.g; };
};

// d(c*a) = c da; a / c is a * (1/c)
struct MulConst {
  static constexpr const char* name = "operator*";
  static constexpr auto forward = [](const auto& s) { return s.x * s.c; };
  static constexpr auto backward = [](const auto& s) { return s.g * s.c; };
};

// d(c/a) = -c da / a^2 = -y da / a
struct ConstDiv {
  static constexpr const char* name = "operator/";
  static constexpr auto forward = [](const auto& s) { return s.c / s.x; };
  static constexpr auto backward = [](const auto& s) { return -s.g * s.y / s.x; };
};

// d(-a) = -da
struct Neg {
  static constexpr const char* name = "operator-";
  static constexpr auto forward = [](const auto& s) { return -s.x; };
  static constexpr auto backward = [](const auto& s) { return -s.g; };
};

}  // namespace rules

// On Vars and Parameters alone each records at once and returns a Var; with data
// (a Constant, an Eigen array) or an expression among the operands it returns an
// expression (expr.hpp), recorded when it becomes a Var.
// The operators with a double take their constraint as a template parameter:
// clang 14 checks the signature before a requires-clause and then rejects an
// operator- on two plain numbers (size_t - size_t) when ours is visible.
template <class A, class B> requires BinaryOperands<A, B>
auto operator+(const A& a, const B& b) { return detail::binary<rules::Add>(a, b); }
template <class A, class B> requires BinaryOperands<A, B>
auto operator-(const A& a, const B& b) { return detail::binary<rules::Sub>(a, b); }
template <class A, class B> requires BinaryOperands<A, B>
auto operator*(const A& a, const B& b) { return detail::binary<rules::Mul>(a, b); }
template <class A, class B> requires BinaryOperands<A, B>
auto operator/(const A& a, const B& b) { return detail::binary<rules::Div>(a, b); }

// An Eigen Matrix operand: a compile error that says what to write instead.
template <class A, class B>
void refuse_matrix(const A&, const B&) {
  static_assert(!MatrixOperands<A, B>,
                "descent: an Eigen Matrix in an element-wise op: Eigen's * on matrices is a matrix "
                "product, so use matmul(a, b) for that, or pass m.array() for the element-wise op");
}
template <class A, class B> requires MatrixOperands<A, B>
void operator+(const A& a, const B& b) { refuse_matrix(a, b); }
template <class A, class B> requires MatrixOperands<A, B>
void operator-(const A& a, const B& b) { refuse_matrix(a, b); }
template <class A, class B> requires MatrixOperands<A, B>
void operator*(const A& a, const B& b) { refuse_matrix(a, b); }
template <class A, class B> requires MatrixOperands<A, B>
void operator/(const A& a, const B& b) { refuse_matrix(a, b); }

// Vars of two scalar types (float and double): a compile error that names the op.
template <class A, class B> requires MixedOperands<A, B>
void operator+(const A&, const B&) {
  static_assert(!MixedOperands<A, B>, "descent: operands of operator+ have different scalar types (float and "
                                      "double); a model's Vars, Parameters and Constants share one type");
}
template <class A, class B> requires MixedOperands<A, B>
void operator-(const A&, const B&) {
  static_assert(!MixedOperands<A, B>, "descent: operands of operator- have different scalar types (float and "
                                      "double); a model's Vars, Parameters and Constants share one type");
}
template <class A, class B> requires MixedOperands<A, B>
void operator*(const A&, const B&) {
  static_assert(!MixedOperands<A, B>, "descent: operands of operator* have different scalar types (float and "
                                      "double); a model's Vars, Parameters and Constants share one type");
}
template <class A, class B> requires MixedOperands<A, B>
void operator/(const A&, const B&) {
  static_assert(!MixedOperands<A, B>, "descent: operands of operator/ have different scalar types (float and "
                                      "double); a model's Vars, Parameters and Constants share one type");
}

template <class A, Requires<Operand<A>> = 0>
auto operator+(const A& a, double c) { return detail::unary<rules::AddConst>(a, c); }
template <class A, Requires<Operand<A>> = 0>
auto operator+(double c, const A& a) { return detail::unary<rules::AddConst>(a, c); }
template <class A, Requires<Operand<A>> = 0>
auto operator-(const A& a, double c) { return detail::unary<rules::AddConst>(a, -c); }
template <class A, Requires<Operand<A>> = 0>
auto operator-(double c, const A& a) { return detail::unary<rules::ConstSub>(a, c); }
template <class A, Requires<Operand<A>> = 0>
auto operator*(const A& a, double c) { return detail::unary<rules::MulConst>(a, c); }
template <class A, Requires<Operand<A>> = 0>
auto operator*(double c, const A& a) { return detail::unary<rules::MulConst>(a, c); }
template <class A, Requires<Operand<A>> = 0>
auto operator/(const A& a, double c) { return detail::unary<rules::MulConst>(a, 1.0 / c); }
template <class A, Requires<Operand<A>> = 0>
auto operator/(double c, const A& a) { return detail::unary<rules::ConstDiv>(a, c); }
template <class A, Requires<Operand<A>> = 0>
auto operator-(const A& a) { return detail::unary<rules::Neg>(a); }

}  // namespace autodiff
