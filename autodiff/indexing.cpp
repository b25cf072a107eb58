// SPDX-License-Identifier: MIT
// Pieces of a Var (an element, a block, a run of rows), Var's element accessors, and detach.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

#include <fmt/format.h>

#include <limits>

namespace autodiff {

using detail::finish;
using detail::shape;

template <class S>
BasicVar<S> element(BasicVar<S> a, Index i, Index j) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "element");
  const Node& na = t.node(ia);
  if (i < 0 || j < 0 || i >= na.rows || j >= na.cols) {
    throw IndexError(fmt::format("element: index ({}, {}) is outside a {} Var", i, j, shape(na)));
  }
  // d(a_ij) = da_ij
  const std::int32_t k = t.record_scalar("element", na.val[i + j * na.rows], na.adj, [](Tape& t, const Node& n) {
    detail::zeroed_grad(t.node(n.a))(n.at[0], n.at[1]) += n.adj[0];
  }, ia);
  Node& n = t.node(k);
  n.at[0] = std::int32_t(i);
  n.at[1] = std::int32_t(j);
  return finish(t, k);
}

template <class S>
BasicVar<S> block(BasicVar<S> a, Index row, Index col, Index rows, Index cols) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "block");
  const Node& na = t.node(ia);
  // Compared by subtraction, so that no sum of a user's sizes can overflow.
  if (row < 0 || col < 0 || rows < 0 || cols < 0 || row > na.rows || col > na.cols ||
      rows > na.rows - row || cols > na.cols - col) {
    throw IndexError(fmt::format("block: a {}x{} block at ({}, {}) does not fit in a {} Var", rows,
                                 cols, row, col, shape(na)));
  }
  Map y = t.new_value(rows, cols);
  y = na.value().block(row, col, rows, cols);
  // d(a[block]) = da[block]
  const std::int32_t k = t.record("block", y, na.adj, [](Tape& t, const Node& n) {
    detail::zeroed_grad(t.node(n.a)).block(n.at[0], n.at[1], n.rows, n.cols) += n.grad();
  }, ia);
  Node& n = t.node(k);
  n.at[0] = std::int32_t(row);
  n.at[1] = std::int32_t(col);
  return finish(t, k);
}

template <class S>
BasicVar<S> rows(BasicVar<S> a, Index first, Index count) {
  DESCENT_SCALAR_TYPES(S);
  const Index total = a.rows();
  if (first < 0 || count < 0 || first > total || count > total - first) {
    // The last row asked for, saturated: first + count - 1 may not fit an Index.
    const Index last = count > 0 && first > std::numeric_limits<Index>::max() - (count - 1)
                           ? std::numeric_limits<Index>::max()
                           : first + (count - 1);
    throw IndexError(fmt::format("rows: rows {} to {} are outside a {}x{} Var", first, last, total, a.cols()));
  }
  return block(a, first, 0, count, a.cols());
}

// A leaf that shares a's value storage and stops the gradient.
template <class S>
BasicVar<S> detach(BasicVar<S> a) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const Node& na = t.node(a.index(t, "detach"));
  return Var::from_node(t, t.push_external("detach", na.rows, na.cols, na.val, nullptr));
}

template <TapeScalar S>
BasicVar<S> BasicVar<S>::operator()(Index i, Index j) const { return element(*this, i, j); }

template <TapeScalar S>
BasicVar<S> BasicVar<S>::operator()(Index i) const {
  const Index r = rows();
  const Index c = cols();
  if (r != 1 && c != 1) {
    throw ShapeError(fmt::format("Var::operator(): one index needs a vector, got {}x{}; use (i, j)", r, c));
  }
  return r == 1 ? element(*this, 0, i) : element(*this, i, 0);
}

// The ops above for each scalar type, as ops.hpp declares them.
#define DESCENT_INDEXING_OPS(S) \
  BasicVar<S> element(BasicVar<S> a, Index i, Index j) { return element<S>(a, i, j); } \
  BasicVar<S> block(BasicVar<S> a, Index row, Index col, Index rows, Index cols) { \
    return block<S>(a, row, col, rows, cols); } \
  BasicVar<S> rows(BasicVar<S> a, Index first, Index count) { return rows<S>(a, first, count); } \
  BasicVar<S> detach(BasicVar<S> a) { return detach<S>(a); }
DESCENT_INDEXING_OPS(double)
DESCENT_INDEXING_OPS(float)
#undef DESCENT_INDEXING_OPS

template Var Var::operator()(Index, Index) const;
template Var Var::operator()(Index) const;
template f32::Var f32::Var::operator()(Index, Index) const;
template f32::Var f32::Var::operator()(Index) const;

}  // namespace autodiff
