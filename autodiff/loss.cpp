// SPDX-License-Identifier: MIT
// Losses, each reduced to 1x1 by Reduction::mean or Reduction::sum. The element-wise
// ones are expressions over the element-wise rules (one pass, one node: expr.hpp);
// huber's rule and nll_loss are defined here.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

#include <fmt/format.h>

#include <bit>
#include <vector>

namespace autodiff {

using detail::finish;
using detail::shape;

namespace rules {

// d huber(d) = clamp(d, -delta, delta) dd, with delta the constant c:
// 0.5 d^2 inside |d| < delta, delta (|d| - 0.5 delta) outside
struct Huber {
  static constexpr const char* name = "huber_loss";
  static constexpr auto forward = [](const auto& s) {
    return (s.x.abs() < s.c).select(0.5 * s.x.square(), s.c * (s.x.abs() - 0.5 * s.c));
  };
  static constexpr auto backward = [](const auto& s) {
    return s.g * (s.x.abs() < s.c).select(s.x, s.c * s.x.sign());
  };
};

}  // namespace rules

namespace {

template <Expression E>
BasicVar<scalar_of_t<E>> reduce(const E& e, Reduction r) {
  return r == Reduction::sum ? sum(e) : mean(e);
}

// The element-wise losses compare pred and target element by element: one shape.
template <class S>
void require_same_shape(const char* op, BasicVar<S> pred, BasicVar<S> target) {
  BasicTape<S>& t = BasicTape<S>::current();
  const BasicNode<S>& a = t.node(pred.index(t, op));
  const BasicNode<S>& b = t.node(target.index(t, op));
  if (a.rows != b.rows || a.cols != b.cols) {
    throw ShapeError(fmt::format("{}: pred {} and target {} need one shape", op, shape(a), shape(b)));
  }
}

}  // namespace

template <class S>
BasicVar<S> mse_loss(BasicVar<S> pred, BasicVar<S> target, Reduction reduction) {
  DESCENT_SCALAR_TYPES(S);
  require_same_shape("mse_loss", pred, target);
  return reduce(square(expr(pred) - target), reduction);
}

template <class S>
BasicVar<S> l1_loss(BasicVar<S> pred, BasicVar<S> target, Reduction reduction) {
  DESCENT_SCALAR_TYPES(S);
  require_same_shape("l1_loss", pred, target);
  return reduce(abs(expr(pred) - target), reduction);
}

template <class S>
BasicVar<S> huber_loss(BasicVar<S> pred, BasicVar<S> target, double delta, Reduction reduction) {
  DESCENT_SCALAR_TYPES(S);
  require_same_shape("huber_loss", pred, target);
  if (!(delta > 0.0)) throw Error(fmt::format("huber_loss: delta {} is not positive", delta));
  return reduce(detail::unary_expr<rules::Huber>(expr(pred) - target, delta), reduction);
}

// max(x, 0) - x y + log(1 + e^-|x|) = -log_sigmoid(-x) - x y, whose rule is stable
// for any logit; d/dx = sigmoid(x) - y, d/dy = -x.
template <class S>
BasicVar<S> binary_cross_entropy_with_logits(BasicVar<S> logits, BasicVar<S> target, Reduction reduction) {
  DESCENT_SCALAR_TYPES(S);
  require_same_shape("binary_cross_entropy_with_logits", logits, target);
  return reduce(-log_sigmoid(-expr(logits)) - expr(logits) * target, reduction);
}

// L = -sum_r lp[r, label_r] (/ rows for the mean); dL/dlp[r, label_r] = -1 (/ rows)
template <class S>
BasicVar<S> nll_loss(BasicVar<S> log_probs, std::span<const std::int64_t> labels, Reduction reduction) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = log_probs.index(t, "nll_loss");
  const Node& na = t.node(ia);
  if (na.rows == 0 || na.cols == 0) {
    throw ShapeError(fmt::format("nll_loss: needs at least one row and one column, got {}", shape(na)));
  }
  if (Index(labels.size()) != na.rows) {
    throw ShapeError(fmt::format("nll_loss: {} labels for log_probs of shape {} (one label per row)",
                                 labels.size(), shape(na)));
  }
  for (std::size_t r = 0; r < labels.size(); ++r) {
    if (labels[r] < 0 || labels[r] >= na.cols) {
      throw IndexError(fmt::format("nll_loss: label {} at row {} is outside [0, {}) for log_probs of shape {}",
                                   labels[r], r, na.cols, shape(na)));
    }
  }
  const double scale = reduction == Reduction::mean ? 1.0 / double(na.rows) : 1.0;
  double total = 0.0;
  for (Index r = 0; r < na.rows; ++r) total -= na.val[r + labels[std::size_t(r)] * na.rows];
  // dL/dlp[r, label_r] = -scale, 0 elsewhere; ints = [labels..., bits of scale]
  const std::int32_t k = t.record_scalar("nll_loss", S(total * scale), na.adj, [](Tape& t, const Node& n) {
    Node& na = t.node(n.a);
    const double g = -n.adj[0] * std::bit_cast<double>(n.ints[na.rows]);
    Map da = detail::zeroed_grad(na);
    for (Index r = 0; r < na.rows; ++r) da(r, n.ints[r]) += g;
  }, ia);
  if (t.node(k).adj) {
    std::vector<std::int64_t> stored(labels.begin(), labels.end());
    stored.push_back(std::bit_cast<std::int64_t>(scale));
    t.node(k).ints = t.store_ints(stored.data(), stored.size());
  }
  return finish(t, k);
}

// The ops above for each scalar type, as ops.hpp declares them.
#define DESCENT_LOSS_OPS(S) \
  BasicVar<S> mse_loss(BasicVar<S> pred, BasicVar<S> target, Reduction reduction) { \
    return mse_loss<S>(pred, target, reduction); } \
  BasicVar<S> l1_loss(BasicVar<S> pred, BasicVar<S> target, Reduction reduction) { \
    return l1_loss<S>(pred, target, reduction); } \
  BasicVar<S> huber_loss(BasicVar<S> pred, BasicVar<S> target, double delta, Reduction reduction) { \
    return huber_loss<S>(pred, target, delta, reduction); } \
  BasicVar<S> binary_cross_entropy_with_logits(BasicVar<S> logits, BasicVar<S> target, Reduction reduction) { \
    return binary_cross_entropy_with_logits<S>(logits, target, reduction); } \
  BasicVar<S> nll_loss(BasicVar<S> log_probs, std::span<const std::int64_t> labels, Reduction reduction) { \
    return nll_loss<S>(log_probs, labels, reduction); }
DESCENT_LOSS_OPS(double)
DESCENT_LOSS_OPS(float)
#undef DESCENT_LOSS_OPS

}  // namespace autodiff
