// SPDX-License-Identifier: MIT
// Adam (Kingma & Ba) with bias correction and optional AMSGrad, and AdamW
// (Loshchilov & Hutter: weight decay decoupled from the gradient), as
// torch.optim.Adam and torch.optim.AdamW.
#pragma once

#include "optimizer.hpp"

#include <utility>

namespace optim {

// Adam's and AdamW's options: the same fields, as torch.optim names them; only what
// weight_decay means, and its default, differ.
template <bool Decoupled>
struct AdamOptionsOf {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};  // β1, β2 in [0, 1)
  double eps = 1e-8;                               // ε > 0
  // Adam: L2, g ← g + λ θ. AdamW: decoupled, θ ← θ − γ λ θ before the Adam step.
  double weight_decay = Decoupled ? 1e-2 : 0.0;
  bool amsgrad = false;
};
using AdamOptions = AdamOptionsOf<false>;
using AdamWOptions = AdamOptionsOf<true>;

// m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  θ ← θ − γ (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)
// AdamW first takes θ ← θ − γ λ θ, then the Adam step on the raw gradient.
// Over parameters of doubles (Adam, AdamW) or floats (f32::Adam, f32::AdamW).
template <bool Decoupled, autodiff::TapeScalar S = double>
class AdamRule final : public BasicOptimizer<S> {
 public:
  using Array = autodiff::BasicArray<S>;
  explicit AdamRule(autodiff::BasicParameterList<S> params, AdamOptionsOf<Decoupled> options = {});
  const AdamOptionsOf<Decoupled>& options() const { return options_; }

 private:
  void update(std::size_t k, Array& theta, const Array& g) override;
  std::vector<std::vector<Array>*> buffers() override { return {&m_, &v_, &v_max_}; }
  AdamOptionsOf<Decoupled> options_;
  std::vector<Array> m_, v_, v_max_;  // v_max_ only with amsgrad
};
using Adam = AdamRule<false>;
using AdamW = AdamRule<true>;
namespace f32 {
using Adam = AdamRule<false, float>;
using AdamW = AdamRule<true, float>;
}  // namespace f32
extern template class AdamRule<false>;
extern template class AdamRule<true>;
extern template class AdamRule<false, float>;
extern template class AdamRule<true, float>;

}  // namespace optim
