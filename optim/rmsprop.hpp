// SPDX-License-Identifier: MIT
// RMSProp (Hinton's lecture 6e), with the centered variant of Graves (2013) and
// optional momentum, as torch.optim.RMSprop.
#pragma once

#include "optimizer.hpp"

namespace optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;        // smoothing of the squared-gradient average, in [0, 1)
  double eps = 1e-8;          // ε > 0
  double weight_decay = 0.0;  // L2: g ← g + λ θ
  double momentum = 0.0;      // μ ≥ 0
  bool centered = false;      // divide by an estimate of the variance instead of the second moment
};

// v ← α v + (1−α) g²;  ṽ = v (− ḡ² if centered);  θ ← θ − γ g / (√ṽ + ε)  (through b with momentum)
// Over parameters of doubles (RMSprop) or floats (f32::RMSprop).
template <autodiff::TapeScalar S>
class BasicRMSprop final : public BasicOptimizer<S> {
 public:
  using Array = autodiff::BasicArray<S>;
  explicit BasicRMSprop(autodiff::BasicParameterList<S> params, RMSpropOptions options = {});
  const RMSpropOptions& options() const { return options_; }

 private:
  void update(std::size_t k, Array& theta, const Array& g) override;
  std::vector<std::vector<Array>*> buffers() override { return {&v_, &g_avg_, &b_}; }
  RMSpropOptions options_;
  std::vector<Array> v_, g_avg_, b_;  // g_avg_ if centered, b_ if momentum
};
using RMSprop = BasicRMSprop<double>;
namespace f32 {
using RMSprop = BasicRMSprop<float>;
}  // namespace f32
extern template class BasicRMSprop<double>;
extern template class BasicRMSprop<float>;

}  // namespace optim
