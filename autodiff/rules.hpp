// SPDX-License-Identifier: MIT
// What an element-wise op's rule reads. A rule (arithmetic.hpp, elementwise.hpp)
// is a struct with a name, a forward value and its adjoint contributions, written
// once over Eigen expressions; the recorder (detail/record.hpp) runs it on whole
// arrays or on 1x1 values, and expressions (expr.hpp) run it chunk by chunk.
#pragma once

#include "tape.hpp"

#include <cstdint>
#include <type_traits>

namespace autodiff::detail {

// One-operand ops: forward(s) reads s.x (and s.c, a constant such as an exponent);
// backward(s) reads the upstream adjoint s.g, the operand s.x, the result s.y and s.c.
// c has the values' scalar type S, so that a rule over floats stays in float.
template <class X, class S = double>
struct UnaryArgs {
  const X& x;
  S c;
};
template <class G, class X, class Y, class S = double>
struct UnaryGradArgs {
  const G& g;
  const X& x;
  const Y& y;
  S c;
};
// Two-operand ops: forward(s) reads s.a and s.b; da(s) and db(s) read s.g, s.a,
// s.b and the result s.y, and give the contribution to each operand's adjoint in
// the result's shape. s.a or s.b may be a plain number, so rules use operators only.
template <class A, class B>
struct BinaryArgs {
  const A& a;
  const B& b;
};
template <class G, class A, class B, class Y>
struct BinaryGradArgs {
  const G& g;
  const A& a;
  const B& b;
  const Y& y;
};

// Throws ShapeError: op cannot broadcast shapes a and b (record.cpp).
[[noreturn]] void throw_broadcast(const char* op, Index ar, Index ac, Index br, Index bc);

// Throws Error: clamp's bounds lo > hi (or one is NaN) (record.cpp).
[[noreturn]] void throw_clamp_bounds(double lo, double hi);

// x as an array of y's shape when x is a plain number, else x itself: for the
// binary rules that need a comparison or a select, which Eigen has on arrays only.
// x itself is returned by reference: a copy of a plain array (the 1x1 path's
// operands) would die with the rule while the expression it returns still reads it.
template <class X, class Y>
decltype(auto) full(const X& x, const Y& y) {
  if constexpr (std::is_arithmetic_v<X>) {
    return std::decay_t<Y>::PlainObject::Constant(y.rows(), y.cols(), x);
  } else {
    return (x);
  }
}

// What x receives in maximum(x, y): 1 where x > y, 1/2 at a tie (as PyTorch), else 0.
template <class X, class Y>
auto win_share(const X& x, const Y& y) {
  const auto& a = full(x, y);
  const auto& b = full(y, x);
  using S = typename std::decay_t<decltype(a)>::Scalar;
  return (a > b).template cast<S>() + S(0.5) * (a == b).template cast<S>();
}

// The shape of a two-operand op's result by NumPy's broadcasting rule: in each
// dimension the operands agree or one of them is 1 (which stretches).
struct Shape {
  std::int32_t rows, cols;
};
inline Shape broadcast(const char* op, Shape a, Shape b) {
  auto dim = [&](std::int32_t x, std::int32_t y) {
    if (x == y || y == 1) return x;
    if (x == 1) return y;
    throw_broadcast(op, a.rows, a.cols, b.rows, b.cols);
  };
  return {dim(a.rows, b.rows), dim(a.cols, b.cols)};
}

}  // namespace autodiff::detail
