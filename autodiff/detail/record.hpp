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

#include <array>
#include <string>
#include <type_traits>

namespace autodiff::detail {

template <class S>
using ScalarArray = Eigen::Array<S, 1, 1>;
template <class S>
using ScalarMap = Eigen::Map<ScalarArray<S>>;

// The names an op's body uses, for its scalar type S: `DESCENT_SCALAR_TYPES(S);`
// first in an op template, so that the body reads as it would for one type.
#define DESCENT_SCALAR_TYPES(S)                                        \
  using Tape [[maybe_unused]] = ::autodiff::BasicTape<S>;             \
  using Node [[maybe_unused]] = ::autodiff::BasicNode<S>;             \
  using Var [[maybe_unused]] = ::autodiff::BasicVar<S>;               \
  using Array [[maybe_unused]] = ::autodiff::BasicArray<S>;           \
  using Map [[maybe_unused]] = ::autodiff::BasicMap<S>;               \
  using ConstMap [[maybe_unused]] = ::autodiff::BasicConstMap<S>;     \
  using BackwardFn [[maybe_unused]] = ::autodiff::BasicBackwardFn<S>

// "3x2", for error messages.
template <class S>
std::string shape(const BasicNode<S>& n) { return std::to_string(n.rows) + "x" + std::to_string(n.cols); }

// Wraps a freshly recorded node; in anomaly mode, checks its value first.
template <class S>
BasicVar<S> finish(BasicTape<S>& t, std::int32_t k) {
  if (t.anomaly_detection()) [[unlikely]] check_value(t.node(k));
  return BasicVar<S>::from_node(t, k);
}

// Records the node owning `value` (from Tape::new_value) over operands a (and b).
template <class S>
BasicVar<S> record(BasicTape<S>& t, const char* op, const BasicMap<S>& value,
                   std::type_identity_t<BasicBackwardFn<S>> backward, std::int32_t a, std::int32_t b = -1) {
  const bool grad = t.node(a).adj || (b >= 0 && t.node(b).adj);
  return finish(t, t.record(op, value, grad, backward, a, b));
}

// True, once, when nothing has been added to target's adjoint in this sweep.
template <class S>
bool take_fresh(BasicNode<S>& target) {
  const bool fresh = target.fresh;
  target.fresh = false;
  return fresh;
}

// n's value repeated to rows x cols (n's dimensions are 1 or theirs), written out
// column by column into the calling thread's scratch buffer `slot` (0 or 1), which
// only grows, so that ops of alternating sizes allocate nothing. Eigen's replicate()
// of a dynamic-size array divides per element and does not vectorize: a bias added
// to a 128 x 128 batch that way cost ten times the add itself.
template <class S>
BasicMap<S> stretch(const BasicNode<S>& n, Index rows, Index cols, int slot) {
  static thread_local std::array<Eigen::Array<S, Eigen::Dynamic, 1>, 2> scratch;
  Eigen::Array<S, Eigen::Dynamic, 1>& buffer = scratch[std::size_t(slot)];
  if (buffer.size() < rows * cols) buffer.resize(rows * cols);
  BasicMap<S> out(buffer.data(), rows, cols);
  const BasicMap<S> v = n.value();
  for (Index j = 0; j < cols; ++j) {
    const Index from = n.cols == cols ? j : 0;
    if (n.rows == rows) {
      out.col(j) = v.col(from);
    } else {
      out.col(j).setConstant(v(0, from));
    }
  }
  return out;
}

// target.adj += g, summing g (of the result's shape) over the dimensions that were
// stretched when target was broadcast. The first contribution of a sweep assigns,
// so backward needs no pass that zeroes the adjoints first.
template <class S, class G>
void add_to(BasicNode<S>& target, const G& g) {
  BasicMap<S> adj = target.grad();
  const bool fresh = take_fresh(target);
  if (adj.rows() == g.rows() && adj.cols() == g.cols()) {
    if (fresh) adj = g; else adj += g;
  } else if (adj.size() == 1) {
    adj(0, 0) = (fresh ? S(0) : adj(0, 0)) + g.sum();
  } else if (adj.rows() == 1) {
    if (fresh) adj = g.colwise().sum(); else adj += g.colwise().sum();
  } else {
    if (fresh) adj = g.rowwise().sum(); else adj += g.rowwise().sum();
  }
}

// For rules that add into part of an adjoint (an element, a block, scattered rows):
// the adjoint, zeroed first if nothing was added to it yet.
template <class S>
BasicMap<S> zeroed_grad(BasicNode<S>& target) {
  if (take_fresh(target)) target.grad().setZero();
  return target.grad();
}

// Calls f with each operand's value in the result's shape (rows x cols): the
// array itself, a plain number for a 1x1 operand, or a stretched copy (stretch).
template <class S, class F>
void with_values(const BasicNode<S>& a, const BasicNode<S>& b, Index rows, Index cols, F f) {
  const bool a_full = a.rows == rows && a.cols == cols;
  const bool b_full = b.rows == rows && b.cols == cols;
  if (a_full && b.size() == 1 && !b_full) {
    f(a.value(), b.val[0]);
  } else if (b_full && a.size() == 1 && !a_full) {
    f(a.val[0], b.value());
  } else {
    f(a_full ? a.value() : stretch(a, rows, cols, 0), b_full ? b.value() : stretch(b, rows, cols, 1));
  }
}

// ---- a rule recorded as its own node: the 1x1 path is plain scalar code, with
// its reverse rule chosen when it is recorded (no shape tests in backward).

template <class R, class S>
void unary_backward_scalar(BasicTape<S>& t, const BasicNode<S>& n) {
  using SM = ScalarMap<S>;
  BasicNode<S>& a = t.node(n.a);
  if (!a.adj) return;
  SM g(n.adj), x(a.val), y(n.val);
  accumulate(a, 0, R::backward(UnaryGradArgs<SM, SM, SM, S>{g, x, y, S(n.c)})(0, 0));
}

template <class R, class S>
void unary_backward(BasicTape<S>& t, const BasicNode<S>& n) {
  using Map = BasicMap<S>;
  BasicNode<S>& a = t.node(n.a);
  if (!a.adj) return;
  Map g = n.grad(), x = a.value(), y = n.value();
  add_to(a, R::backward(UnaryGradArgs<Map, Map, Map, S>{g, x, y, S(n.c)}));
}

// Out of line, so that the 1x1 path of eager_unary is a small function of its own.
template <class R, class S>
[[gnu::noinline]] BasicVar<S> unary_array(BasicTape<S>& t, const BasicNode<S>& a, std::int32_t ia, double c) {
  using Map = BasicMap<S>;
  Map y = t.new_value(a.rows, a.cols);
  Map x = a.value();
  y = R::forward(UnaryArgs<Map, S>{x, S(c)});
  const std::int32_t k = t.record(R::name, y, a.adj, &unary_backward<R, S>, ia);
  t.node(k).c = c;
  return finish(t, k);
}

// A 1x1 operand of a 1x1 op: its value, and the adjoint its ScalarEntry adds
// into (nullptr when it takes no gradient; see take() for a node's).
template <class S>
struct ScalarOperand {
  S val;
  S* adj;
  BasicNode<S>* node;  // when it is a node
  // The adjoint to add into, made ready (Tape::scalar_target) once the op is sure to use it.
  S* take(BasicTape<S>& t) const { return node && adj ? t.scalar_target(*node) : adj; }
};

// Reads Var v of tape t, unchecked, as a 1x1 operand; false when it is a larger node.
template <class S>
[[gnu::always_inline]] inline bool operand_of(BasicTape<S>& t, BasicVar<S> v, ScalarOperand<S>& out) {
  if (!v.is_node()) [[likely]] {
    BasicScalarEntry<S>* e = v.entry_address();
    out = {e->val, t.needs_grad(*e) ? &e->adj : nullptr, nullptr};
    return true;
  }
  BasicNode<S>& n = v.node(t);
  if (n.rows != 1 || n.cols != 1) return false;
  out = {n.val[0], n.adj, &n};
  return true;
}

// Reads Var v as a 1x1 operand of op (throwing if it is stale); false when it is a larger node.
template <class S>
inline bool scalar_operand(BasicTape<S>& t, BasicVar<S> v, const char* op, ScalarOperand<S>& out) {
  v.entry(t, op);  // throws when it is stale
  return operand_of(t, v, out);
}

// A rule applied to 1x1 Vars, recorded as a node: in anomaly mode, which names the op.
template <class R, class S>
[[gnu::noinline]] BasicVar<S> unary_node(BasicTape<S>& t, BasicVar<S> av, double c) {
  const std::int32_t ia = av.index(t, R::name);
  const BasicNode<S>& a = t.node(ia);
  if (a.rows != 1 || a.cols != 1) return unary_array<R>(t, a, ia, c);
  ScalarMap<S> x(a.val);
  ScalarArray<S> y;
  y = R::forward(UnaryArgs<ScalarMap<S>, S>{x, S(c)});
  return finish(t, t.record_scalar(R::name, y(0, 0), a.adj, &unary_backward_scalar<R, S>, ia, -1, c));
}

// The ScalarEntry of rule R on 1x1 operand a: the rule's forward and backward
// both run now, with g = 1, which gives the partial derivative. The caller made
// sure there is room; grad is false under NoGrad (the fast path runs only without).
template <class R, class S>
[[gnu::always_inline]] inline BasicVar<S> unary_entry(BasicTape<S>& t, const ScalarOperand<S>& a, double c,
                                                      bool grad) {
  using Scalar = ScalarArray<S>;
  const Scalar x = Scalar::Constant(a.val), one = Scalar::Constant(S(1));
  const Scalar y = R::forward(UnaryArgs<Scalar, S>{x, S(c)});
  if (!a.adj || !grad) {
    return BasicVar<S>::from_scalar(t, t.emplace_scalar_entry(y(0, 0), t.sink(), S(0), t.sink(), S(0)));
  }
  const S d = R::backward(UnaryGradArgs<Scalar, Scalar, Scalar, S>{one, x, y, S(c)})(0, 0);
  return BasicVar<S>::from_scalar(t, t.emplace_scalar_entry(y(0, 0), a.take(t), d, t.sink(), S(0)));
}

// A Var as a 1x1 operand, for the fast path: false when it is stale (the slow
// path throws), larger than 1x1, or a node whose adjoint is not ready for entries
// to add into (the slow path makes it so: ScalarOperand::take).
template <class S>
[[gnu::always_inline]] inline bool fast_operand(BasicTape<S>& t, BasicVar<S> v, ScalarOperand<S>& out) {
  if (!v.try_entry(t)) [[unlikely]] return false;
  if (!v.is_node()) [[likely]] {
    BasicScalarEntry<S>* e = v.entry_address();
    out = {e->val, t.needs_grad(*e) ? &e->adj : nullptr, nullptr};
    return true;
  }
  const BasicNode<S>& n = v.node(t);
  if (!n.scalar_ready) return false;
  out = {n.val[0], n.adj, nullptr};
  return true;
}

// Whatever the fast path leaves: a thread's first op, a stale Var (which throws
// here, naming the op), NoGrad, anomaly mode, a full block of entries, larger
// operands, a 1x1 node used by an entry for the first time.
template <class R, class S>
[[gnu::noinline]] BasicVar<S> unary_slow(BasicVar<S> av, double c) {
  BasicTape<S>& t = BasicTape<S>::current();
  ScalarOperand<S> a;
  if (!scalar_operand(t, av, R::name, a) || t.anomaly_detection()) return unary_node<R>(t, av, c);
  t.reserve_scalar_entry();
  return unary_entry<R>(t, a, c, t.grad_enabled());
}

// On 1x1 Vars a rule records a ScalarEntry, in a path with no call and no
// frame; the rest goes to unary_slow.
template <class R, class S>
BasicVar<S> eager_unary(BasicVar<S> av, double c = 0.0) {
  BasicTape<S>* t = BasicTape<S>::current_if_made();
  ScalarOperand<S> a;
  if (!t || !t->scalar_fast_path() || !fast_operand(*t, av, a)) [[unlikely]] return unary_slow<R>(av, c);
  return unary_entry<R>(*t, a, c, true);
}

template <class R, class S>
void binary_backward_scalar(BasicTape<S>& t, const BasicNode<S>& n) {
  using SM = ScalarMap<S>;
  BasicNode<S>& na = t.node(n.a);
  BasicNode<S>& nb = t.node(n.b);
  SM g(n.adj), a(na.val), b(nb.val), y(n.val);
  BinaryGradArgs<SM, SM, SM, SM> s{g, a, b, y};
  // Both contributions are computed before either is written: a and b may be one node.
  const S da = na.adj ? S(R::da(s)(0, 0)) : S(0);
  const S db = nb.adj ? S(R::db(s)(0, 0)) : S(0);
  if (na.adj) accumulate(na, 0, da);
  if (nb.adj) accumulate(nb, 0, db);
}

template <class R, class S>
void binary_backward(BasicTape<S>& t, const BasicNode<S>& n) {
  using Map = BasicMap<S>;
  BasicNode<S>& na = t.node(n.a);
  BasicNode<S>& nb = t.node(n.b);
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
template <class R, class S>
[[gnu::noinline]] BasicVar<S> binary_array(BasicTape<S>& t, const BasicNode<S>& na, std::int32_t ia,
                                           const BasicNode<S>& nb, std::int32_t ib) {
  const Shape s = broadcast(R::name, {na.rows, na.cols}, {nb.rows, nb.cols});
  BasicMap<S> y = t.new_value(s.rows, s.cols);
  with_values(na, nb, s.rows, s.cols, [&](const auto& a, const auto& b) {
    using A = std::decay_t<decltype(a)>;
    using B = std::decay_t<decltype(b)>;
    y = R::forward(BinaryArgs<A, B>{a, b});
  });
  return record(t, R::name, y, &binary_backward<R, S>, ia, ib);
}

// A rule applied to Vars recorded as a node: arrays, and 1x1 values in anomaly mode.
template <class R, class S>
[[gnu::noinline]] BasicVar<S> binary_node(BasicTape<S>& t, BasicVar<S> av, BasicVar<S> bv) {
  const std::int32_t ia = av.index(t, R::name);
  const std::int32_t ib = bv.index(t, R::name);
  const BasicNode<S>& na = t.node(ia);
  const BasicNode<S>& nb = t.node(ib);
  // A 1x1 result needs 1x1 operands (broadcasting never shrinks a dimension).
  if (na.rows != 1 || na.cols != 1 || nb.rows != 1 || nb.cols != 1) {
    return binary_array<R>(t, na, ia, nb, ib);
  }
  ScalarMap<S> a(na.val), b(nb.val);
  ScalarArray<S> y;
  y = R::forward(BinaryArgs<ScalarMap<S>, ScalarMap<S>>{a, b});
  return finish(t, t.record_scalar(R::name, y(0, 0), na.adj || nb.adj, &binary_backward_scalar<R, S>,
                                   ia, ib));
}

template <class R, class S>
[[gnu::always_inline]] inline BasicVar<S> binary_entry(BasicTape<S>& t, const ScalarOperand<S>& a,
                                                       const ScalarOperand<S>& b, bool grad) {
  using Scalar = ScalarArray<S>;
  using Var = BasicVar<S>;
  const Scalar x = Scalar::Constant(a.val), z = Scalar::Constant(b.val), one = Scalar::Constant(S(1));
  const Scalar y = R::forward(BinaryArgs<Scalar, Scalar>{x, z});
  if ((!a.adj && !b.adj) || !grad) {
    return Var::from_scalar(t, t.emplace_scalar_entry(y(0, 0), t.sink(), S(0), t.sink(), S(0)));
  }
  const BinaryGradArgs<Scalar, Scalar, Scalar, Scalar> s{one, x, z, y};
  const S da = a.adj ? S(R::da(s)(0, 0)) : S(0);
  const S db = b.adj ? S(R::db(s)(0, 0)) : S(0);
  // The operand that takes a gradient goes first: to_a is the sink only for an entry without one.
  if (!a.adj) return Var::from_scalar(t, t.emplace_scalar_entry(y(0, 0), b.take(t), db, t.sink(), S(0)));
  return Var::from_scalar(t, t.emplace_scalar_entry(y(0, 0), a.take(t), da, b.adj ? b.take(t) : t.sink(), db));
}

template <class R, class S>
[[gnu::noinline]] BasicVar<S> binary_slow(BasicVar<S> av, BasicVar<S> bv) {
  BasicTape<S>& t = BasicTape<S>::current();
  ScalarOperand<S> a{}, b{};  // initialised: GCC cannot see that a false read returns first
  // Both are read (and checked) before either is tested, so that a stale b is reported.
  const bool a1 = scalar_operand(t, av, R::name, a);
  const bool b1 = scalar_operand(t, bv, R::name, b);
  if (!a1 || !b1 || t.anomaly_detection()) return binary_node<R>(t, av, bv);
  t.reserve_scalar_entry();
  return binary_entry<R>(t, a, b, t.grad_enabled());
}

template <class R, class S>
BasicVar<S> eager_binary(BasicVar<S> av, BasicVar<S> bv) {
  BasicTape<S>* t = BasicTape<S>::current_if_made();
  ScalarOperand<S> a, b;
  if (!t || !t->scalar_fast_path() || !fast_operand(*t, av, a) || !fast_operand(*t, bv, b)) [[unlikely]] {
    return binary_slow<R>(av, bv);
  }
  return binary_entry<R>(*t, a, b, true);
}

}  // namespace autodiff::detail
