// SPDX-License-Identifier: MIT
#include "models/softmax_regression.hpp"

#include "autodiff/ops.hpp"
#include "autodiff/tape.hpp"
#include "models/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace models {

using autodiff::Var;

SoftmaxRegression::SoftmaxRegression(autodiff::Index features, autodiff::Index classes)
    : w_(autodiff::Array::Zero(std::max<autodiff::Index>(features, 0), std::max<autodiff::Index>(classes, 0)),
         "weight"),
      b_(autodiff::Array::Zero(1, std::max<autodiff::Index>(classes, 0)), "bias") {
  if (features < 1 || classes < 2) {
    throw std::invalid_argument(fmt::format(
        "SoftmaxRegression: features = {}, classes = {}; needs features >= 1 and classes >= 2", features, classes));
  }
  register_parameters({&w_, &b_});
}

Var SoftmaxRegression::logits(const Var& x) const {
  if (x.cols() != w_.rows()) {
    throw std::invalid_argument(fmt::format("SoftmaxRegression::logits: x is {}x{}, the model has {} features",
                                            x.rows(), x.cols(), w_.rows()));
  }
  return autodiff::matmul(x, w_) + b_;
}

Var SoftmaxRegression::loss(const Var& x, std::span<const std::int64_t> labels) const {
  return autodiff::cross_entropy(logits(x), labels);
}

std::vector<std::int64_t> SoftmaxRegression::predict(const Var& x) const {
  autodiff::NoGrad no_grad;
  return argmax_rows(logits(x).value());
}

}  // namespace models
