// SPDX-License-Identifier: MIT
// Internal helpers for op implementations: record a node, evaluate an element-wise
// rule on whole arrays or on 1x1 values, stretch broadcast operands and sum
// adjoints back to an operand's shape. An op computes its value first, into tape
// storage, then records the node that owns it with its reverse rule:
//
//   Map y = t.new_value(na.rows, 1);
//   y = na.value().rowwise().sum();
//   // d(sum_j a_ij) = sum_j da_ij: row i's adjoint goes to every element of row i
//   return record(t, "sum_rowwise", y, [](Tape& t, const Node& n) { ... }, ia);
//
// Element-wise rules (rules.hpp) are written once over Eigen arrays; 1x1 nodes run
// them on fixed-size 1x1 maps, which the compiler reduces to plain scalar code.
#pragma once

#include "../error.hpp"
#include "../rules.hpp"
#include "../tape.hpp"
#include "../var.hpp"

#include <string>

namespace autodiff::detail {

using Scalar = Eigen::Array<double, 1, 1>;
using ScalarMap = Eigen::Map<Scalar>;

// "3x2", for error messages.
inline std::string shape(const Node& n) { return std::to_string(n.rows) + "x" + std::to_string(n.cols); }

// Wraps a freshly recorded node; in anomaly mode, checks its value first.
inline Var finish(Tape& t, std::int32_t k) {
  if (t.anomaly_detection()) [[unlikely]] check_value(t.node(k));
  return Var::from_node(t, k);
}

// Records the node owning `value` (from Tape::new_value) over operands a (and b).
inline Var record(Tape& t, const char* op, const Map& value, BackwardFn backward, std::int32_t a,
                  std::int32_t b = -1) {
  const bool grad = t.node(a).adj || (b >= 0 && t.node(b).adj);
  return finish(t, t.record(op, value, grad, backward, a, b));
}

// True, once, when nothing has been added to target's adjoint in this sweep.
inline bool take_fresh(Node& target) {
  const bool fresh = target.fresh;
  target.fresh = false;
  return fresh;
}

// A view of n's value repeated to rows x cols (n's dimensions are 1 or theirs).
inline auto stretch(const Node& n, Index rows, Index cols) {
  return n.value().replicate(n.rows == rows ? 1 : rows, n.cols == cols ? 1 : cols);
}

// target.adj += g, summing g (of the result's shape) over the dimensions that were
// stretched when target was broadcast. The first contribution of a sweep assigns,
// so backward needs no pass that zeroes the adjoints first.
template <class G>
void add_to(Node& target, const G& g) {
  Map adj = target.grad();
  const bool fresh = take_fresh(target);
  if (adj.rows() == g.rows() && adj.cols() == g.cols()) {
    if (fresh) adj = g; else adj += g;
  } else if (adj.size() == 1) {
    adj(0, 0) = (fresh ? 0.0 : adj(0, 0)) + g.sum();
  } else if (adj.rows() == 1) {
    if (fresh) adj = g.colwise().sum(); else adj += g.colwise().sum();
  } else {
    if (fresh) adj = g.rowwise().sum(); else adj += g.rowwise().sum();
  }
}

// For rules that add into part of an adjoint (an element, a block, scattered rows):
// the adjoint, zeroed first if nothing was added to it yet.
inline Map zeroed_grad(Node& target) {
  if (take_fresh(target)) target.grad().setZero();
  return target.grad();
}

// Calls f with each operand's value in the result's shape (rows x cols): the
// array itself, a double for a 1x1 operand, or a stretched view.
template <class F>
void with_values(const Node& a, const Node& b, Index rows, Index cols, F f) {
  const bool a_full = a.rows == rows && a.cols == cols;
  const bool b_full = b.rows == rows && b.cols == cols;
  if (a_full && b_full) {
    f(a.value(), b.value());
  } else if (a_full && b.size() == 1) {
    f(a.value(), b.val[0]);
  } else if (b_full && a.size() == 1) {
    f(a.val[0], b.value());
  } else {
    f(stretch(a, rows, cols), stretch(b, rows, cols));
  }
}

// ---- a rule recorded as its own node: the 1x1 path is plain scalar code, with
// its reverse rule chosen when it is recorded (no shape tests in backward).

template <class R>
void unary_backward_scalar(Tape& t, const Node& n) {
  Node& a = t.node(n.a);
  if (!a.adj) return;
  ScalarMap g(n.adj), x(a.val), y(n.val);
  accumulate(a, 0, R::backward(UnaryGradArgs<ScalarMap, ScalarMap, ScalarMap>{g, x, y, n.c})(0, 0));
}

template <class R>
void unary_backward(Tape& t, const Node& n) {
  Node& a = t.node(n.a);
  if (!a.adj) return;
  Map g = n.grad(), x = a.value(), y = n.value();
  add_to(a, R::backward(UnaryGradArgs<Map, Map, Map>{g, x, y, n.c}));
}

// Out of line, so that the 1x1 path of eager_unary is a small function of its own.
template <class R>
[[gnu::noinline]] Var unary_array(Tape& t, const Node& a, std::int32_t ia, double c) {
  Map y = t.new_value(a.rows, a.cols);
  Map x = a.value();
  y = R::forward(UnaryArgs<Map>{x, c});
  const std::int32_t k = t.record(R::name, y, a.adj, &unary_backward<R>, ia);
  t.node(k).c = c;
  return finish(t, k);
}

template <class R>
Var eager_unary(Var av, double c = 0.0) {
  Tape& t = Tape::current();
  const std::int32_t ia = av.index(t, R::name);
  const Node& a = t.node(ia);
  if (a.rows != 1 || a.cols != 1) return unary_array<R>(t, a, ia, c);
  ScalarMap x(a.val);
  Scalar y;
  y = R::forward(UnaryArgs<ScalarMap>{x, c});
  return finish(t, t.record_scalar(R::name, y(0, 0), a.adj, &unary_backward_scalar<R>, ia, -1, c));
}

template <class R>
void binary_backward_scalar(Tape& t, const Node& n) {
  Node& na = t.node(n.a);
  Node& nb = t.node(n.b);
  ScalarMap g(n.adj), a(na.val), b(nb.val), y(n.val);
  BinaryGradArgs<ScalarMap, ScalarMap, ScalarMap, ScalarMap> s{g, a, b, y};
  // Both contributions are computed before either is written: a and b may be one node.
  const double da = na.adj ? R::da(s)(0, 0) : 0.0;
  const double db = nb.adj ? R::db(s)(0, 0) : 0.0;
  if (na.adj) accumulate(na, 0, da);
  if (nb.adj) accumulate(nb, 0, db);
}

template <class R>
void binary_backward(Tape& t, const Node& n) {
  Node& na = t.node(n.a);
  Node& nb = t.node(n.b);
  const Map g = n.grad(), y = n.value();
  with_values(na, nb, n.rows, n.cols, [&](const auto& a, const auto& b) {
    using A = std::decay_t<decltype(a)>;
    using B = std::decay_t<decltype(b)>;
    BinaryGradArgs<Map, A, B, Map> s{g, a, b, y};
    if (na.adj) add_to(na, R::da(s));
    if (nb.adj) add_to(nb, R::db(s));
  });
}

// Out of line, so that the 1x1 path of eager_binary is a small function of its own.
template <class R>
[[gnu::noinline]] Var binary_array(Tape& t, const Node& na, std::int32_t ia, const Node& nb,
                                   std::int32_t ib) {
  const Shape s = broadcast(R::name, {na.rows, na.cols}, {nb.rows, nb.cols});
  Map y = t.new_value(s.rows, s.cols);
  with_values(na, nb, s.rows, s.cols, [&](const auto& a, const auto& b) {
    using A = std::decay_t<decltype(a)>;
    using B = std::decay_t<decltype(b)>;
    y = R::forward(BinaryArgs<A, B>{a, b});
  });
  return record(t, R::name, y, &binary_backward<R>, ia, ib);
}

template <class R>
Var eager_binary(Var av, Var bv) {
  Tape& t = Tape::current();
  const std::int32_t ia = av.index(t, R::name);
  const std::int32_t ib = bv.index(t, R::name);
  const Node& na = t.node(ia);
  const Node& nb = t.node(ib);
  // A 1x1 result needs 1x1 operands (broadcasting never shrinks a dimension).
  if (na.rows != 1 || na.cols != 1 || nb.rows != 1 || nb.cols != 1) {
    return binary_array<R>(t, na, ia, nb, ib);
  }
  ScalarMap a(na.val), b(nb.val);
  Scalar y;
  y = R::forward(BinaryArgs<ScalarMap, ScalarMap>{a, b});
  return finish(t, t.record_scalar(R::name, y(0, 0), na.adj || nb.adj, &binary_backward_scalar<R>,
                                   ia, ib));
}

}  // namespace autodiff::detail
