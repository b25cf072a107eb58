// SPDX-License-Identifier: MIT
// Internal helpers for op implementations: check operands, record a node,
// evaluate an element-wise rule on whole arrays, stretch broadcast operands and
// sum adjoints back to an operand's shape. An element-wise op is a rule (its
// forward value and adjoint lambdas, in arithmetic.hpp or elementwise.hpp);
// unary() and binary() record it as one node:
//
//   // d(exp a) = exp(a) da
//   struct Exp {
//     static constexpr const char* name = "exp";
//     static constexpr auto forward = [](const auto& s) { return s.x.exp(); };
//     static constexpr auto backward = [](const auto& s) { return s.g * s.y; };
//   };
//
// Rules are written once over Eigen arrays; 1x1 nodes run them on fixed-size
// 1x1 maps, which the compiler reduces to plain scalar code.
#pragma once

#include "fusion.hpp"
#include "../error.hpp"
#include "../expr.hpp"
#include "../tape.hpp"
#include "../var.hpp"

#include <fmt/format.h>

#include <string>
#include <type_traits>

namespace autodiff::detail {

inline std::string shape(const Node& n) { return fmt::format("{}x{}", n.rows, n.cols); }

// Wraps a freshly computed node; in anomaly mode, checks its value first.
inline Var finish(Tape& t, std::int32_t k) {
  if (t.anomaly_detection()) check_value(t.node(k));
  return Var::from_node(t, k);
}

// Records a node of the given shape over operands a (and b); it needs a gradient
// when an operand does. Afterwards, look nodes up again: push may move them.
inline std::int32_t push(Tape& t, const char* op, Index rows, Index cols, BackwardFn backward,
                         std::int32_t a, std::int32_t b = -1) {
  const bool grad = t.node(a).needs_grad() || (b >= 0 && t.node(b).needs_grad());
  return t.push(op, rows, cols, grad, backward, a, b);
}

// NumPy's broadcasting rule for one dimension.
inline Index broadcast_dim(const char* op, const Node& a, const Node& b, Index x, Index y) {
  if (x == y || y == 1) return x;
  if (x == 1) return y;
  throw ShapeError(fmt::format("{}: cannot broadcast shapes {} and {}", op, shape(a), shape(b)));
}

// A view of n's value repeated to rows x cols (n's dimensions divide them).
inline auto stretch(const Node& n, Index rows, Index cols) {
  return n.value().replicate(rows / n.rows, cols / n.cols);
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

// ---- fusion (fusion.hpp): lazy nodes and the chunk kernels built from an op's rules

// A region's nodes are recomputed for every chunk, in forward and in backward;
// past this many, a lazy operand is materialized and the chain starts afresh.
constexpr std::int32_t kMaxRegion = 32;

// Records a lazy node over operands a (and b), which fusible_operand accepts.
inline std::int32_t push_lazy(Tape& t, const char* op, Index rows, Index cols,
                              const ChunkKernel* kernel, std::int32_t a, std::int32_t b = -1) {
  std::int32_t region = 1;
  for (std::int32_t o : {a, b}) {
    if (o >= 0 && t.node(o).lazy) region += t.node(o).region;
  }
  if (region > kMaxRegion) {
    for (std::int32_t o : {a, b}) {
      if (o >= 0 && t.node(o).lazy) materialize(t, o);
    }
    region = 1;
  }
  const bool grad = t.node(a).needs_grad() || (b >= 0 && t.node(b).needs_grad());
  return t.push_lazy(op, rows, cols, grad, kernel, a, b, std::uint16_t(region));
}

// The reverse rule of a 1x1 node, chosen when it is recorded: no shape tests.
template <class Bwd>
void unary_backward_scalar(Tape& t, const Node& n) {
  Node& a = t.node(n.a);
  if (!a.adj) return;
  ScalarMap g(n.adj), x(a.val), y(n.val);
  const double d = Bwd{}(UnaryGradArgs<ScalarMap, ScalarMap, ScalarMap>{g, x, y, n.c})(0, 0);
  a.adj[0] = take_fresh(a) ? d : a.adj[0] + d;
}

template <class Bwd>
void unary_backward(Tape& t, const Node& n) {
  Node& a = t.node(n.a);
  if (!a.adj) return;
  Map g = n.grad(), x = a.value(), y = n.value();
  add_to(a, Bwd{}(UnaryGradArgs<Map, Map, Map>{g, x, y, n.c}));
}

// A fused one-operand op reads its constant c from a 1x1 operand b, so that Node::c
// stays free for the kernel pointer.
template <class Fwd>
void unary_chunk_forward(const Node&, Operand a, Operand c, double* y, Index len) {
  const ChunkMap x(a.p, len);
  ChunkOut(y, len) = Fwd{}(UnaryArgs<ChunkMap>{x, *c.p});
}

template <class Bwd>
void unary_chunk_backward(const Node&, const double* g, Operand a, Operand c, const double* y,
                          double* da, double*, Index len) {
  const ChunkMap gm(g, len), x(a.p, len), ym(y, len);
  ChunkOut(da, len) = Bwd{}(UnaryGradArgs<ChunkMap, ChunkMap, ChunkMap>{gm, x, ym, *c.p});
}

template <class Fwd, class Bwd>
inline constexpr ChunkKernel unary_kernel{&unary_chunk_forward<Fwd>, &unary_chunk_backward<Bwd>};

// Out of line, so that the 1x1 path of unary() is a small function of its own.
template <class Fwd, class Bwd>
[[gnu::noinline]] Var unary_array(Tape& t, const char* op, std::int32_t ia, double c) {
  {
    const Node& a = t.node(ia);
    if (fusion_on(t, a.rows, a.cols) && fusible_operand(a, a.rows, a.cols)) {
      const Index rows = a.rows, cols = a.cols;
      const std::int32_t ic = t.push_scalar("constant", c, false, nullptr, -1);
      return Var::from_node(t, push_lazy(t, op, rows, cols, &unary_kernel<Fwd, Bwd>, ia, ic));
    }
    if (a.lazy) materialize(t, ia);
  }
  const Node& a0 = t.node(ia);
  const std::int32_t k =
      t.push(op, a0.rows, a0.cols, a0.needs_grad(), &unary_backward<Bwd>, ia);
  Node& n = t.node(k);  // push may have moved the nodes: look them up again
  const Node& a = t.node(ia);
  n.c = c;
  Map x = a.value(), y = n.value();
  y = Fwd{}(UnaryArgs<Map>{x, c});
  return finish(t, k);
}

template <class Fwd, class Bwd>
Var unary(const char* op, const Var& av, Fwd, Bwd, double c = 0.0) {
  Tape& t = Tape::current();
  const std::int32_t ia = av.index_lazy(t, op);  // a lazy node is never 1x1
  const Node& a = t.node(ia);
  if (a.rows != 1 || a.cols != 1) return unary_array<Fwd, Bwd>(t, op, ia, c);
  // The value is computed before the push: a's storage does not move, its node might.
  ScalarMap x(a.val);
  Scalar y;
  y = Fwd{}(UnaryArgs<ScalarMap>{x, c});
  return finish(t, t.push_scalar(op, y(0, 0), a.needs_grad(), &unary_backward_scalar<Bwd>, ia,
                                 -1, c));
}

template <class DA, class DB, class G, class A, class B, class Y>
void binary_add_to(Node& na, Node& nb, const G& g, const A& a, const B& b, const Y& y) {
  BinaryGradArgs<G, A, B, Y> s{g, a, b, y};
  if (na.adj) add_to(na, DA{}(s));
  if (nb.adj) add_to(nb, DB{}(s));
}

// The reverse rule of a 1x1 node (both operands are then 1x1), chosen when it is recorded.
template <class DA, class DB>
void binary_backward_scalar(Tape& t, const Node& n) {
  Node& na = t.node(n.a);
  Node& nb = t.node(n.b);
  ScalarMap g(n.adj), a(na.val), b(nb.val), y(n.val);
  BinaryGradArgs<ScalarMap, ScalarMap, ScalarMap, ScalarMap> s{g, a, b, y};
  // Both contributions are computed before either is written: a and b may be one node.
  const double da = na.adj ? DA{}(s)(0, 0) : 0.0;
  const double db = nb.adj ? DB{}(s)(0, 0) : 0.0;
  if (na.adj) na.adj[0] = take_fresh(na) ? da : na.adj[0] + da;
  if (nb.adj) nb.adj[0] = take_fresh(nb) ? db : nb.adj[0] + db;
}

template <class DA, class DB>
void binary_backward(Tape& t, const Node& n) {
  Node& na = t.node(n.a);
  Node& nb = t.node(n.b);
  Map g = n.grad(), y = n.value();
  const bool a_full = na.rows == n.rows && na.cols == n.cols;
  const bool b_full = nb.rows == n.rows && nb.cols == n.cols;
  if (a_full && b_full) {
    binary_add_to<DA, DB>(na, nb, g, na.value(), nb.value(), y);
  } else if (a_full && nb.size() == 1) {
    binary_add_to<DA, DB>(na, nb, g, na.value(), nb.val[0], y);
  } else if (b_full && na.size() == 1) {
    binary_add_to<DA, DB>(na, nb, g, na.val[0], nb.value(), y);
  } else {
    binary_add_to<DA, DB>(na, nb, g, stretch(na, n.rows, n.cols), stretch(nb, n.rows, n.cols), y);
  }
}

// Calls f with each operand as a chunk map, or as a double when it is 1x1.
template <class F>
void with_operands(Operand a, Operand b, Index len, F f) {
  if (a.scalar) {
    f(*a.p, ChunkMap(b.p, len));
  } else if (b.scalar) {
    f(ChunkMap(a.p, len), *b.p);
  } else {
    f(ChunkMap(a.p, len), ChunkMap(b.p, len));
  }
}

template <class Fwd>
void binary_chunk_forward(const Node&, Operand a, Operand b, double* y, Index len) {
  with_operands(a, b, len, [&](const auto& am, const auto& bm) {
    using A = std::decay_t<decltype(am)>;
    using B = std::decay_t<decltype(bm)>;
    ChunkOut(y, len) = Fwd{}(BinaryArgs<A, B>{am, bm});
  });
}

template <class DA, class DB>
void binary_chunk_backward(const Node&, const double* g, Operand a, Operand b, const double* y,
                           double* da, double* db, Index len) {
  const ChunkMap gm(g, len), ym(y, len);
  with_operands(a, b, len, [&](const auto& am, const auto& bm) {
    using A = std::decay_t<decltype(am)>;
    using B = std::decay_t<decltype(bm)>;
    BinaryGradArgs<ChunkMap, A, B, ChunkMap> s{gm, am, bm, ym};
    if (da && a.scalar) {
      *da = DA{}(s).sum();
    } else if (da) {
      ChunkOut(da, len) = DA{}(s);
    }
    if (db && b.scalar) {
      *db = DB{}(s).sum();
    } else if (db) {
      ChunkOut(db, len) = DB{}(s);
    }
  });
}

template <class Fwd, class DA, class DB>
inline constexpr ChunkKernel binary_kernel{&binary_chunk_forward<Fwd>,
                                           &binary_chunk_backward<DA, DB>};

// Out of line, so that the 1x1 path of binary() is a small function of its own.
template <class Fwd, class DA, class DB>
[[gnu::noinline]] Var binary_array(Tape& t, const char* op, std::int32_t ia, std::int32_t ib) {
  Index rows, cols;
  {
    const Node& a = t.node(ia);
    const Node& b = t.node(ib);
    rows = broadcast_dim(op, a, b, a.rows, b.rows);
    cols = broadcast_dim(op, a, b, a.cols, b.cols);
    if (fusion_on(t, rows, cols) && fusible_operand(a, rows, cols) && fusible_operand(b, rows, cols)) {
      return Var::from_node(t, push_lazy(t, op, rows, cols, &binary_kernel<Fwd, DA, DB>, ia, ib));
    }
    if (a.lazy) materialize(t, ia);
    if (b.lazy) materialize(t, ib);
  }
  const Node& a0 = t.node(ia);
  const Node& b0 = t.node(ib);
  const std::int32_t k = t.push(op, rows, cols, a0.needs_grad() || b0.needs_grad(),
                                &binary_backward<DA, DB>, ia, ib);
  const Node& n = t.node(k);
  const Node& na = t.node(ia);
  const Node& nb = t.node(ib);
  Map y = n.value();
  const bool a_full = na.rows == rows && na.cols == cols;
  const bool b_full = nb.rows == rows && nb.cols == cols;
  auto eval = [&](const auto& a, const auto& b) {
    using A = std::decay_t<decltype(a)>;
    using B = std::decay_t<decltype(b)>;
    y = Fwd{}(BinaryArgs<A, B>{a, b});
  };
  if (a_full && b_full) {
    eval(na.value(), nb.value());
  } else if (a_full && nb.size() == 1) {
    eval(na.value(), nb.val[0]);
  } else if (b_full && na.size() == 1) {
    eval(na.val[0], nb.value());
  } else {
    eval(stretch(na, rows, cols), stretch(nb, rows, cols));
  }
  return finish(t, k);
}

template <class Fwd, class DA, class DB>
Var binary(const char* op, const Var& av, const Var& bv, Fwd, DA, DB) {
  Tape& t = Tape::current();
  const std::int32_t ia = av.index_lazy(t, op);  // a lazy node is never 1x1
  const std::int32_t ib = bv.index_lazy(t, op);
  const Node& na = t.node(ia);
  const Node& nb = t.node(ib);
  // A 1x1 result needs 1x1 operands (broadcasting never shrinks a dimension).
  if (na.rows != 1 || na.cols != 1 || nb.rows != 1 || nb.cols != 1) {
    return binary_array<Fwd, DA, DB>(t, op, ia, ib);
  }
  ScalarMap a(na.val), b(nb.val);
  Scalar y;
  y = Fwd{}(BinaryArgs<ScalarMap, ScalarMap>{a, b});
  return finish(t, t.push_scalar(op, y(0, 0), na.needs_grad() || nb.needs_grad(),
                                 &binary_backward_scalar<DA, DB>, ia, ib));
}

// ---- a rule (arithmetic.hpp, elementwise.hpp) recorded as its own node
template <class R>
Var eager_unary(const Var& x, double c) {
  return unary(R::name, x, R::forward, R::backward, c);
}
template <class R>
Var eager_binary(const Var& a, const Var& b) {
  return binary(R::name, a, b, R::forward, R::da, R::db);
}

}  // namespace autodiff::detail
