// SPDX-License-Identifier: MIT
// New shapes for the same elements: hstack, vstack (any number of parts), reshape and tile.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

#include <fmt/format.h>

#include <vector>

namespace autodiff {

using detail::add_to;
using detail::finish;
using detail::shape;

namespace {

// The parts' shapes for an error message: "3x2, 4x1".
template <class S>
std::string shapes(const BasicTape<S>& t, const std::vector<std::int32_t>& parts) {
  std::string s;
  for (std::int32_t p : parts) s += (s.empty() ? "" : ", ") + shape(t.node(p));
  return s;
}

// hstack (side by side) or vstack (one above the other). The node's operand a is the
// first part; ints holds [count, part node indices...] so that backward reaches all.
template <class S>
BasicVar<S> stack(const std::vector<BasicVar<S>>& parts, bool side_by_side) {
  DESCENT_SCALAR_TYPES(S);
  const char* op = side_by_side ? "hstack" : "vstack";
  if (parts.empty()) throw ShapeError(fmt::format("{}: needs at least one Var, got none", op));
  Tape& t = Tape::current();
  std::vector<std::int32_t> ids;
  for (const Var& p : parts) ids.push_back(p.index(t, op));
  const Node& first = t.node(ids[0]);
  Index rows = 0, cols = 0;
  bool grad = false;
  for (std::int32_t id : ids) {
    const Node& n = t.node(id);
    const bool fits = side_by_side ? n.rows == first.rows : n.cols == first.cols;
    if (!fits) {
      throw ShapeError(fmt::format("{}: the parts need {} {}, got {}", op, side_by_side ? "equal rows" : "equal columns",
                                   side_by_side ? "(one height)" : "(one width)", shapes(t, ids)));
    }
    rows = side_by_side ? n.rows : rows + n.rows;
    cols = side_by_side ? cols + n.cols : n.cols;
    grad = grad || n.adj;
  }
  Tape::check_shape(op, rows, cols);
  Map y = t.new_value(rows, cols);
  Index offset = 0;
  for (std::int32_t id : ids) {
    const Node& n = t.node(id);
    if (side_by_side) {
      y.middleCols(offset, n.cols) = n.value();
      offset += n.cols;
    } else {
      y.middleRows(offset, n.rows) = n.value();
      offset += n.rows;
    }
  }
  // d(stack(a_1, ..., a_k)) = stack(da_1, ..., da_k): each part takes its block of the adjoint
  BackwardFn backward = side_by_side ? BackwardFn([](Tape& t, const Node& n) {
    Index offset = 0;
    for (std::int64_t p = 0; p < n.ints[0]; ++p) {
      Node& part = t.node(std::int32_t(n.ints[1 + p]));
      if (part.adj) add_to(part, n.grad().middleCols(offset, part.cols));
      offset += part.cols;
    }
  }) : BackwardFn([](Tape& t, const Node& n) {
    Index offset = 0;
    for (std::int64_t p = 0; p < n.ints[0]; ++p) {
      Node& part = t.node(std::int32_t(n.ints[1 + p]));
      if (part.adj) add_to(part, n.grad().middleRows(offset, part.rows));
      offset += part.rows;
    }
  });
  const std::int32_t k = t.record(op, y, grad, backward, ids[0]);
  if (t.node(k).adj) {
    std::vector<std::int64_t> stored{std::int64_t(ids.size())};
    stored.insert(stored.end(), ids.begin(), ids.end());
    t.node(k).ints = t.store_ints(stored.data(), stored.size());
  }
  return finish(t, k);
}

}  // namespace

template <TapeScalar S>
BasicVar<S> hstack(const std::vector<BasicVar<S>>& parts) { return stack(parts, true); }
template <TapeScalar S>
BasicVar<S> vstack(const std::vector<BasicVar<S>>& parts) { return stack(parts, false); }

// The elements in column-major order, unchanged; d(reshape a) = reshape(da) back to a's shape
template <class S>
BasicVar<S> reshape(BasicVar<S> a, Index rows, Index cols) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "reshape");
  const Node& na = t.node(ia);
  if (rows < 0 || cols < 0 || (cols > 0 && rows > na.size() / std::max<Index>(cols, 1)) || rows * cols != na.size()) {
    throw ShapeError(fmt::format("reshape: a {} Var ({} elements) cannot be {}x{}", shape(na), na.size(), rows, cols));
  }
  Map y = t.new_value(rows, cols);
  y = Eigen::Map<const Array>(na.val, rows, cols);
  return detail::record(t, "reshape", y, [](Tape& t, const Node& n) {
    Node& a = t.node(n.a);
    add_to(a, Eigen::Map<const Array>(n.adj, a.rows, a.cols));
  }, ia);
}

// copies of a, rows_times down and cols_times across, as torch.tile(a, (rows_times, cols_times))
template <class S>
BasicVar<S> tile(BasicVar<S> a, Index rows_times, Index cols_times) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "tile");
  const Node& na = t.node(ia);
  // Divided, not multiplied, so that no count overflows the check.
  if (rows_times < 0 || cols_times < 0 || (na.rows > 0 && rows_times > Tape::kMaxDim / na.rows) ||
      (na.cols > 0 && cols_times > Tape::kMaxDim / na.cols)) {
    throw ShapeError(fmt::format("tile: a {} Var cannot be repeated {}x{} times: each count must be at least 0 "
                                 "and the result at most {} rows and columns", shape(na), rows_times, cols_times,
                                 Tape::kMaxDim));
  }
  Map y = t.new_value(na.rows * rows_times, na.cols * cols_times);
  y = na.value().replicate(rows_times, cols_times);
  // d(tile a) = the sum of the adjoint's blocks of a's shape
  return detail::record(t, "tile", y, [](Tape& t, const Node& n) {
    Node& a = t.node(n.a);
    if (a.size() == 0) return;
    Array g = Array::Zero(a.rows, a.cols);
    for (Index j = 0; j < n.cols; j += a.cols) {
      for (Index i = 0; i < n.rows; i += a.rows) g += n.grad().block(i, j, a.rows, a.cols);
    }
    add_to(a, g);
  }, ia);
}

// The ops above for each scalar type, as ops.hpp declares them.
#define DESCENT_SHAPE_OPS(S) \
  BasicVar<S> reshape(BasicVar<S> a, Index rows, Index cols) { return reshape<S>(a, rows, cols); } \
  BasicVar<S> tile(BasicVar<S> a, Index rows_times, Index cols_times) { return tile<S>(a, rows_times, cols_times); }
DESCENT_SHAPE_OPS(double)
DESCENT_SHAPE_OPS(float)
#undef DESCENT_SHAPE_OPS
// hstack and vstack: a function of doubles (which takes any braced list), a template for floats.
Var hstack(const std::vector<Var>& parts) { return hstack<double>(parts); }
Var vstack(const std::vector<Var>& parts) { return vstack<double>(parts); }
template f32::Var hstack<float>(const std::vector<f32::Var>&);
template f32::Var vstack<float>(const std::vector<f32::Var>&);

}  // namespace autodiff
