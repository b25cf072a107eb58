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
// either side) and unary minus; elementwise.hpp: pow, square, sqrt, exp, log,
// log1p, tanh, sigmoid, relu, abs. They take Vars, Parameters, Constants, Eigen
// arrays and expressions, and return expressions (expr.hpp), which become Vars
// when assigned to one or passed to any op below.

// ---- reduction.cpp: sums and means (and of an expression, in expr.hpp). "rowwise"
// reduces each row (m x n -> m x 1), "colwise" each column (m x n -> 1 x n), as
// Eigen's rowwise()/colwise() do.
Var sum(Var a);
Var sum_rowwise(Var a);
Var sum_colwise(Var a);
Var mean(Var a);
Var mean_rowwise(Var a);
Var mean_colwise(Var a);

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

// ---- indexing.cpp: pieces of a Var, recorded so that gradients flow into the whole
Var element(Var a, Index i, Index j);
Var block(Var a, Index row, Index col, Index rows, Index cols);
Var rows(Var a, Index first, Index count);  // a block of whole rows
// A new leaf with a's value and no gradient path (like torch's detach()).
Var detach(Var a);

}  // namespace autodiff
