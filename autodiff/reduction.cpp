// SPDX-License-Identifier: MIT
// Sums and means: of all elements (-> 1x1), of each row (-> m x 1), of each column (-> 1 x n).
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

namespace autodiff {

using detail::finish;
using detail::push;

// d(sum a) = sum(da): every element receives the upstream adjoint
// A fused operand (fusion.hpp) is summed chunk by chunk and never stored.
Var sum(Var a) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index_lazy(t, "sum");
  const bool fused = t.node(ia).lazy;
  const std::int32_t k = push(t, "sum", 1, 1, [](Tape& t, const Node& n) {
    Node& a = t.node(n.a);
    if (n.ints || a.lazy) {
      detail::fused_sum_backward(t, n);
    } else {
      detail::add_to(a, Array::Constant(a.rows, a.cols, n.adj[0]));
    }
  }, ia);
  t.node(k).ints = nullptr;  // fused_sum may keep partial derivatives here
  if (fused) {
    detail::fused_sum(t, t.node(k));
  } else {
    t.node(k).val[0] = t.node(ia).value().sum();
  }
  return finish(t, k);
}

// d(sum_j a_ij) = sum_j da_ij: row i's adjoint goes to every element of row i
Var sum_rowwise(Var a) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index("sum_rowwise");
  const std::int32_t k = push(t, "sum_rowwise", t.node(ia).rows, 1, [](Tape& t, const Node& n) {
    Node& a = t.node(n.a);
    detail::add_to(a, n.grad().col(0).replicate(1, a.cols));
  }, ia);
  t.node(k).value() = t.node(ia).value().rowwise().sum();
  return finish(t, k);
}

// d(sum_i a_ij) = sum_i da_ij: column j's adjoint goes to every element of column j
Var sum_colwise(Var a) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index("sum_colwise");
  const std::int32_t k = push(t, "sum_colwise", 1, t.node(ia).cols, [](Tape& t, const Node& n) {
    Node& a = t.node(n.a);
    detail::add_to(a, n.grad().row(0).replicate(a.rows, 1));
  }, ia);
  t.node(k).value() = t.node(ia).value().colwise().sum();
  return finish(t, k);
}

// A mean is a sum scaled by 1/count; the scaling is its own node.
Var mean(Var a) { return sum(a) * (1.0 / double(a.size())); }
Var mean_rowwise(Var a) { return sum_rowwise(a) * (1.0 / double(a.cols())); }
Var mean_colwise(Var a) { return sum_colwise(a) * (1.0 / double(a.rows())); }

}  // namespace autodiff
