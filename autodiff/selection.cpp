// SPDX-License-Identifier: MIT
// where(mask, a, b): a selection by data, not a function of a and b's values, so it
// is an op of its own rather than an element-wise rule: the mask is stored on the
// tape beside the node and no gradient flows through it.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

#include <fmt/format.h>

#include <vector>

namespace autodiff {

using detail::add_to;
using detail::finish;
using detail::record;
using detail::shape;

namespace {

// Element (i, j) of an r x c array read at a broadcast position: a dimension of 1 stretches.
Index at(Index r, Index c, Index i, Index j) { return (r == 1 ? 0 : i) + (c == 1 ? 0 : j) * r; }

// The mask stored as ints: [rows, cols, element...], column-major.
bool mask_at(const std::int64_t* m, Index i, Index j) { return m[2 + at(m[0], m[1], i, j)] != 0; }

// g where the mask picks `side` (true: a), 0 elsewhere, in the result's shape.
template <class S>
BasicArray<S> picked(const BasicNode<S>& n, bool side) {
  BasicArray<S> out(n.rows, n.cols);
  const BasicMap<S> g = n.grad();
  for (Index j = 0; j < n.cols; ++j) {
    for (Index i = 0; i < n.rows; ++i) out(i, j) = mask_at(n.ints, i, j) == side ? g(i, j) : S(0);
  }
  return out;
}

}  // namespace

// y_ij = mask_ij ? a_ij : b_ij; da = g [mask], db = g [!mask], each summed back to its shape
template <class S>
BasicVar<S> where(const Mask& mask, BasicVar<S> a, BasicVar<S> b) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "where");
  const std::int32_t ib = b.index(t, "where");
  const Node& na = t.node(ia);
  const Node& nb = t.node(ib);
  auto dim = [](Index x, Index y) { return x == y || x == 1 || y == 1; };
  const Index mr = mask.rows(), mc = mask.cols();
  const Index rows = std::max({mr, Index(na.rows), Index(nb.rows)});
  const Index cols = std::max({mc, Index(na.cols), Index(nb.cols)});
  const bool ok = dim(mr, rows) && dim(mc, cols) && dim(na.rows, rows) && dim(na.cols, cols) &&
                  dim(nb.rows, rows) && dim(nb.cols, cols) && mr > 0 && mc > 0;
  if (!ok || (na.size() == 0) != (nb.size() == 0)) {
    throw ShapeError(fmt::format("where: cannot broadcast the {}x{} mask with a {} and b {}", mr, mc,
                                 shape(na), shape(nb)));
  }
  Tape::check_shape("where", rows, cols);
  std::vector<std::int64_t> stored(std::size_t(2 + mask.size()));
  stored[0] = mr;
  stored[1] = mc;
  for (Index k = 0; k < mask.size(); ++k) stored[std::size_t(2 + k)] = mask(k) ? 1 : 0;
  Map y = t.new_value(rows, cols);
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) {
      y(i, j) = mask_at(stored.data(), i, j) ? na.val[at(na.rows, na.cols, i, j)] : nb.val[at(nb.rows, nb.cols, i, j)];
    }
  }
  // da = g [mask], db = g [!mask]: the unpicked side receives 0 there
  const bool grad = na.adj || nb.adj;
  const std::int32_t k = t.record("where", y, grad, [](Tape& t, const Node& n) {
    Node& a = t.node(n.a);
    Node& b = t.node(n.b);
    const Array ga = a.adj ? picked(n, true) : Array();
    const Array gb = b.adj ? picked(n, false) : Array();
    if (a.adj) add_to(a, ga);
    if (b.adj) add_to(b, gb);
  }, ia, ib);
  if (grad) t.node(k).ints = t.store_ints(stored.data(), stored.size());
  return finish(t, k);
}

// The ops above for each scalar type, as ops.hpp declares them.
#define DESCENT_SELECTION_OPS(S) \
  BasicVar<S> where(const Mask& mask, BasicVar<S> a, BasicVar<S> b) { return where<S>(mask, a, b); }
DESCENT_SELECTION_OPS(double)
DESCENT_SELECTION_OPS(float)
#undef DESCENT_SELECTION_OPS

}  // namespace autodiff
