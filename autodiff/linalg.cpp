// SPDX-License-Identifier: MIT
// Matrix product, transpose and dot product.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

namespace autodiff {

using detail::finish;
using detail::push;
using detail::shape;

// d(AB) = dA B + A dB, so dA += G B^T and dB += A^T G
Var matmul(const Var& a, const Var& b) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index("matmul");
  const std::int32_t ib = b.index("matmul");
  if (t.node(ia).cols != t.node(ib).rows) {
    throw ShapeError(fmt::format("matmul: inner dimensions differ: {} times {}",
                                 shape(t.node(ia)), shape(t.node(ib))));
  }
  const std::int32_t k = push(t, "matmul", t.node(ia).rows, t.node(ib).cols, [](Tape& t, const Node& n) {
    const Node& na = t.node(n.a);
    const Node& nb = t.node(n.b);
    if (na.adj) na.grad().matrix().noalias() += n.grad().matrix() * nb.value().matrix().transpose();
    if (nb.adj) nb.grad().matrix().noalias() += na.value().matrix().transpose() * n.grad().matrix();
  }, ia, ib);
  t.node(k).value().matrix().noalias() = t.node(ia).value().matrix() * t.node(ib).value().matrix();
  return finish(t, k);
}

// d(A^T) = (dA)^T
Var transpose(const Var& a) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index("transpose");
  const std::int32_t k = push(t, "transpose", t.node(ia).cols, t.node(ia).rows, [](Tape& t, const Node& n) {
    t.node(n.a).grad() += n.grad().transpose();
  }, ia);
  t.node(k).value() = t.node(ia).value().transpose();
  return finish(t, k);
}

// d(sum a.*b) = b da + a db
Var dot(const Var& a, const Var& b) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index("dot");
  const std::int32_t ib = b.index("dot");
  if (t.node(ia).rows != t.node(ib).rows || t.node(ia).cols != t.node(ib).cols) {
    throw ShapeError(fmt::format("dot: needs two Vars of one shape, got {} and {}",
                                 shape(t.node(ia)), shape(t.node(ib))));
  }
  const std::int32_t k = push(t, "dot", 1, 1, [](Tape& t, const Node& n) {
    const Node& na = t.node(n.a);
    const Node& nb = t.node(n.b);
    if (na.adj) na.grad() += n.adj[0] * nb.value();
    if (nb.adj) nb.grad() += n.adj[0] * na.value();
  }, ia, ib);
  t.node(k).val[0] = (t.node(ia).value() * t.node(ib).value()).sum();
  return finish(t, k);
}

}  // namespace autodiff
