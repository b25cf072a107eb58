// SPDX-License-Identifier: MIT
// Multi-class (softmax) regression: P(y = c | x) = softmax(x W + b)_c, trained
// on the mean cross-entropy, one example per row of x.
#pragma once

#include "../autodiff/var.hpp"
#include "module.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace models {

class SoftmaxRegression : public Module {
 public:
  // W (features x classes) and b (1 x classes) start at zero (the loss is convex).
  SoftmaxRegression(autodiff::Index features, autodiff::Index classes);

  // x W + b: m x features -> m x classes.
  autodiff::Var logits(const autodiff::Var& x) const;
  // mean_i -log softmax(x_i W + b)[label_i]
  autodiff::Var loss(const autodiff::Var& x, std::span<const std::int64_t> labels) const;
  // The most likely class of each row; records under NoGrad.
  std::vector<std::int64_t> predict(const autodiff::Var& x) const;

  // parameters(): w and b, named "weight" and "bias".
  autodiff::Parameter& weights() { return w_; }
  autodiff::Parameter& bias() { return b_; }

 private:
  autodiff::Parameter w_;
  autodiff::Parameter b_;
};

}  // namespace models
