// SPDX-License-Identifier: MIT
// Pieces of a Var (an element, a block, a run of rows) and detach.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

namespace autodiff {

using detail::finish;
using detail::push;
using detail::shape;

// d(a_ij) = da_ij
Var element(Var a, Index i, Index j) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index("element");
  const Node& na = t.node(ia);
  if (i < 0 || j < 0 || i >= na.rows || j >= na.cols) {
    throw IndexError(fmt::format("element: index ({}, {}) is outside a {} Var", i, j, shape(na)));
  }
  const std::int32_t k = push(t, "element", 1, 1, [](Tape& t, const Node& n) {
    Node& na = t.node(n.a);
    detail::zeroed_grad(na)(n.at[0], n.at[1]) += n.adj[0];
  }, ia);
  Node& n = t.node(k);
  n.at[0] = std::int32_t(i);
  n.at[1] = std::int32_t(j);
  n.val[0] = t.node(ia).val[i + j * t.node(ia).rows];
  return finish(t, k);
}

// d(a[block]) = da[block]
Var block(Var a, Index row, Index col, Index rows, Index cols) {
  Tape& t = Tape::current();
  const std::int32_t ia = a.index("block");
  const Node& na = t.node(ia);
  if (row < 0 || col < 0 || rows < 0 || cols < 0 || row + rows > na.rows || col + cols > na.cols) {
    throw IndexError(fmt::format("block: a {}x{} block at ({}, {}) does not fit in a {} Var", rows,
                                 cols, row, col, shape(na)));
  }
  const std::int32_t k = push(t, "block", rows, cols, [](Tape& t, const Node& n) {
    detail::zeroed_grad(t.node(n.a)).block(n.at[0], n.at[1], n.rows, n.cols) += n.grad();
  }, ia);
  Node& n = t.node(k);
  n.at[0] = std::int32_t(row);
  n.at[1] = std::int32_t(col);
  n.value() = t.node(ia).value().block(row, col, rows, cols);
  return finish(t, k);
}

Var rows(Var a, Index first, Index count) {
  const Index total = a.rows();
  if (first < 0 || count < 0 || first + count > total) {
    throw IndexError(fmt::format("rows: rows {} to {} are outside a {}x{} Var", first, first + count - 1,
                                 total, a.cols()));
  }
  return block(a, first, 0, count, a.cols());
}

// A leaf that shares a's value storage and stops the gradient.
Var detach(Var a) {
  Tape& t = Tape::current();
  const Node& na = t.node(a.index("detach"));
  return Var::from_node(t.push_external("detach", na.rows, na.cols, na.val, nullptr));
}

}  // namespace autodiff
