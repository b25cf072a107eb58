// SPDX-License-Identifier: MIT
// AdaGrad (Duchi, Hazan & Singer 2011) with learning-rate decay, as torch.optim.Adagrad.
#pragma once

#include "optimizer.hpp"

namespace optim {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0.0;                   // η ≥ 0: step t uses γ / (1 + (t − 1) η)
  double weight_decay = 0.0;               // L2: g ← g + λ θ
  double initial_accumulator_value = 0.0;  // starting value of the sum of squares, ≥ 0
  double eps = 1e-10;                      // ε > 0
};

// s ← s + g²;  θ ← θ − γ / (1 + (t−1) η) · g / (√s + ε)
class Adagrad final : public Optimizer {
 public:
  explicit Adagrad(ParameterList params, AdagradOptions options = {});
  const AdagradOptions& options() const { return options_; }

 private:
  void update(std::size_t k, autodiff::Array& theta, const autodiff::Array& g) override;
  std::vector<std::vector<autodiff::Array>*> buffers() override { return {&sum_}; }
  AdagradOptions options_;
  std::vector<autodiff::Array> sum_;  // s: running sum of squared gradients
};

}  // namespace optim
