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

// ---- nn.cpp: along rows, each row one example's logits
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

// ---- shape.cpp: side by side (equal rows), one above the other (equal columns),
// and a new shape for the same elements in column-major order (PyTorch's reshape
// reads row-major order: reshape(transpose(a), c, r) there is transpose(reshape(a, ...)) here).
Var hstack(const std::vector<Var>& parts);
Var vstack(const std::vector<Var>& parts);
Var reshape(Var a, Index rows, Index cols);

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

}  // namespace autodiff
