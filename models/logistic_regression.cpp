// SPDX-License-Identifier: MIT
#include "models/logistic_regression.hpp"

#include "autodiff/ops.hpp"
#include "autodiff/tape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace models {

using autodiff::Var;

LogisticRegression::LogisticRegression(autodiff::Index features)
    : w_(autodiff::Array::Zero(std::max<autodiff::Index>(features, 0), 1), "weight"),
      b_(autodiff::Array::Zero(1, 1), "bias") {
  if (features < 1) {
    throw std::invalid_argument(fmt::format("LogisticRegression: features = {}, needs >= 1", features));
  }
  register_parameters({&w_, &b_});
}

Var LogisticRegression::logits(const Var& x) const {
  if (x.cols() != w_.rows()) {
    throw std::invalid_argument(fmt::format("LogisticRegression::logits: x is {}x{}, the model has {} features",
                                            x.rows(), x.cols(), w_.rows()));
  }
  return autodiff::matmul(x, w_) + b_;
}

Var LogisticRegression::probabilities(const Var& x) const { return autodiff::sigmoid(logits(x)); }

// -log sigmoid(z) = softplus(-z) and -log(1 - sigmoid(z)) = softplus(z), so the
// loss is the two-class cross-entropy of the logits [0, z]: its logsumexp is
// softplus(z), computed without overflow, and its adjoint sigmoid(z) - y is exact at z = 0.
Var LogisticRegression::loss(const Var& x, std::span<const std::int64_t> labels) const {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1) {
      throw std::invalid_argument(
          fmt::format("LogisticRegression::loss: label {} at row {} is not 0 or 1", labels[i], i));
    }
  }
  const Var z = logits(x);
  autodiff::Array zero_one(1, 2);
  zero_one << 0.0, 1.0;
  return autodiff::cross_entropy(z * Var(zero_one), labels);
}

std::vector<std::int64_t> LogisticRegression::predict(const Var& x) const {
  autodiff::NoGrad no_grad;
  const auto z = logits(x).value();
  std::vector<std::int64_t> labels(std::size_t(z.rows()));
  for (autodiff::Index i = 0; i < z.rows(); ++i) labels[std::size_t(i)] = z(i, 0) > 0.0 ? 1 : 0;
  return labels;
}

}  // namespace models
