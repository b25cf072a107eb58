// SPDX-License-Identifier: MIT
// Stochastic gradient descent as torch.optim.SGD: the plain step θ ← θ − λ g
// (momentum = 0, what full-batch GD and SGD apply) and heavy-ball momentum with
// optional dampening and Nesterov.
#pragma once

#include "optimizer.hpp"

namespace optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;      // μ ≥ 0; 0 is the plain gradient step
  double dampening = 0.0;     // τ: b ← μ b + (1 − τ) g after the first step
  double weight_decay = 0.0;  // λ ≥ 0: L2 penalty, g ← g + λ θ
  bool nesterov = false;      // needs momentum > 0 and dampening = 0
};

// t = 1:  b ← g;  t > 1:  b ← μ b + (1 − τ) g;  then θ ← θ − γ (nesterov ? g + μ b : b)
// Over parameters of doubles (SGD) or floats (f32::SGD).
template <autodiff::TapeScalar S>
class BasicSGD final : public BasicOptimizer<S> {
 public:
  using Array = autodiff::BasicArray<S>;
  explicit BasicSGD(autodiff::BasicParameterList<S> params, SGDOptions options = {});
  const SGDOptions& options() const { return options_; }

 private:
  void update(std::size_t k, Array& theta, const Array& g) override;
  std::vector<std::vector<Array>*> buffers() override { return {&b_}; }
  SGDOptions options_;
  std::vector<Array> b_;  // momentum buffers, empty when momentum = 0
};
using SGD = BasicSGD<double>;
namespace f32 {
using SGD = BasicSGD<float>;
}  // namespace f32
extern template class BasicSGD<double>;
extern template class BasicSGD<float>;

}  // namespace optim
