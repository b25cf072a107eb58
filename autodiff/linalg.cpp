// SPDX-License-Identifier: MIT
// Matrix product, transpose and dot product.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

#include <fmt/format.h>

namespace autodiff {

using detail::add_to;
using detail::record;
using detail::shape;

namespace {

// target.adj += product, written straight into the adjoint (noalias: no temporary).
template <class S, class P>
void add_product(BasicNode<S>& target, const P& product) {
  auto adj = target.grad().matrix();
  if (detail::take_fresh(target)) adj.noalias() = product; else adj.noalias() += product;
}

}  // namespace

template <class S>
BasicVar<S> matmul(BasicVar<S> a, BasicVar<S> b) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "matmul");
  const std::int32_t ib = b.index(t, "matmul");
  const Node& na = t.node(ia);
  const Node& nb = t.node(ib);
  if (na.cols != nb.rows) {
    throw ShapeError(fmt::format("matmul: inner dimensions differ: {} times {}", shape(na), shape(nb)));
  }
  Map y = t.new_value(na.rows, nb.cols);
  y.matrix().noalias() = na.value().matrix() * nb.value().matrix();
  // d(AB) = dA B + A dB, so dA += G B^T and dB += A^T G
  return record(t, "matmul", y, [](Tape& t, const Node& n) {
    Node& na = t.node(n.a);
    Node& nb = t.node(n.b);
    if (na.adj) add_product(na, n.grad().matrix() * nb.value().matrix().transpose());
    if (nb.adj) add_product(nb, na.value().matrix().transpose() * n.grad().matrix());
  }, ia, ib);
}

template <class S>
BasicVar<S> transpose(BasicVar<S> a) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "transpose");
  const Node& na = t.node(ia);
  Map y = t.new_value(na.cols, na.rows);
  y = na.value().transpose();
  // d(A^T) = (dA)^T
  return record(t, "transpose", y, [](Tape& t, const Node& n) {
    add_to(t.node(n.a), n.grad().transpose());
  }, ia);
}

template <class S>
BasicVar<S> dot(BasicVar<S> a, BasicVar<S> b) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "dot");
  const std::int32_t ib = b.index(t, "dot");
  const Node& na = t.node(ia);
  const Node& nb = t.node(ib);
  if (na.rows != nb.rows || na.cols != nb.cols) {
    throw ShapeError(fmt::format("dot: needs two Vars of one shape, got {} and {}", shape(na), shape(nb)));
  }
  Map y = t.new_value(1, 1);
  y(0, 0) = (na.value() * nb.value()).sum();
  // d(sum a.*b) = b da + a db
  return record(t, "dot", y, [](Tape& t, const Node& n) {
    Node& na = t.node(n.a);
    Node& nb = t.node(n.b);
    if (na.adj) add_to(na, n.adj[0] * nb.value());
    if (nb.adj) add_to(nb, n.adj[0] * na.value());
  }, ia, ib);
}

// The ops above for each scalar type, as ops.hpp declares them.
#define DESCENT_LINALG_OPS(S) \
  BasicVar<S> matmul(BasicVar<S> a, BasicVar<S> b) { return matmul<S>(a, b); } \
  BasicVar<S> transpose(BasicVar<S> a) { return transpose<S>(a); } \
  BasicVar<S> dot(BasicVar<S> a, BasicVar<S> b) { return dot<S>(a, b); }
DESCENT_LINALG_OPS(double)
DESCENT_LINALG_OPS(float)
#undef DESCENT_LINALG_OPS

}  // namespace autodiff
