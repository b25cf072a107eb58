// SPDX-License-Identifier: MIT
// Every differentiable operation on Vars. Each is defined, forward value and
// reverse rule side by side, in the source file of its family named below.
//
// Shapes: values are 2-D (a scalar is 1x1, a column vector m x 1, a row vector
// 1 x n). Element-wise binary ops broadcast by NumPy's rules: a dimension of 1
// stretches to match the other operand; the adjoint of a stretched operand is
// summed back to its shape.
#pragma once

#include "arithmetic.hpp"
#include "elementwise.hpp"
#include "expr.hpp"
#include "var.hpp"

#include <cstdint>
#include <initializer_list>
#include <random>
#include <span>
#include <vector>

namespace autodiff {

// ---- arithmetic.hpp: + - * / (element-wise, broadcasting, with doubles on
// either side) and unary minus; elementwise.hpp: pow, square, sqrt, exp, expm1,
// log, log1p, sin, cos, tanh, sigmoid, softplus, log_sigmoid, gelu, silu, relu,
// abs, leaky_relu, elu, clamp, and maximum and minimum (broadcasting). They take
// Vars, Parameters, Constants, Eigen arrays and expressions, and return
// expressions (expr.hpp), which become Vars when assigned to one or passed to any op below.

// ---- selection.cpp: mask ? a : b element by element. mask, a and b broadcast
// together (as torch.where); no gradient flows through the mask. A comparison of
// values converts: where(x.value() > 0.0, x, 0.1 * x).
using Mask = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>;
Var where(const Mask& mask, Var a, Var b);

// ---- reduction.cpp: sums and means (and of an expression, in expr.hpp). "rowwise"
// reduces each row (m x n -> m x 1), "colwise" each column (m x n -> 1 x n), as
// Eigen's rowwise()/colwise() do.
Var sum(Var a);
Var sum_rowwise(Var a);
Var sum_colwise(Var a);
Var mean(Var a);
Var mean_rowwise(Var a);
Var mean_colwise(Var a);
// Largest and smallest elements. Of all elements (-> 1x1) the gradient is split
// evenly among tied maxima; per row or column it goes to the first one (as
// PyTorch's max(dim)). A NaN is the maximum and the minimum (it propagates).
Var max(Var a);
Var min(Var a);
Var max_rowwise(Var a);  // m x n -> m x 1
Var min_rowwise(Var a);
Var max_colwise(Var a);  // m x n -> 1 x n
Var min_colwise(Var a);
// The column of each row's first maximum (m x 1, no gradient); a NaN counts as the maximum.
Eigen::Array<std::int64_t, Eigen::Dynamic, 1> argmax_rowwise(Var a);
// sqrt(sum a^2) over all elements -> 1x1, without overflow for huge elements; gradient 0 at 0.
Var norm(Var a);

// ---- linalg.cpp
Var matmul(Var a, Var b);  // (m x k)(k x n) -> m x n
Var transpose(Var a);
Var dot(Var a, Var b);  // sum of a .* b over two Vars of one shape -> 1x1

// ---- nn.cpp: along rows, each row one example's logits; layer norm and dropout
Var logsumexp(Var logits);    // m x n -> m x 1
Var softmax(Var logits);      // m x n -> m x n, rows sum to 1
Var log_softmax(Var logits);  // m x n -> m x n
// Mean over rows of -log softmax(logits)[row, labels[row]]; labels in [0, n).
Var cross_entropy(Var logits, std::span<const std::int64_t> labels);
Var cross_entropy(Var logits, const std::vector<int>& labels);
// Embedding lookup. With an index matrix of shape m x k, row r of the result is
// the concatenation of table rows index(r, 0) ... index(r, k-1): shape m x (k * table.cols()).
Var gather_rows(Var table, const Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>& index);
Var gather_rows(Var table, std::span<const std::int64_t> rows);
// Each row normalised over its columns, (x - mean) / sqrt(var + eps) with the biased
// variance, then * gamma + beta (both 1 x n), as torch.nn.functional.layer_norm.
Var layer_norm(Var a, Var gamma, Var beta, double eps = 1e-5);
// In training, zeroes each element with probability p (one draw of rng per element, in
// column-major order) and scales the rest by 1 / (1 - p); otherwise returns a. p in [0, 1).
Var dropout(Var a, double p, std::mt19937_64& rng, bool training);

// ---- conv.cpp: convolution and pooling. An N-image batch of C channels of H x W
// pixels is N x (C*H*W), one image per row, channel-major, each channel's pixels
// row-major (column c*H*W + h*W + w), as datasets::load_fashion_mnist lays out a
// 28x28 image; results use the same order. Zero padding; sizes as PyTorch's
// floor((H + 2*padding - kernel) / stride) + 1.
struct Conv2dGeometry {
  Index channels = 1, height = 0, width = 0;  // of each input image
  Index kernel_height = 0, kernel_width = 0;
  Index stride = 1, padding = 0;
  Index out_height() const;
  Index out_width() const;
};
// input N x (C*H*W), weight OC x (C*KH*KW) (row o: filter o, channel-major, row-major
// taps), bias 1 x OC -> N x (OC*OH*OW), as torch.nn.functional.conv2d.
Var conv2d(Var input, Var weight, Var bias, const Conv2dGeometry& geometry);
struct Pool2dGeometry {
  Index channels = 1, height = 0, width = 0;  // of each input image
  Index kernel = 0;                           // square windows, no padding
  Index stride = 0;                           // 0: the kernel size, PyTorch's default
};
// N x (C*H*W) -> N x (C*OH*OW): each window's maximum (the gradient goes to the
// first maximum, as in PyTorch), or its mean.
Var max_pool2d(Var a, const Pool2dGeometry& geometry);
Var avg_pool2d(Var a, const Pool2dGeometry& geometry);

// ---- shape.cpp: side by side (equal rows), one above the other (equal columns),
// a new shape for the same elements in column-major order (PyTorch's reshape
// reads row-major order: reshape(transpose(a), c, r) there is transpose(reshape(a, ...)) here),
// and copies of a, as torch.tile(a, (rows_times, cols_times)) (Tensor.repeat for 2-D).
Var hstack(const std::vector<Var>& parts);
Var vstack(const std::vector<Var>& parts);
Var reshape(Var a, Index rows, Index cols);
Var tile(Var a, Index rows_times, Index cols_times);

// ---- loss.cpp: each reduced to 1x1 by the mean (default) or the sum over
// elements, as PyTorch's reduction='mean' or 'sum'. pred and target have one shape.
enum class Reduction { mean, sum };
Var mse_loss(Var pred, Var target, Reduction reduction = Reduction::mean);
Var l1_loss(Var pred, Var target, Reduction reduction = Reduction::mean);
// 0.5 d^2 for |d| < delta, else delta (|d| - 0.5 delta), with d = pred - target.
Var huber_loss(Var pred, Var target, double delta = 1.0, Reduction reduction = Reduction::mean);
// max(x, 0) - x y + log(1 + e^-|x|) for logits x and targets y: finite for any logit.
Var binary_cross_entropy_with_logits(Var logits, Var target, Reduction reduction = Reduction::mean);
// -log_probs[row, labels[row]] per row, reduced over rows; labels in [0, n).
Var nll_loss(Var log_probs, std::span<const std::int64_t> labels, Reduction reduction = Reduction::mean);

// ---- indexing.cpp: pieces of a Var, recorded so that gradients flow into the whole
Var element(Var a, Index i, Index j);
Var block(Var a, Index row, Index col, Index rows, Index cols);
Var rows(Var a, Index first, Index count);  // a block of whole rows
// A new leaf with a's value and no gradient path (like torch's detach()).
Var detach(Var a);

// ---- float: every op above also takes and returns Vars of floats (f32::Var):
// the same rule, run in float. Operands of one op share one scalar type.
// hstack and vstack of floats are templates, so that hstack({}) stays the double one;
// a braced list of Vars of one type deduces it.
template <TapeScalar S>
BasicVar<S> hstack(const std::vector<BasicVar<S>>& parts);
template <TapeScalar S>
BasicVar<S> vstack(const std::vector<BasicVar<S>>& parts);
template <TapeScalar S>
BasicVar<S> hstack(std::initializer_list<BasicVar<S>> parts) { return hstack(std::vector<BasicVar<S>>(parts)); }
template <TapeScalar S>
BasicVar<S> vstack(std::initializer_list<BasicVar<S>> parts) { return vstack(std::vector<BasicVar<S>>(parts)); }
f32::Var where(const Mask& mask, f32::Var a, f32::Var b);
f32::Var sum(f32::Var a);
f32::Var sum_rowwise(f32::Var a);
f32::Var sum_colwise(f32::Var a);
f32::Var mean(f32::Var a);
f32::Var mean_rowwise(f32::Var a);
f32::Var mean_colwise(f32::Var a);
f32::Var max(f32::Var a);
f32::Var min(f32::Var a);
f32::Var max_rowwise(f32::Var a);
f32::Var min_rowwise(f32::Var a);
f32::Var max_colwise(f32::Var a);
f32::Var min_colwise(f32::Var a);
Eigen::Array<std::int64_t, Eigen::Dynamic, 1> argmax_rowwise(f32::Var a);
f32::Var norm(f32::Var a);
f32::Var matmul(f32::Var a, f32::Var b);
f32::Var transpose(f32::Var a);
f32::Var dot(f32::Var a, f32::Var b);
f32::Var logsumexp(f32::Var logits);
f32::Var softmax(f32::Var logits);
f32::Var log_softmax(f32::Var logits);
f32::Var cross_entropy(f32::Var logits, std::span<const std::int64_t> labels);
f32::Var cross_entropy(f32::Var logits, const std::vector<int>& labels);
f32::Var gather_rows(f32::Var table, const Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>& index);
f32::Var gather_rows(f32::Var table, std::span<const std::int64_t> rows);
f32::Var layer_norm(f32::Var a, f32::Var gamma, f32::Var beta, double eps = 1e-5);
f32::Var dropout(f32::Var a, double p, std::mt19937_64& rng, bool training);
f32::Var conv2d(f32::Var input, f32::Var weight, f32::Var bias, const Conv2dGeometry& geometry);
f32::Var max_pool2d(f32::Var a, const Pool2dGeometry& geometry);
f32::Var avg_pool2d(f32::Var a, const Pool2dGeometry& geometry);
f32::Var reshape(f32::Var a, Index rows, Index cols);
f32::Var tile(f32::Var a, Index rows_times, Index cols_times);
f32::Var mse_loss(f32::Var pred, f32::Var target, Reduction reduction = Reduction::mean);
f32::Var l1_loss(f32::Var pred, f32::Var target, Reduction reduction = Reduction::mean);
f32::Var huber_loss(f32::Var pred, f32::Var target, double delta = 1.0, Reduction reduction = Reduction::mean);
f32::Var binary_cross_entropy_with_logits(f32::Var logits, f32::Var target, Reduction reduction = Reduction::mean);
f32::Var nll_loss(f32::Var log_probs, std::span<const std::int64_t> labels, Reduction reduction = Reduction::mean);
f32::Var element(f32::Var a, Index i, Index j);
f32::Var block(f32::Var a, Index row, Index col, Index rows, Index cols);
f32::Var rows(f32::Var a, Index first, Index count);
f32::Var detach(f32::Var a);

}  // namespace autodiff
