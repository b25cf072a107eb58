// SPDX-License-Identifier: MIT
// Matrix product, transpose and dot product.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

namespace autodiff {

using detail::finish;
using detail::push;
using detail::shape;

// d(AB) = dA B + A dB, so dA += G B^T and dB += A^T G
Var matmul(Var a, Var b) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index("matmul");
  const std::int32_t ib = b.index("matmul");
  if (t.node(ia).cols != t.node(ib).rows) {
    throw ShapeError(fmt::format("matmul: inner dimensions differ: {} times {}",
                                 shape(t.node(ia)), shape(t.node(ib))));
  }
  const std::int32_t k = push(t, "matmul", t.node(ia).rows, t.node(ib).cols, [](Tape& t, const Node& n) {
    Node& na = t.node(n.a);
    Node& nb = t.node(n.b);
    if (na.adj) {
      auto da = na.grad().matrix();
      const auto product = n.grad().matrix() * nb.value().matrix().transpose();
      if (detail::take_fresh(na)) da.noalias() = product; else da.noalias() += product;
    }
    if (nb.adj) {
      auto db = nb.grad().matrix();
      const auto product = na.value().matrix().transpose() * n.grad().matrix();
      if (detail::take_fresh(nb)) db.noalias() = product; else db.noalias() += product;
    }
  }, ia, ib);
  t.node(k).value().matrix().noalias() = t.node(ia).value().matrix() * t.node(ib).value().matrix();
  return finish(t, k);
}

// d(A^T) = (dA)^T
Var transpose(Var a) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index("transpose");
  const std::int32_t k = push(t, "transpose", t.node(ia).cols, t.node(ia).rows, [](Tape& t, const Node& n) {
    detail::add_to(t.node(n.a), n.grad().transpose());
  }, ia);
  t.node(k).value() = t.node(ia).value().transpose();
  return finish(t, k);
}

// d(sum a.*b) = b da + a db
Var dot(Var a, Var b) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index("dot");
  const std::int32_t ib = b.index("dot");
  if (t.node(ia).rows != t.node(ib).rows || t.node(ia).cols != t.node(ib).cols) {
    throw ShapeError(fmt::format("dot: needs two Vars of one shape, got {} and {}",
                                 shape(t.node(ia)), shape(t.node(ib))));
  }
  const std::int32_t k = push(t, "dot", 1, 1, [](Tape& t, const Node& n) {
    Node& na = t.node(n.a);
    Node& nb = t.node(n.b);
    if (na.adj) detail::add_to(na, n.adj[0] * nb.value());
    if (nb.adj) detail::add_to(nb, n.adj[0] * na.value());
  }, ia, ib);
  t.node(k).val[0] = (t.node(ia).value() * t.node(ib).value()).sum();
  return finish(t, k);
}

}  // namespace autodiff
