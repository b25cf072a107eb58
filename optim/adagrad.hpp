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
// Over parameters of doubles (Adagrad) or floats (f32::Adagrad).
template <autodiff::TapeScalar S>
class BasicAdagrad final : public BasicOptimizer<S> {
 public:
  using Array = autodiff::BasicArray<S>;
  explicit BasicAdagrad(autodiff::BasicParameterList<S> params, AdagradOptions options = {});
  const AdagradOptions& options() const { return options_; }

 private:
  void update(std::size_t k, Array& theta, const Array& g) override;
  std::vector<std::vector<Array>*> buffers() override { return {&sum_}; }
  AdagradOptions options_;
  std::vector<Array> sum_;  // s: running sum of squared gradients
};
using Adagrad = BasicAdagrad<double>;
namespace f32 {
using Adagrad = BasicAdagrad<float>;
}  // namespace f32
extern template class BasicAdagrad<double>;
extern template class BasicAdagrad<float>;

}  // namespace optim
