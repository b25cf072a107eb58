// SPDX-License-Identifier: MIT
// Expressions: the one lazy mechanism. An element-wise op (+ - * /, exp, tanh, ...)
// with data (a Constant, an Eigen array) or an Expr among its operands, or on a
// Var wrapped in expr(v), does not record at once: it returns an Expr, a small tree
// of ops whose leaves are Vars (a Parameter, a Constant or an Eigen array becomes a
// leaf when the op is written), as Eigen's operators return expressions. Ops on
// Vars and Parameters alone record at once (detail::unary/binary below). The tree is recorded when it
// becomes a Var (assigned to one, or passed to any op that takes a Var):
//  - a single op, or a tree of 1x1 leaves (scalar code), records op by op;
//  - a tree of several ops whose leaves are all 1x1 or of one shape records ONE
//    node. Its value is one loop over the elements, with no intermediate array,
//    and its reverse rule sends the adjoint to each leaf through the ops' own
//    rules, composed at compile time into one Eigen loop per leaf;
//  - sum(expr) and mean(expr) record one 1x1 node and store nothing of the tree:
//    the job-duration loss sum(square(y - (t0 + t1 * x))) and its partial
//    derivatives are one pass over the data, as a hand-written gradient is.
// Anything else (broadcasting a row or a column, anomaly mode) records op by op,
// with the same results. An Expr remembers the Var it was recorded as, so one kept
// with `auto` and used twice is recorded once. See docs/design.md, "Expressions".
#pragma once

#include "detail/record.hpp"
#include "rules.hpp"
#include "tape.hpp"
#include "var.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <concepts>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

namespace autodiff {

template <class Tree>
class Expr;

Var sum(Var a);
Var mean(Var a);
f32::Var sum(f32::Var a);
f32::Var mean(f32::Var a);

namespace detail {
template <class T>
struct is_expr : std::false_type {};
template <class Tree>
struct is_expr<Expr<Tree>> : std::true_type {};
// The scalar type of an operand; no `type` for anything else.
template <class T>
struct scalar_of {};
template <class S>
struct scalar_of<BasicVar<S>> { using type = S; };
template <class S>
struct scalar_of<BasicParameter<S>> { using type = S; };
template <class S>
struct scalar_of<BasicConstant<S>> { using type = S; };
template <class Tree>
struct scalar_of<Expr<Tree>> { using type = typename Tree::Scalar; };
template <class T>
struct is_leaf_operand : std::false_type {};
template <class S>
struct is_leaf_operand<BasicVar<S>> : std::true_type {};
template <class S>
struct is_leaf_operand<BasicParameter<S>> : std::true_type {};
template <class S>
struct is_leaf_operand<BasicConstant<S>> : std::true_type {};
template <class T>
struct is_eager : std::false_type {};
template <class S>
struct is_eager<BasicVar<S>> : std::true_type {};
template <class S>
struct is_eager<BasicParameter<S>> : std::true_type {};
}  // namespace detail

// The scalar type (float or double) of a Var, Parameter, Constant or Expr.
template <class T>
using scalar_of_t = typename detail::scalar_of<T>::type;

// What an element-wise op takes: a Var, a Parameter, a Constant or an Expr, and on
// one side an Eigen array (copied onto the tape, in the other operand's scalar type)
// or a number.
template <class T>
concept Expression = detail::is_expr<T>::value;
template <class T>
concept Operand = detail::is_leaf_operand<T>::value || Expression<T>;
template <class T>
concept EigenDense = std::derived_from<T, Eigen::DenseBase<T>>;
// Eigen's own * on matrices is a matrix product, so a Matrix in an element-wise op
// would silently mean something else: only arrays take part (see the Matrix overloads
// in arithmetic.hpp, which refuse the rest at compile time).
template <class T>
concept EigenArray = std::derived_from<T, Eigen::ArrayBase<T>>;
template <class T>
concept EigenMatrix = std::derived_from<T, Eigen::MatrixBase<T>>;
// Vars and Parameters alone record at once: a 1x1 op is cheaper on its own than
// inside an expression, and scalar code is made of them.
template <class T>
concept Eager = detail::is_eager<T>::value;
// Two operands of one scalar type: float and double never mix (see MixedOperands).
template <class A, class B>
concept SameScalar = std::same_as<scalar_of_t<A>, scalar_of_t<B>>;
template <class A, class B>
concept BinaryOperands = (Operand<A> && Operand<B> && SameScalar<A, B>) || (Operand<A> && EigenArray<B>) ||
                         (EigenArray<A> && Operand<B>);
// Operands of two scalar types: the element-wise ops refuse them with a message
// that names the op (arithmetic.hpp, elementwise.hpp).
template <class A, class B>
concept MixedOperands = Operand<A> && Operand<B> && !SameScalar<A, B>;
template <class A, class B>
concept MatrixOperands = (Operand<A> && EigenMatrix<B>) || (EigenMatrix<A> && Operand<B>);
// For a constraint written as a template parameter: template <class A, Requires<Operand<A>> = 0>.
template <bool Condition>
using Requires = std::enable_if_t<Condition, int>;

namespace rules {

// d(a) = da: what expr(v) wraps a Var in, so that the ops written on it build a tree.
struct Identity {
  static constexpr const char* name = "expr";
  static constexpr auto forward = [](const auto& s) { return s.x; };
  static constexpr auto backward = [](const auto& s) { return s.g; };
};

}  // namespace rules

namespace detail {

template <class S>
using ChunkMap = Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>, Eigen::Aligned16>;
template <class S>
using ChunkOut = Eigen::Map<Eigen::Array<S, Eigen::Dynamic, 1>, Eigen::Aligned16>;

// ---- the tree. Leaves and constants are numbered left to right; a node's leaves
// are [L, L + kLeaves) and its constants [C, C + kConsts). value<L, C>(env) is the
// node's value as an Eigen expression over env's leaves; backprop<L, C>(env, g, y)
// sends the upstream adjoint g of the node (whose value is y) to its leaves.
// Each node knows its shape, so that an op with operands that do not broadcast
// throws when it is written, as a recorded op would; `scalar` says every leaf is
// 1x1. `done` is the Var a node was recorded as: in anomaly mode (DetectAnomaly)
// each op is recorded when written, so that the op that makes a NaN is named.

template <class S>
struct LeafNode {
  using Scalar = S;
  BasicVar<S> v;
  Shape shape;
  bool scalar = shape.rows == 1 && shape.cols == 1;
  static constexpr int kLeaves = 1, kConsts = 0, kOps = 0;

  BasicVar<S> record() const { return v; }
  template <int L, int C>
  void gather(std::int64_t* leaves, std::int64_t*, const BasicTape<S>& t, const char* op) const {
    leaves[L] = v.index(t, op);
  }
  template <int L, int C, class Env>
  static auto value(const Env& env) {
    return env.template leaf<L>();
  }
  template <int L, int C, class Env, class G, class Y>
  static void backprop(Env& env, const G& g, const Y&) {
    env.template accumulate<L>(g);
  }
};

template <class R, class X>
struct UnaryNode {
  using Scalar = typename X::Scalar;
  X x;
  double c;
  Shape shape = x.shape;
  bool scalar = x.scalar;
  BasicVar<Scalar> done = {};
  static constexpr int kLeaves = X::kLeaves, kConsts = X::kConsts + 1, kOps = X::kOps + 1;
  static constexpr const char* name = R::name;

  BasicVar<Scalar> record() const { return done.empty() ? eager_unary<R>(x.record(), c) : done; }
  template <int L, int C>
  void gather(std::int64_t* leaves, std::int64_t* consts, const BasicTape<Scalar>& t, const char*) const {
    x.template gather<L, C>(leaves, consts, t, R::name);
    consts[C + X::kConsts] = std::bit_cast<std::int64_t>(c);
  }
  template <int L, int C, class Env>
  static auto value(const Env& env) {
    const auto xv = X::template value<L, C>(env);
    return R::forward(UnaryArgs<std::remove_const_t<decltype(xv)>, Scalar>{xv, env.constant(C + X::kConsts)});
  }
  template <int L, int C, class Env, class G, class Y>
  static void backprop(Env& env, const G& g, const Y& y) {
    if (!env.grad(L, kLeaves)) return;
    const auto xv = X::template value<L, C>(env);
    using XV = std::remove_const_t<decltype(xv)>;
    X::template backprop<L, C>(
        env, R::backward(UnaryGradArgs<G, XV, Y, Scalar>{g, xv, y, env.constant(C + X::kConsts)}), xv);
  }
};

template <class R, class A, class B>
struct BinaryNode {
  using Scalar = typename A::Scalar;
  static_assert(std::is_same_v<Scalar, typename B::Scalar>);
  A a;
  B b;
  Shape shape = broadcast(R::name, a.shape, b.shape);
  bool scalar = a.scalar && b.scalar;
  BasicVar<Scalar> done = {};
  static constexpr int kLeaves = A::kLeaves + B::kLeaves, kConsts = A::kConsts + B::kConsts,
                       kOps = A::kOps + B::kOps + 1;
  static constexpr const char* name = R::name;

  BasicVar<Scalar> record() const {
    if (!done.empty()) return done;
    const BasicVar<Scalar> va = a.record();  // operands in order: the tape is evaluation order
    const BasicVar<Scalar> vb = b.record();
    return eager_binary<R>(va, vb);
  }
  template <int L, int C>
  void gather(std::int64_t* leaves, std::int64_t* consts, const BasicTape<Scalar>& t, const char*) const {
    a.template gather<L, C>(leaves, consts, t, R::name);
    b.template gather<L + A::kLeaves, C + A::kConsts>(leaves, consts, t, R::name);
  }
  template <int L, int C, class Env>
  static auto value(const Env& env) {
    const auto av = A::template value<L, C>(env);
    const auto bv = B::template value<L + A::kLeaves, C + A::kConsts>(env);
    using AV = std::remove_const_t<decltype(av)>;
    using BV = std::remove_const_t<decltype(bv)>;
    return R::forward(BinaryArgs<AV, BV>{av, bv});
  }
  template <int L, int C, class Env, class G, class Y>
  static void backprop(Env& env, const G& g, const Y& y) {
    constexpr int LB = L + A::kLeaves, CB = C + A::kConsts;
    const bool ga = env.grad(L, A::kLeaves), gb = env.grad(LB, B::kLeaves);
    if (!ga && !gb) return;
    const auto av = A::template value<L, C>(env);
    const auto bv = B::template value<LB, CB>(env);
    using AV = std::remove_const_t<decltype(av)>;
    using BV = std::remove_const_t<decltype(bv)>;
    const BinaryGradArgs<G, AV, BV, Y> s{g, av, bv, y};
    if (ga) A::template backprop<L, C>(env, R::da(s), av);
    if (gb) B::template backprop<LB, CB>(env, R::db(s), bv);
  }
};

// ---- where a recorded tree finds its leaves and constants: a run of integers in
// the tape's arena, [leaf node indices..., bits of the constants..., extras...].

// The reverse rule of a sum whose gradient goes only to 1x1 leaves, which kept its
// partial derivatives: n.ints = [count, (leaf, bits of d n / d leaf)...].
template <class S>
void partials_backward(BasicTape<S>& t, const BasicNode<S>& n) {
  const double g = n.adj[0];
  for (std::int64_t l = 0; l < n.ints[0]; ++l) {
    accumulate(t.node(std::int32_t(n.ints[1 + 2 * l])), 0, S(g * std::bit_cast<double>(n.ints[2 + 2 * l])));
  }
}

// Records a 1x1 node of value `value` whose reverse rule is partials_backward, with
// scale * d[l] as d node / d leaf for each leaf p[l] that takes a gradient.
template <class S, std::size_t K>
BasicVar<S> record_with_partials(BasicTape<S>& t, const char* op, S value, const std::int64_t* p,
                                 const std::array<S, K>& d, double scale) {
  std::array<std::int64_t, 1 + 2 * K> pairs;
  std::int64_t count = 0;
  for (std::size_t l = 0; l < K; ++l) {
    if (!t.node(std::int32_t(p[l])).adj) continue;
    pairs[std::size_t(1 + 2 * count)] = p[l];
    pairs[std::size_t(2 + 2 * count)] = std::bit_cast<std::int64_t>(scale * double(d[l]));
    ++count;
  }
  pairs[0] = count;
  const std::int64_t* stored = t.store_ints(pairs.data(), std::size_t(1 + 2 * count));
  const std::int32_t k = t.record_scalar(op, value, true, &partials_backward<S>, -1);
  t.node(k).ints = stored;
  return BasicVar<S>::from_node(t, k);
}

// A tree over arrays, run in chunks that stay in cache: each full leaf is read
// at the chunk's offset. On the job-duration loss, callgrind counted 14.6
// instructions an element with chunks of 1,024, 15.0 with 512, 15.7 with 256.
inline constexpr Index kExprChunk = 1024;

// A 1x1 leaf among a tree's first kOnesBits leaves is a constant in the chunk
// loops, held in a register as a hand-written loop holds theta: which of them are
// 1x1 is a template parameter (a bit a leaf), chosen at run time among 2^kOnesBits
// instantiations of the loops. A later 1x1 leaf is read from a chunk filled with
// its value (broadcast_chunk). Four leaves cover y - (a + b * x) and its kin.
inline constexpr int kOnesBits = 4;

// A chunk holding `value` `length` times, for the 1x1 leaf in position `slot` of a
// tree of `slots` leaves. The chunks are kept per thread; one that already holds
// the value is not filled again (a tree's backward reads what its forward filled).
template <class S>
const S* broadcast_chunk(std::size_t slot, std::size_t slots, S value, Index length) {
  struct Chunks {
    Eigen::Array<S, Eigen::Dynamic, 1> data;
    std::vector<S> value;
    std::vector<Index> length;
  };
  static thread_local Chunks chunks;
  if (chunks.value.size() < slots) {  // room for all the tree's leaves at once, so
    chunks.data.resize(Index(slots) * kExprChunk);  // earlier slots' pointers stay valid
    chunks.value.assign(slots, S(0));
    chunks.length.assign(slots, 0);  // the old values are gone: every chunk is empty
  }
  S* data = chunks.data.data() + Index(slot) * kExprChunk;
  using Bits = std::conditional_t<sizeof(S) == 8, std::uint64_t, std::uint32_t>;
  if (std::bit_cast<Bits>(chunks.value[slot]) != std::bit_cast<Bits>(value) || chunks.length[slot] < length) {
    ChunkOut<S>(data, length).setConstant(value);
    chunks.value[slot] = value;
    chunks.length[slot] = length;
  }
  return data;
}

enum class Pass { kForward, kBackward, kPartials };

// Ones: bit l set when leaf l (l < kOnesBits) is 1x1.
template <class S, int K, unsigned Ones>
struct ChunkEnv {
  static constexpr bool constant_leaf(int l) { return l < kOnesBits && ((Ones >> unsigned(l)) & 1U) != 0; }

  const std::int64_t* p;
  std::array<const S*, K> at{};  // this chunk of each leaf's value
  std::array<S*, K> adj{};       // this chunk of each leaf's adjoint; null: no gradient
  std::array<bool, K> one{};     // a 1x1 leaf: its contributions are summed
  std::array<bool, K> assign{};  // nothing was in the adjoint: write, do not add
  std::array<S, K> scalar{};     // a 1x1 leaf's value
  std::array<S, K> sums{};
  Index len = 0;

  template <int L>
  auto leaf() const {
    if constexpr (constant_leaf(L)) {
      return Eigen::Array<S, Eigen::Dynamic, 1>::Constant(len, scalar[L]);
    } else {
      return ChunkMap<S>(at[L], len);
    }
  }
  // Constants are kept as doubles (a node's c) and read in the values' type.
  S constant(int i) const { return S(std::bit_cast<double>(p[K + i])); }
  bool grad(int first, int count) const {
    for (int i = first; i < first + count; ++i) {
      if (adj[std::size_t(i)]) return true;
    }
    return false;
  }
  template <int L, class G>
  void accumulate(const G& g) {
    if (!adj[L]) return;
    if (one[L]) {
      sums[L] += g.sum();
    } else if (assign[L]) {
      ChunkOut<S>(adj[L], len) = g;
    } else {
      ChunkOut<S>(adj[L], len) += g;
    }
  }

  // Takes the 1x1 leaves' values. A backward pass also takes each leaf's fresh flag
  // (leaves in order, so a leaf used twice is written once, then added to); a pass
  // that sums partial derivatives only marks the leaves that take a gradient.
  void begin(BasicTape<S>& t, Index size, Pass pass) {
    for (std::size_t l = 0; l < std::size_t(K); ++l) {
      BasicNode<S>& o = t.node(std::int32_t(p[l]));
      one[l] = o.rows == 1 && o.cols == 1;
      if (one[l]) scalar[l] = o.val[0];
      if (one[l] && !constant_leaf(int(l))) {
        at[l] = broadcast_chunk(l, std::size_t(K), o.val[0], std::min(size, kExprChunk));
      }
      adj[l] = pass == Pass::kForward ? nullptr : o.adj;
      assign[l] = pass == Pass::kBackward && o.adj && !one[l] && take_fresh(o);
    }
  }
  void seek(BasicTape<S>& t, Index offset, Index length) {
    len = length;
    for (std::size_t l = 0; l < std::size_t(K); ++l) {
      if (one[l]) continue;
      const BasicNode<S>& o = t.node(std::int32_t(p[l]));
      at[l] = o.val + offset;
      if (adj[l]) adj[l] = o.adj + offset;
    }
  }
  // Adds the 1x1 leaves' summed contributions.
  void finish(BasicTape<S>& t) {
    for (std::size_t l = 0; l < std::size_t(K); ++l) {
      if (!one[l] || !adj[l]) continue;
      autodiff::accumulate(t.node(std::int32_t(p[l])), 0, sums[l]);
    }
  }
};

// Calls f(std::integral_constant<unsigned, ones>) with the run-time ones < 2^Bits.
template <int Bits, unsigned M = 0, class F>
decltype(auto) with_ones(unsigned ones, F&& f) {
  if constexpr (M + 1 == (1U << unsigned(Bits))) {
    return f(std::integral_constant<unsigned, M>{});
  } else {
    if (ones == M) return f(std::integral_constant<unsigned, M>{});
    return with_ones<Bits, M + 1>(ones, std::forward<F>(f));
  }
}

// Runs f(env, offset) on every chunk of a tree over `size` elements, and returns
// the 1x1 leaves' summed contributions (those of a kPartials pass: d sum / d leaf).
template <int K, class S, class F>
std::array<S, K> for_chunks(BasicTape<S>& t, const std::int64_t* p, Index size, Pass pass, F f) {
  constexpr int bits = std::min(K, kOnesBits);
  unsigned ones = 0;
  for (int l = 0; l < bits; ++l) {
    const BasicNode<S>& o = t.node(std::int32_t(p[l]));
    if (o.rows == 1 && o.cols == 1) ones |= 1U << unsigned(l);
  }
  return with_ones<bits>(ones, [&](auto mask) {
    ChunkEnv<S, K, decltype(mask)::value> env{p};
    env.begin(t, size, pass);
    for (Index offset = 0; offset < size; offset += kExprChunk) {
      env.seek(t, offset, std::min(kExprChunk, size - offset));
      f(env, offset);
    }
    if (pass == Pass::kBackward) env.finish(t);
    return env.sums;
  });
}

template <class E>
void tree_backward_array(BasicTape<typename E::Scalar>& t, const BasicNode<typename E::Scalar>& n) {
  using S = typename E::Scalar;
  for_chunks<E::kLeaves>(t, n.ints, n.size(), Pass::kBackward, [&](auto& env, Index offset) {
    E::template backprop<0, 0>(env, ChunkMap<S>(n.adj + offset, env.len),
                               ChunkMap<S>(n.val + offset, env.len));
  });
}

// A sum (or mean) of a tree; the payload ends with the tree's size and the scale.
template <class E>
void tree_sum_backward(BasicTape<typename E::Scalar>& t, const BasicNode<typename E::Scalar>& n) {
  using S = typename E::Scalar;
  constexpr int K = E::kLeaves, C = E::kConsts;
  const Index size = Index(n.ints[K + C]);
  const S g = S(double(n.adj[0]) * std::bit_cast<double>(n.ints[K + C + 1]));
  for_chunks<K>(t, n.ints, size, Pass::kBackward, [&](auto& env, Index) {
    E::template backprop<0, 0>(env, Eigen::Array<S, Eigen::Dynamic, 1>::Constant(env.len, g),
                               E::template value<0, 0>(env));
  });
}

// The shape a tree's leaves give, and whether it can be recorded as one node.
struct TreeShape {
  Index rows = 1, cols = 1;
  bool regular = true;  // every leaf is 1x1 or rows x cols
  bool grad = false;    // a leaf takes a gradient
};
template <class S>
TreeShape tree_shape(const BasicTape<S>& t, const std::int64_t* leaves, int count) {
  TreeShape s;
  bool full = false;
  for (int i = 0; i < count; ++i) {
    const BasicNode<S>& n = t.node(std::int32_t(leaves[i]));
    s.grad = s.grad || n.needs_grad();
    if (n.rows == 1 && n.cols == 1) continue;
    if (!full) {
      s.rows = n.rows;
      s.cols = n.cols;
      full = true;
    } else if (n.rows != s.rows || n.cols != s.cols) {
      s.regular = false;
    }
  }
  return s;
}

// Records tree e: one node when it can, else op by op.
template <class E>
BasicVar<typename E::Scalar> record_tree(const E& e) {
  using S = typename E::Scalar;
  if (!e.done.empty()) return e.done;
  if constexpr (E::kOps < 2) {
    return e.record();
  } else {
    // 1x1 values record op by op: a scalar op's own node is cheaper than a tree's.
    if (e.scalar) return e.record();
    constexpr int K = E::kLeaves, C = E::kConsts;
    BasicTape<S>& t = BasicTape<S>::current();
    std::array<std::int64_t, K + C> p;
    e.template gather<0, 0>(p.data(), p.data() + K, t, E::name);
    const TreeShape s = tree_shape(t, p.data(), K);
    if (!s.regular || t.anomaly_detection()) return e.record();
    const bool grad = s.grad && t.grad_enabled();
    BasicMap<S> y = t.new_value(s.rows, s.cols);
    for_chunks<K>(t, p.data(), y.size(), Pass::kForward, [&](const auto& env, Index offset) {
      ChunkOut<S>(y.data() + offset, env.len) = E::template value<0, 0>(env);
    });
    const std::int32_t k = t.record(E::name, y, grad, &tree_backward_array<E>);
    t.node(k).ints = grad ? t.store_ints(p.data(), p.size()) : nullptr;
    return BasicVar<S>::from_node(t, k);
  }
}

// sum(e), or mean(e): one 1x1 node, computed chunk by chunk; e's value is never stored.
template <class E>
BasicVar<typename E::Scalar> sum_tree(const E& e, bool mean) {
  using S = typename E::Scalar;
  constexpr int K = E::kLeaves, C = E::kConsts;
  const char* op = mean ? "mean" : "sum";
  if (!e.done.empty()) return mean ? autodiff::mean(e.done) : autodiff::sum(e.done);
  BasicTape<S>& t = BasicTape<S>::current();
  std::array<std::int64_t, K + C + 2> p;
  e.template gather<0, 0>(p.data(), p.data() + K, t, E::name);
  const TreeShape s = tree_shape(t, p.data(), K);
  if (!s.regular || t.anomaly_detection()) {
    const BasicVar<S> v = e.record();
    return mean ? autodiff::mean(v) : autodiff::sum(v);
  }
  const Index size = s.rows * s.cols;
  const double scale = mean ? 1.0 / double(size) : 1.0;
  S total = 0;
  const bool grad = s.grad && t.grad_enabled();
  // When only 1x1 leaves take a gradient (the job-duration loss), d sum / d leaf is
  // summed in the same pass as the value, while the chunk is in cache, and backward
  // only scales it: one pass over the data in all.
  bool partials = grad;
  for (int l = 0; l < K; ++l) {
    const BasicNode<S>& o = t.node(std::int32_t(p[std::size_t(l)]));
    if (o.adj && o.size() != 1) partials = false;
  }
  if (partials) {
    const std::array<S, K> d = for_chunks<K>(t, p.data(), size, Pass::kPartials, [&](auto& env, Index) {
      const auto y = E::template value<0, 0>(env);
      total += y.sum();
      E::template backprop<0, 0>(env, Eigen::Array<S, Eigen::Dynamic, 1>::Constant(env.len, S(1)), y);
    });
    return record_with_partials(t, op, S(total * scale), p.data(), d, scale);
  }
  for_chunks<K>(t, p.data(), size, Pass::kForward, [&](const auto& env, Index) {
    total += E::template value<0, 0>(env).sum();
  });
  p[K + C] = size;
  p[K + C + 1] = std::bit_cast<std::int64_t>(scale);
  const std::int64_t* stored = grad ? t.store_ints(p.data(), p.size()) : nullptr;
  const std::int32_t k = t.record_scalar(op, S(total * scale), grad, &tree_sum_backward<E>, -1);
  t.node(k).ints = stored;
  return BasicVar<S>::from_node(t, k);
}

// The tree of an operand of op: an Expr's own, or a leaf (checked now, so that a
// stale Var is reported by the op that uses it).
// The tree of an operand of op: an Expr's own, or a leaf (checked now, so that a
// stale Var is reported by the op that uses it). Eigen data becomes a leaf of S.
template <class S, class T>
auto to_tree(const T& x, const char* op, const BasicTape<S>& t) {
  if constexpr (Expression<T>) {
    return x.tree();
  } else {
    BasicVar<S> v;
    if constexpr (Operand<T>) {
      v = BasicVar<S>(x);
    } else {
      v = BasicVar<S>(BasicArray<S>(x.template cast<S>()));
    }
    const BasicNode<S>& n = t.node(v.index(t, op));
    return LeafNode<S>{v, {n.rows, n.cols}};
  }
}

template <class S, class Tree>
Expr<Tree> make_expr(const BasicTape<S>& t, Tree tree) {
  if (t.anomaly_detection()) [[unlikely]] tree.done = tree.record();
  return Expr<Tree>(std::move(tree));
}

template <class R, class X>
auto unary_expr(const X& x, double c = 0.0) {
  using S = scalar_of_t<X>;
  const BasicTape<S>& t = BasicTape<S>::current();
  using Tree = UnaryNode<R, decltype(to_tree(x, R::name, t))>;
  return make_expr(t, Tree{to_tree(x, R::name, t), c});
}

// The scalar type of a binary op: its operands' (an Eigen array takes the other's).
template <class A, class B>
using binary_scalar_t = typename std::conditional_t<Operand<A>, scalar_of<A>, scalar_of<B>>::type;

template <class R, class A, class B>
auto binary_expr(const A& a, const B& b) {
  using S = binary_scalar_t<A, B>;
  const BasicTape<S>& t = BasicTape<S>::current();
  using Tree = BinaryNode<R, decltype(to_tree(a, R::name, t)), decltype(to_tree(b, R::name, t))>;
  // Braces: a is converted (and recorded, if a Parameter) before b.
  return make_expr(t, Tree{to_tree(a, R::name, t), to_tree(b, R::name, t)});
}

// Each element-wise op is one line over these: its rule R, recorded at once on
// Vars and Parameters, an expression with data or an expression among the operands.
template <class R, class A>
auto unary(const A& a, double c = 0.0) {
  if constexpr (Eager<A>) {
    return eager_unary<R>(BasicVar<scalar_of_t<A>>(a), c);
  } else {
    return unary_expr<R>(a, c);
  }
}
template <class R, class A, class B>
auto binary(const A& a, const B& b) {
  if constexpr (Eager<A> && Eager<B>) {
    static_assert(SameScalar<A, B>, "descent: the operands of an element-wise op have different scalar "
                                    "types (float and double); a model's Vars, Parameters and Constants share one type");
    using V = BasicVar<scalar_of_t<A>>;
    const V va(a);  // in order: the tape is evaluation order
    return eager_binary<R>(va, V(b));
  } else {
    return binary_expr<R>(a, b);
  }
}

}  // namespace detail

// The result of an element-wise op, recorded when it becomes a Var. The members
// below record it and forward to Var's; there is no grad(): take a Var first
// (`Var z = a * b;`), so that backward reaches the node you ask about.
template <class Tree>
class Expr {
 public:
  using Scalar = typename Tree::Scalar;
  using Var = BasicVar<Scalar>;
  explicit Expr(Tree tree) : tree_(std::move(tree)) {}

  // Recorded once: later conversions (and trees built on this Expr) reuse the Var.
  operator Var() const {  // NOLINT(google-explicit-constructor)
    if (tree_.done.empty()) tree_.done = detail::record_tree(tree_);
    return tree_.done;
  }
  Var eval() const { return Var(*this); }

  Index rows() const { return Var(*this).rows(); }
  Index cols() const { return Var(*this).cols(); }
  Index size() const { return Var(*this).size(); }
  bool is_scalar() const { return Var(*this).is_scalar(); }
  bool requires_grad() const { return Var(*this).requires_grad(); }
  BasicConstMap<Scalar> value() const { return Var(*this).value(); }
  Scalar item() const { return Var(*this).item(); }
  void backward() const { Var(*this).backward(); }
  Var operator()(Index i, Index j) const { return Var(*this)(i, j); }
  Var operator()(Index i) const { return Var(*this)(i); }

  const Tree& tree() const { return tree_; }

 private:
  mutable Tree tree_;
};

// v as an expression, so that the element-wise ops written on it build one node
// (and sum or mean of them one pass) as they do with data among the operands:
// sum(square(y - (a + b * expr(x)))) with x, y, a, b Vars.
template <class T, Requires<Eager<T>> = 0>
auto expr(const T& v) {
  return detail::unary_expr<rules::Identity>(v);
}

// sum and mean of an expression record one node (see above).
template <Expression E>
auto sum(const E& e) {
  return detail::sum_tree(e.tree(), false);
}
template <Expression E>
auto mean(const E& e) {
  return detail::sum_tree(e.tree(), true);
}

}  // namespace autodiff
