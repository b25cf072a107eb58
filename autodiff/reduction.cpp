// SPDX-License-Identifier: MIT
// Sums, means, maxima and minima: of all elements (-> 1x1), of each row (-> m x 1),
// of each column (-> 1 x n); the arg-max of each row; the L2 norm.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

namespace autodiff {

using detail::add_to;
using detail::finish;
using detail::record;
using detail::shape;

template <class S>
BasicVar<S> sum(BasicVar<S> a) {
  DESCENT_SCALAR_TYPES(S);
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

template <class S>
BasicVar<S> sum_rowwise(BasicVar<S> a) {
  DESCENT_SCALAR_TYPES(S);
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

template <class S>
BasicVar<S> sum_colwise(BasicVar<S> a) {
  DESCENT_SCALAR_TYPES(S);
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
template <class S>
BasicVar<S> mean(BasicVar<S> a) { return sum(a) * (1.0 / double(a.size())); }
template <class S>
BasicVar<S> mean_rowwise(BasicVar<S> a) { return sum_rowwise(a) * (1.0 / double(a.cols())); }
template <class S>
BasicVar<S> mean_colwise(BasicVar<S> a) { return sum_colwise(a) * (1.0 / double(a.rows())); }

namespace {

template <class S>
void require_elements(const char* op, const BasicNode<S>& n) {
  if (n.size() == 0) throw ShapeError(fmt::format("{}: needs at least one element, got {}", op, shape(n)));
}

// Whether x beats the best so far: larger (smaller for a minimum), or a NaN where
// the best is not one (a NaN wins, so that it propagates, as in PyTorch).
bool beats(double x, double best, bool largest) {
  if (std::isnan(best)) return false;
  return std::isnan(x) || (largest ? x > best : x < best);
}

// Equal to the extreme y: the same number, or both NaN.
bool ties(double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); }

// max or min of all elements; y = a_k for the extreme k. The adjoint is split
// evenly among the elements equal to y: d y = sum_{k tied} da_k / count.
template <class S>
BasicVar<S> extreme(BasicVar<S> a, bool largest) {
  DESCENT_SCALAR_TYPES(S);
  const char* op = largest ? "max" : "min";
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, op);
  const Node& na = t.node(ia);
  require_elements(op, na);
  S best = na.val[0];
  for (Index k = 1; k < na.size(); ++k) {
    if (beats(na.val[k], best, largest)) best = na.val[k];
  }
  // d y = sum over the tied elements of da_k / count
  return finish(t, t.record_scalar(op, best, na.adj, [](Tape& t, const Node& n) {
    Node& a = t.node(n.a);
    const Map x = a.value();
    Index count = 0;
    for (Index k = 0; k < x.size(); ++k) count += ties(x(k), n.val[0]);
    const S share = n.adj[0] / S(count);
    add_to(a, x.unaryExpr([&](S v) { return ties(v, n.val[0]) ? share : S(0); }));
  }, ia));
}

// max or min of each row (by_row) or column; the adjoint of each goes to its first
// extreme element, whose flat index is stored: d y_r = da_{r, first extreme}.
template <class S>
BasicVar<S> extreme_along(BasicVar<S> a, bool largest, bool by_row) {
  DESCENT_SCALAR_TYPES(S);
  const char* op = largest ? (by_row ? "max_rowwise" : "max_colwise") : (by_row ? "min_rowwise" : "min_colwise");
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, op);
  const Node& na = t.node(ia);
  require_elements(op, na);
  const Index lines = by_row ? na.rows : na.cols, along = by_row ? na.cols : na.rows;
  Map y = t.new_value(by_row ? na.rows : 1, by_row ? 1 : na.cols);
  std::vector<std::int64_t> first(static_cast<std::size_t>(lines));
  for (Index l = 0; l < lines; ++l) {
    auto flat = [&](Index p) { return by_row ? l + p * na.rows : p + l * na.rows; };
    Index best = flat(0);
    for (Index p = 1; p < along; ++p) {
      if (beats(na.val[flat(p)], na.val[best], largest)) best = flat(p);
    }
    first[std::size_t(l)] = best;
    y(l) = na.val[best];
  }
  // d y_l = da at line l's first extreme element
  const std::int32_t k = t.record(op, y, na.adj, [](Tape& t, const Node& n) {
    Map da = detail::zeroed_grad(t.node(n.a));
    for (Index l = 0; l < n.size(); ++l) da(n.ints[l]) += n.adj[l];
  }, ia);
  if (t.node(k).adj) t.node(k).ints = t.store_ints(first.data(), first.size());
  return finish(t, k);
}

}  // namespace

template <class S>
BasicVar<S> max(BasicVar<S> a) { return extreme(a, true); }
template <class S>
BasicVar<S> min(BasicVar<S> a) { return extreme(a, false); }
template <class S>
BasicVar<S> max_rowwise(BasicVar<S> a) { return extreme_along(a, true, true); }
template <class S>
BasicVar<S> min_rowwise(BasicVar<S> a) { return extreme_along(a, false, true); }
template <class S>
BasicVar<S> max_colwise(BasicVar<S> a) { return extreme_along(a, true, false); }
template <class S>
BasicVar<S> min_colwise(BasicVar<S> a) { return extreme_along(a, false, false); }

template <class S>
Eigen::Array<std::int64_t, Eigen::Dynamic, 1> argmax_rowwise(BasicVar<S> a) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const Node& na = t.node(a.index(t, "argmax_rowwise"));
  require_elements("argmax_rowwise", na);
  Eigen::Array<std::int64_t, Eigen::Dynamic, 1> out(na.rows);
  const Map x = na.value();
  for (Index i = 0; i < na.rows; ++i) {
    Index best = 0;
    for (Index j = 1; j < na.cols; ++j) {
      if (beats(x(i, j), x(i, best), true)) best = j;
    }
    out(i) = best;
  }
  return out;
}

// Eigen's stableNorm scales, so that squares of huge elements do not overflow.
template <class S>
BasicVar<S> norm(BasicVar<S> a) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "norm");
  const Node& na = t.node(ia);
  const S y = Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, 1>>(na.val, na.size()).stableNorm();
  // d|a| = a / |a| da, and 0 at a = 0 (PyTorch's subgradient)
  return finish(t, t.record_scalar("norm", y, na.adj, [](Tape& t, const Node& n) {
    Node& a = t.node(n.a);
    const S y = n.val[0];
    if (y == 0) {
      add_to(a, Array::Zero(a.rows, a.cols));
    } else {
      add_to(a, a.value() * (n.adj[0] / y));
    }
  }, ia));
}

// The ops above for each scalar type, as ops.hpp declares them.
#define DESCENT_REDUCTION_OPS(S) \
  BasicVar<S> sum(BasicVar<S> a) { return sum<S>(a); } \
  BasicVar<S> sum_rowwise(BasicVar<S> a) { return sum_rowwise<S>(a); } \
  BasicVar<S> sum_colwise(BasicVar<S> a) { return sum_colwise<S>(a); } \
  BasicVar<S> mean(BasicVar<S> a) { return mean<S>(a); } \
  BasicVar<S> mean_rowwise(BasicVar<S> a) { return mean_rowwise<S>(a); } \
  BasicVar<S> mean_colwise(BasicVar<S> a) { return mean_colwise<S>(a); } \
  BasicVar<S> max(BasicVar<S> a) { return max<S>(a); } \
  BasicVar<S> min(BasicVar<S> a) { return min<S>(a); } \
  BasicVar<S> max_rowwise(BasicVar<S> a) { return max_rowwise<S>(a); } \
  BasicVar<S> min_rowwise(BasicVar<S> a) { return min_rowwise<S>(a); } \
  BasicVar<S> max_colwise(BasicVar<S> a) { return max_colwise<S>(a); } \
  BasicVar<S> min_colwise(BasicVar<S> a) { return min_colwise<S>(a); } \
  Eigen::Array<std::int64_t, Eigen::Dynamic, 1> argmax_rowwise(BasicVar<S> a) { return argmax_rowwise<S>(a); } \
  BasicVar<S> norm(BasicVar<S> a) { return norm<S>(a); }
DESCENT_REDUCTION_OPS(double)
DESCENT_REDUCTION_OPS(float)
#undef DESCENT_REDUCTION_OPS

}  // namespace autodiff
