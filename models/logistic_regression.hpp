// SPDX-License-Identifier: MIT
// Binary logistic regression: P(y = 1 | x) = sigmoid(x w + b), trained on the
// mean binary cross-entropy, one example per row of x.
#pragma once

#include "../autodiff/var.hpp"
#include "module.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace models {

class LogisticRegression : public Module {
 public:
  // w (features x 1) and b (1 x 1) start at zero: the loss is convex, so the
  // start does not matter and zero gives P = 1/2 everywhere.
  explicit LogisticRegression(autodiff::Index features);

  // z = x w + b, one logit per row of x (m x features -> m x 1).
  autodiff::Var logits(const autodiff::Var& x) const;
  // sigmoid(z): P(y = 1 | x) per row.
  autodiff::Var probabilities(const autodiff::Var& x) const;
  // mean_i softplus(z_i) - y_i z_i with labels y_i in {0, 1}.
  autodiff::Var loss(const autodiff::Var& x, std::span<const std::int64_t> labels) const;
  // 1 where z > 0, else 0; records under NoGrad.
  std::vector<std::int64_t> predict(const autodiff::Var& x) const;

  // parameters(): w and b, named "weight" and "bias".
  autodiff::Parameter& weights() { return w_; }
  autodiff::Parameter& bias() { return b_; }

 private:
  autodiff::Parameter w_;
  autodiff::Parameter b_;
};

}  // namespace models
