// SPDX-License-Identifier: MIT
#include "models/metrics.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace models {

namespace {

void require_same_length(const char* function, std::span<const std::int64_t> predicted,
                         std::span<const std::int64_t> labels) {
  if (predicted.size() != labels.size()) {
    throw std::invalid_argument(fmt::format("{}: {} predictions for {} labels", function, predicted.size(),
                                            labels.size()));
  }
  if (labels.empty()) throw std::invalid_argument(fmt::format("{}: no examples", function));
}

}  // namespace

std::vector<std::int64_t> argmax_rows(const Eigen::Ref<const autodiff::Array>& scores) {
  if (scores.cols() == 0) throw std::invalid_argument("argmax_rows: the scores have no columns");
  std::vector<std::int64_t> best(std::size_t(scores.rows()));
  for (autodiff::Index r = 0; r < scores.rows(); ++r) {
    autodiff::Index c = 0;
    scores.row(r).maxCoeff(&c);
    best[std::size_t(r)] = c;
  }
  return best;
}

double accuracy(std::span<const std::int64_t> predicted, std::span<const std::int64_t> labels) {
  require_same_length("accuracy", predicted, labels);
  std::size_t right = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) right += predicted[i] == labels[i];
  return double(right) / double(labels.size());
}

Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> confusion_matrix(
    std::span<const std::int64_t> predicted, std::span<const std::int64_t> labels, std::int64_t classes) {
  require_same_length("confusion_matrix", predicted, labels);
  if (classes < 1) throw std::invalid_argument(fmt::format("confusion_matrix: classes = {}, needs >= 1", classes));
  Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> counts =
      Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>::Zero(classes, classes);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    for (const std::int64_t c : {labels[i], predicted[i]}) {
      if (c < 0 || c >= classes) {
        throw std::invalid_argument(fmt::format("confusion_matrix: class {} at example {} is outside [0, {})", c, i,
                                                classes));
      }
    }
    ++counts(labels[i], predicted[i]);
  }
  return counts;
}

}  // namespace models
