// SPDX-License-Identifier: MIT
// Neural-net ops along rows (one example per row): logsumexp, softmax,
// log_softmax, cross-entropy against integer labels, the embedding lookup,
// layer normalisation and dropout.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

#include <fmt/format.h>

#include <cmath>
#include <random>

namespace autodiff {

using detail::add_to;
using detail::finish;
using detail::record;
using detail::shape;

namespace {

// exp element by element through std::exp: Eigen's vectorised exp clamps its
// argument at about -708, so exp(-inf) would come out as 2.8e-309 instead of 0, and
// a class with a logit of -inf would keep a sliver of probability.
template <class E>
auto exact_exp(const E& x) {
  return x.unaryExpr([](auto v) { return std::exp(v); });
}

template <class S>
using Column = Eigen::Array<S, Eigen::Dynamic, 1>;

// a minus its row maxima, so that no exp overflows and the largest entry of each
// row is exactly 0. A row whose maximum is not finite is left unshifted: its
// result is then the limit (or NaN) the plain formula gives.
template <class S>
Column<S> row_shift(const BasicMap<S>& a) {
  const Column<S> max = a.rowwise().maxCoeff();
  return max.isFinite().select(max, S(0));
}
template <class S>
BasicArray<S> shift_rows(const BasicMap<S>& a) { return a.colwise() - row_shift(a); }

// log sum_j exp(s_ij) per row of shifted logits s.
template <class S>
Column<S> row_log_sum_exp(const BasicArray<S>& shifted) {
  return exact_exp(shifted).rowwise().sum().log();
}

// softmax per row, normalised from shifted logits, so huge logits keep full precision.
template <class S>
BasicArray<S> softmax_rows(const BasicMap<S>& a) {
  BasicArray<S> e = exact_exp(shift_rows(a));
  const Column<S> total = e.rowwise().sum();
  e.colwise() /= total;
  return e;
}

template <class S>
void require_columns(const char* op, const BasicNode<S>& n) {
  if (n.cols == 0 || n.rows == 0) {
    throw ShapeError(fmt::format("{}: needs at least one row and one column, got {}", op, shape(n)));
  }
}

}  // namespace

// The three row-wise ops share their checks and recording: `columns` is the
// result's width (1 for logsumexp), forward fills y from the logits' value.
namespace {
template <class S, class Forward>
BasicVar<S> along_rows(const char* op, BasicVar<S> logits, bool one_column, Forward forward,
                       std::type_identity_t<BasicBackwardFn<S>> backward) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = logits.index(t, op);
  const Node& na = t.node(ia);
  require_columns(op, na);
  Map y = t.new_value(na.rows, one_column ? 1 : na.cols);
  forward(na.value(), y);
  return record(t, op, y, backward, ia);
}
}  // namespace

template <class S>
BasicVar<S> logsumexp(BasicVar<S> logits) {
  DESCENT_SCALAR_TYPES(S);
  return along_rows("logsumexp", logits, true, [](const Map& a, Map& y) {
    const Column<S> shift = row_shift(a);
    y.col(0) = shift + row_log_sum_exp<S>(a.colwise() - shift);
  },
  // d(lse a)_i = sum_j softmax(a)_ij da_ij
  [](Tape& t, const Node& n) {
    Node& na = t.node(n.a);
    add_to(na, softmax_rows(na.value()).colwise() * n.grad().col(0));
  });
}

template <class S>
BasicVar<S> softmax(BasicVar<S> logits) {
  DESCENT_SCALAR_TYPES(S);
  return along_rows("softmax", logits, false, [](const Map& a, Map& y) { y = softmax_rows(a); },
  // y = softmax(a) per row; da_i = y_i .* (g_i - <g_i, y_i>)
  [](Tape& t, const Node& n) {
    const Map y = n.value();
    const Column<S> inner = (n.grad() * y).rowwise().sum();
    add_to(t.node(n.a), y * (n.grad().colwise() - inner));
  });
}

template <class S>
BasicVar<S> log_softmax(BasicVar<S> logits) {
  DESCENT_SCALAR_TYPES(S);
  return along_rows("log_softmax", logits, false, [](const Map& a, Map& y) {
    const Array shifted = shift_rows(a);
    y = shifted.colwise() - row_log_sum_exp(shifted);
  },
  // y = a - lse(a) per row; da_i = g_i - softmax(a)_i * sum_j g_ij
  [](Tape& t, const Node& n) {
    const Column<S> total = n.grad().rowwise().sum();
    add_to(t.node(n.a), n.grad() - exact_exp(n.value()).colwise() * total);
  });
}

// L = mean_i (lse(a_i) - a_i,label_i); dL/da_ij = (softmax(a)_ij - [j = label_i]) / m
template <class S>
BasicVar<S> cross_entropy(BasicVar<S> logits, std::span<const std::int64_t> labels) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = logits.index(t, "cross_entropy");
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
  // L = mean_i (lse(a_i) - a_i,label_i) = mean_i (lse(s_i) - s_i,label_i) with
  // s = a - max: exact for huge logits too.
  const Array shifted = shift_rows(na.value());
  double total = row_log_sum_exp(shifted).sum();
  for (Index r = 0; r < shifted.rows(); ++r) total -= shifted(r, labels[std::size_t(r)]);
  Map y = t.new_value(1, 1);
  y(0, 0) = S(total / double(shifted.rows()));
  // dL/da_ij = (softmax(a)_ij - [j = label_i]) / m
  const std::int32_t k = t.record("cross_entropy", y, na.adj, [](Tape& t, const Node& n) {
    Node& na = t.node(n.a);
    const S scale = n.adj[0] / S(na.rows);
    add_to(na, softmax_rows(na.value()) * scale);
    Map da = na.grad();
    for (Index r = 0; r < na.rows; ++r) da(r, n.ints[r]) -= scale;
  }, ia);
  t.node(k).ints = t.store_ints(labels.data(), labels.size());
  return finish(t, k);
}

template <class S>
BasicVar<S> cross_entropy(BasicVar<S> logits, const std::vector<int>& labels) {
  DESCENT_SCALAR_TYPES(S);
  std::vector<std::int64_t> wide(labels.begin(), labels.end());
  return cross_entropy(logits, std::span<const std::int64_t>(wide));
}

// y(r, p*d + c) = table(index(r, p), c); the adjoint scatters back: dtable(index(r, p), c) += g(r, p*d + c)
template <class S>
BasicVar<S> gather_rows(BasicVar<S> table, const Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>& index) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = table.index(t, "gather_rows");
  const Node& nt = t.node(ia);
  for (Index k = 0; k < index.size(); ++k) {
    if (index(k) < 0 || index(k) >= nt.rows) {
      throw IndexError(fmt::format("gather_rows: index {} at ({}, {}) is outside the {} rows of a {} table",
                                   index(k), k % index.rows(), k / index.rows(), nt.rows, shape(nt)));
    }
  }
  const Index d = nt.cols;
  Tape::check_shape("gather_rows", index.rows(), index.cols() * d);
  Map y = t.new_value(index.rows(), index.cols() * d);
  // y(r, p*d + c) = table(index(r, p), c)
  for (Index p = 0; p < index.cols(); ++p) {
    for (Index r = 0; r < index.rows(); ++r) y.block(r, p * d, 1, d) = nt.value().row(index(r, p));
  }
  // The adjoint scatters back: dtable(index(r, p), c) += g(r, p*d + c)
  const std::int32_t k = t.record("gather_rows", y, nt.adj, [](Tape& t, const Node& n) {
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
  t.node(k).ints = t.store_ints(index.data(), std::size_t(index.size()));
  return finish(t, k);
}

template <class S>
BasicVar<S> gather_rows(BasicVar<S> table, std::span<const std::int64_t> rows) {
  DESCENT_SCALAR_TYPES(S);
  Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> index(Index(rows.size()), 1);
  for (std::size_t r = 0; r < rows.size(); ++r) index(Index(r)) = rows[r];
  return gather_rows(table, index);
}

// Each row normalised over its columns, x^ = (x - mean) / sqrt(var + eps) (the biased
// variance, as PyTorch), then scaled and shifted by the broadcast ops: x^ * gamma + beta.
template <class S>
BasicVar<S> layer_norm(BasicVar<S> a, BasicVar<S> gamma, BasicVar<S> beta, double eps) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "layer_norm");
  const Node& na = t.node(ia);
  require_columns("layer_norm", na);
  for (const auto& [name, v] : {std::pair{"gamma", &gamma}, std::pair{"beta", &beta}}) {
    if (v->rows() != 1 || v->cols() != na.cols) {
      throw ShapeError(fmt::format("layer_norm: {} is {}x{}, needs 1x{} for a {} input", name, v->rows(),
                                   v->cols(), na.cols, shape(na)));
    }
  }
  if (!(eps >= 0.0) || !std::isfinite(eps)) {
    throw Error(fmt::format("layer_norm: eps is {}, needs a finite number >= 0", eps));
  }
  Map y = t.new_value(na.rows, na.cols);
  const Column<S> mean = na.value().rowwise().mean();
  y = na.value().colwise() - mean;
  const Column<S> sigma = (y.square().rowwise().mean() + eps).sqrt();
  y.colwise() /= sigma;
  // dx_i = (g_i - mean_j g_ij - x^_i mean_j(g_ij x^_ij)) / sigma_i
  const std::int32_t k = t.record("layer_norm", y, na.adj, [](Tape& t, const Node& n) {
    Node& na = t.node(n.a);
    const Map x = na.value(), xhat = n.value(), g = n.grad();
    const Column<S> sigma = ((x.colwise() - x.rowwise().mean()).square().rowwise().mean() + n.c).sqrt();
    const Column<S> g_mean = g.rowwise().mean(), gx_mean = (g * xhat).rowwise().mean();
    add_to(na, ((g.colwise() - g_mean) - xhat.colwise() * gx_mean).colwise() / sigma);
  }, ia);
  t.node(k).c = eps;
  return Var(finish(t, k) * gamma) + beta;
}

// Training: each element kept with probability 1 - p and scaled by 1 / (1 - p), else
// zeroed, so the expected value is unchanged; the mask is a product, whose adjoint is
// the mask again. Outside training, a itself.
template <class S>
BasicVar<S> dropout(BasicVar<S> a, double p, std::mt19937_64& rng, bool training) {
  DESCENT_SCALAR_TYPES(S);
  if (!(p >= 0.0 && p < 1.0)) throw Error(fmt::format("dropout: p is {}, needs 0 <= p < 1", p));
  if (!training || p == 0.0) return a;
  Array mask(a.rows(), a.cols());
  const S scale = S(1.0 / (1.0 - p));
  // A uniform double in [0, 1) from the top 53 bits of one draw per element, column by column.
  for (Index k = 0; k < mask.size(); ++k) mask(k) = double(rng() >> 11) * 0x1.0p-53 >= p ? scale : S(0);
  return a * mask;
}

// The ops above for each scalar type, as ops.hpp declares them.
#define DESCENT_NN_OPS(S) \
  BasicVar<S> logsumexp(BasicVar<S> logits) { return logsumexp<S>(logits); } \
  BasicVar<S> softmax(BasicVar<S> logits) { return softmax<S>(logits); } \
  BasicVar<S> log_softmax(BasicVar<S> logits) { return log_softmax<S>(logits); } \
  BasicVar<S> cross_entropy(BasicVar<S> logits, std::span<const std::int64_t> labels) { \
    return cross_entropy<S>(logits, labels); } \
  BasicVar<S> cross_entropy(BasicVar<S> logits, const std::vector<int>& labels) { \
    return cross_entropy<S>(logits, labels); } \
  BasicVar<S> gather_rows(BasicVar<S> table, \
                          const Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>& index) { \
    return gather_rows<S>(table, index); } \
  BasicVar<S> gather_rows(BasicVar<S> table, std::span<const std::int64_t> rows) { \
    return gather_rows<S>(table, rows); } \
  BasicVar<S> layer_norm(BasicVar<S> a, BasicVar<S> gamma, BasicVar<S> beta, double eps) { \
    return layer_norm<S>(a, gamma, beta, eps); } \
  BasicVar<S> dropout(BasicVar<S> a, double p, std::mt19937_64& rng, bool training) { \
    return dropout<S>(a, p, rng, training); }
DESCENT_NN_OPS(double)
DESCENT_NN_OPS(float)
#undef DESCENT_NN_OPS

}  // namespace autodiff
