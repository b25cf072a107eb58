// SPDX-License-Identifier: MIT
// Sums and means: of all elements (-> 1x1), of each row (-> m x 1), of each column (-> 1 x n).
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

namespace autodiff {

using detail::add_to;
using detail::record;

Var sum(Var a) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "sum");
  const Node& na = t.node(ia);
  Map y = t.new_value(1, 1);
  y(0, 0) = na.value().sum();
  // d(sum a) = sum(da): every element receives the upstream adjoint
  return record(t, "sum", y, [](Tape& t, const Node& n) {
    Node& a = t.node(n.a);
    add_to(a, Array::Constant(a.rows, a.cols, n.adj[0]));
  }, ia);
}

Var sum_rowwise(Var a) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "sum_rowwise");
  const Node& na = t.node(ia);
  Map y = t.new_value(na.rows, 1);
  y = na.value().rowwise().sum();
  // d(sum_j a_ij) = sum_j da_ij: row i's adjoint goes to every element of row i
  return record(t, "sum_rowwise", y, [](Tape& t, const Node& n) {
    Node& a = t.node(n.a);
    add_to(a, n.grad().col(0).replicate(1, a.cols));
  }, ia);
}

Var sum_colwise(Var a) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "sum_colwise");
  const Node& na = t.node(ia);
  Map y = t.new_value(1, na.cols);
  y = na.value().colwise().sum();
  // d(sum_i a_ij) = sum_i da_ij: column j's adjoint goes to every element of column j
  return record(t, "sum_colwise", y, [](Tape& t, const Node& n) {
    Node& a = t.node(n.a);
    add_to(a, n.grad().row(0).replicate(a.rows, 1));
  }, ia);
}

// A mean is a sum scaled by 1/count; the scaling is its own node.
Var mean(Var a) { return sum(a) * (1.0 / double(a.size())); }
Var mean_rowwise(Var a) { return sum_rowwise(a) * (1.0 / double(a.cols())); }
Var mean_colwise(Var a) { return sum_colwise(a) * (1.0 / double(a.rows())); }

}  // namespace autodiff
