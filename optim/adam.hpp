// SPDX-License-Identifier: MIT
// Adam (Kingma & Ba) with bias correction and optional AMSGrad, and AdamW
// (Loshchilov & Hutter: weight decay decoupled from the gradient), as
// torch.optim.Adam and torch.optim.AdamW.
#pragma once

#include "optimizer.hpp"

#include <utility>

namespace optim {

struct AdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};  // β1, β2 in [0, 1)
  double eps = 1e-8;                               // ε > 0
  double weight_decay = 0.0;                       // L2: g ← g + λ θ
  bool amsgrad = false;
};

struct AdamWOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;  // decoupled: θ ← θ − γ λ θ before the Adam step
  bool amsgrad = false;
};

// m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  θ ← θ − γ (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)
class Adam final : public Optimizer {
 public:
  explicit Adam(ParameterList params, AdamOptions options = {});
  const AdamOptions& options() const { return options_; }

 private:
  void update(std::size_t k, autodiff::Array& theta, const autodiff::Array& g) override;
  std::vector<std::vector<autodiff::Array>*> buffers() override { return {&m_, &v_, &v_max_}; }
  AdamOptions options_;
  std::vector<autodiff::Array> m_, v_, v_max_;  // v_max_ only with amsgrad
};

// θ ← θ − γ λ θ, then the Adam step on the raw gradient.
class AdamW final : public Optimizer {
 public:
  explicit AdamW(ParameterList params, AdamWOptions options = {});
  const AdamWOptions& options() const { return options_; }

 private:
  void update(std::size_t k, autodiff::Array& theta, const autodiff::Array& g) override;
  std::vector<std::vector<autodiff::Array>*> buffers() override { return {&m_, &v_, &v_max_}; }
  AdamWOptions options_;
  std::vector<autodiff::Array> m_, v_, v_max_;
};

}  // namespace optim
