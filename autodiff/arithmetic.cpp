// SPDX-License-Identifier: MIT
// The eager (one node per op) form of each arithmetic rule in arithmetic.hpp,
// compiled once here rather than in every file that uses an operator, and the
// operators on Vars, which record that form.
#include "autodiff/arithmetic.hpp"

#include "autodiff/detail/record.hpp"

#include <fmt/format.h>

namespace autodiff::detail {

void throw_broadcast(const char* op, Index ar, Index ac, Index br, Index bc) {
  throw ShapeError(fmt::format("{}: cannot broadcast shapes {}x{} and {}x{}", op, ar, ac, br, bc));
}

template Var eager_binary<rules::Add>(const Var&, const Var&);
template Var eager_binary<rules::Sub>(const Var&, const Var&);
template Var eager_binary<rules::Mul>(const Var&, const Var&);
template Var eager_binary<rules::Div>(const Var&, const Var&);
template Var eager_unary<rules::AddConst>(const Var&, double);
template Var eager_unary<rules::ConstSub>(const Var&, double);
template Var eager_unary<rules::MulConst>(const Var&, double);
template Var eager_unary<rules::ConstDiv>(const Var&, double);
template Var eager_unary<rules::Neg>(const Var&, double);

}  // namespace autodiff::detail

namespace autodiff {

using detail::eager_binary;
using detail::eager_unary;

Var operator+(Var a, Var b) { return eager_binary<rules::Add>(a, b); }
Var operator-(Var a, Var b) { return eager_binary<rules::Sub>(a, b); }
Var operator*(Var a, Var b) { return eager_binary<rules::Mul>(a, b); }
Var operator/(Var a, Var b) { return eager_binary<rules::Div>(a, b); }
Var operator+(Var a, double c) { return eager_unary<rules::AddConst>(a, c); }
Var operator+(double c, Var a) { return eager_unary<rules::AddConst>(a, c); }
Var operator-(Var a, double c) { return eager_unary<rules::AddConst>(a, -c); }
Var operator-(double c, Var a) { return eager_unary<rules::ConstSub>(a, c); }
Var operator*(Var a, double c) { return eager_unary<rules::MulConst>(a, c); }
Var operator*(double c, Var a) { return eager_unary<rules::MulConst>(a, c); }
Var operator/(Var a, double c) { return eager_unary<rules::MulConst>(a, 1.0 / c); }
Var operator/(double c, Var a) { return eager_unary<rules::ConstDiv>(a, c); }
Var operator-(Var a) { return eager_unary<rules::Neg>(a, 0.0); }

}  // namespace autodiff
