// SPDX-License-Identifier: MIT
// Turning logits into class indices and scoring them: argmax per row,
// accuracy and the confusion matrix.
#pragma once

#include "../autodiff/tape.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace models {

// The column of each row's largest value (the first one on ties).
std::vector<std::int64_t> argmax_rows(const Eigen::Ref<const autodiff::Array>& scores);

// The fraction of predicted[i] == labels[i]; both the same non-zero length.
double accuracy(std::span<const std::int64_t> predicted, std::span<const std::int64_t> labels);

// counts(t, p) = how many examples of true class t were predicted as p; every
// label and prediction in [0, classes).
Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> confusion_matrix(
    std::span<const std::int64_t> predicted, std::span<const std::int64_t> labels, std::int64_t classes);

}  // namespace models
