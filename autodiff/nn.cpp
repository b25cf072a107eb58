// SPDX-License-Identifier: MIT
// Neural-net ops along rows (one example per row): logsumexp, softmax,
// log_softmax, cross-entropy against integer labels, and the embedding lookup.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

#include <cmath>

namespace autodiff {

using detail::finish;
using detail::push;
using detail::shape;

namespace {

// exp element by element through std::exp: Eigen's vectorised exp clamps its
// argument at about -708, so exp(-inf) would come out as 2.8e-309 instead of 0, and
// a class with a logit of -inf would keep a sliver of probability.
template <class E>
auto exact_exp(const E& x) {
  return x.unaryExpr([](double v) { return std::exp(v); });
}

// a minus its row maxima, so that no exp overflows and the largest entry of each
// row is exactly 0. A row whose maximum is not finite is left unshifted: its
// result is then the limit (or NaN) the plain formula gives.
Eigen::ArrayXd row_shift(const Map& a) {
  const Eigen::ArrayXd max = a.rowwise().maxCoeff();
  return max.isFinite().select(max, 0.0);
}
Eigen::ArrayXXd shift_rows(const Map& a) { return a.colwise() - row_shift(a); }

// log sum_j exp(s_ij) per row of shifted logits s.
Eigen::ArrayXd row_log_sum_exp(const Eigen::ArrayXXd& shifted) {
  return exact_exp(shifted).rowwise().sum().log();
}

// softmax per row, normalised from shifted logits, so huge logits keep full precision.
Eigen::ArrayXXd softmax_rows(const Map& a) {
  Eigen::ArrayXXd e = exact_exp(shift_rows(a));
  const Eigen::ArrayXd total = e.rowwise().sum();
  e.colwise() /= total;
  return e;
}

void require_columns(const char* op, const Node& n) {
  if (n.cols == 0 || n.rows == 0) {
    throw ShapeError(fmt::format("{}: needs at least one row and one column, got {}", op, shape(n)));
  }
}

}  // namespace

// d(lse a)_i = sum_j softmax(a)_ij da_ij
Var logsumexp(Var logits) {
  Tape& t = Tape::current();
  const std::int32_t ia = logits.index("logsumexp");
  require_columns("logsumexp", t.node(ia));
  const std::int32_t k = push(t, "logsumexp", t.node(ia).rows, 1, [](Tape& t, const Node& n) {
    Node& na = t.node(n.a);
    detail::add_to(na, softmax_rows(na.value()).colwise() * n.grad().col(0));
  }, ia);
  const Map a = t.node(ia).value();
  const Eigen::ArrayXd shift = row_shift(a);
  t.node(k).value().col(0) = shift + row_log_sum_exp(a.colwise() - shift);
  return finish(t, k);
}

// y = softmax(a) per row; da_i = y_i .* (g_i - <g_i, y_i>)
Var softmax(Var logits) {
  Tape& t = Tape::current();
  const std::int32_t ia = logits.index("softmax");
  require_columns("softmax", t.node(ia));
  const std::int32_t k = push(t, "softmax", t.node(ia).rows, t.node(ia).cols, [](Tape& t, const Node& n) {
    const Map y = n.value();
    const Eigen::ArrayXd inner = (n.grad() * y).rowwise().sum();
    detail::add_to(t.node(n.a), y * (n.grad().colwise() - inner));
  }, ia);
  t.node(k).value() = softmax_rows(t.node(ia).value());
  return finish(t, k);
}

// y = a - lse(a) per row; da_i = g_i - softmax(a)_i * sum_j g_ij
Var log_softmax(Var logits) {
  Tape& t = Tape::current();
  const std::int32_t ia = logits.index("log_softmax");
  require_columns("log_softmax", t.node(ia));
  const std::int32_t k = push(t, "log_softmax", t.node(ia).rows, t.node(ia).cols, [](Tape& t, const Node& n) {
    const Eigen::ArrayXd total = n.grad().rowwise().sum();
    detail::add_to(t.node(n.a), n.grad() - exact_exp(n.value()).colwise() * total);
  }, ia);
  const Eigen::ArrayXXd shifted = shift_rows(t.node(ia).value());
  t.node(k).value() = shifted.colwise() - row_log_sum_exp(shifted);
  return finish(t, k);
}

// L = mean_i (lse(a_i) - a_i,label_i); dL/da_ij = (softmax(a)_ij - [j = label_i]) / m
Var cross_entropy(Var logits, std::span<const std::int64_t> labels) {
  Tape& t = Tape::current();
  const std::int32_t ia = logits.index("cross_entropy");
  const Node& na = t.node(ia);
  require_columns("cross_entropy", na);
  if (Index(labels.size()) != na.rows) {
    throw ShapeError(fmt::format("cross_entropy: {} labels for logits of shape {} (one label per row)",
                                 labels.size(), shape(na)));
  }
  for (std::size_t r = 0; r < labels.size(); ++r) {
    if (labels[r] < 0 || labels[r] >= na.cols) {
      throw IndexError(fmt::format("cross_entropy: label {} at row {} is outside [0, {}) for logits of shape {}",
                                   labels[r], r, na.cols, shape(na)));
    }
  }
  const std::int32_t k = push(t, "cross_entropy", 1, 1, [](Tape& t, const Node& n) {
    Node& na = t.node(n.a);
    const double scale = n.adj[0] / double(na.rows);
    detail::add_to(na, softmax_rows(na.value()) * scale);
    Map da = na.grad();
    for (Index r = 0; r < na.rows; ++r) da(r, n.ints[r]) -= scale;
  }, ia);
  Node& n = t.node(k);
  n.ints = t.store_ints(labels.data(), labels.size());
  // lse(a_i) - a_i,l = lse(s_i) - s_i,l with s = a - max: exact for huge logits too.
  const Eigen::ArrayXXd shifted = shift_rows(t.node(ia).value());
  double total = row_log_sum_exp(shifted).sum();
  for (Index r = 0; r < shifted.rows(); ++r) total -= shifted(r, n.ints[r]);
  n.val[0] = total / double(shifted.rows());
  return finish(t, k);
}

Var cross_entropy(Var logits, const std::vector<int>& labels) {
  std::vector<std::int64_t> wide(labels.begin(), labels.end());
  return cross_entropy(logits, std::span<const std::int64_t>(wide));
}

// y(r, p*d + c) = table(index(r, p), c); the adjoint scatters back: dtable(index(r, p), c) += g(r, p*d + c)
Var gather_rows(Var table, const Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>& index) {
  Tape& t = Tape::current();
  const std::int32_t ia = table.index("gather_rows");
  const Node& nt = t.node(ia);
  for (Index k = 0; k < index.size(); ++k) {
    if (index(k) < 0 || index(k) >= nt.rows) {
      throw IndexError(fmt::format("gather_rows: index {} at ({}, {}) is outside the {} rows of a {} table",
                                   index(k), k % index.rows(), k / index.rows(), nt.rows, shape(nt)));
    }
  }
  const Index d = nt.cols;
  const std::int32_t k = push(t, "gather_rows", index.rows(), index.cols() * d, [](Tape& t, const Node& n) {
    Node& nt = t.node(n.a);
    const Index d = nt.cols;
    // The index is n.rows x positions (with d = 0 there is nothing to scatter).
    const Index positions = d > 0 ? n.cols / d : 0;
    Map dt = detail::zeroed_grad(nt);
    const Map g = n.grad();
    for (Index p = 0; p < positions; ++p) {
      for (Index r = 0; r < n.rows; ++r) dt.row(n.ints[r + p * n.rows]) += g.block(r, p * d, 1, d);
    }
  }, ia);
  Node& n = t.node(k);
  n.ints = t.store_ints(index.data(), std::size_t(index.size()));
  const Map tv = t.node(ia).value();
  Map y = n.value();
  for (Index p = 0; p < index.cols(); ++p) {
    for (Index r = 0; r < index.rows(); ++r) y.block(r, p * d, 1, d) = tv.row(index(r, p));
  }
  return finish(t, k);
}

Var gather_rows(Var table, std::span<const std::int64_t> rows) {
  Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> index(Index(rows.size()), 1);
  for (std::size_t r = 0; r < rows.size(); ++r) index(Index(r)) = rows[r];
  return gather_rows(table, index);
}

}  // namespace autodiff
