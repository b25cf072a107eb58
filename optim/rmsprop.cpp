// SPDX-License-Identifier: MIT
// RMSprop as the torch.optim documentation states it (γ = lr, λ = weight_decay, μ = momentum):
//   g ← ∇θ + λ θ
//   v ← α v + (1 − α) g²,   ṽ = v
//   centered:  ḡ ← α ḡ + (1 − α) g,   ṽ ← ṽ − ḡ²
//   μ > 0:  b ← μ b + g / (√ṽ + ε),  θ ← θ − γ b;   else  θ ← θ − γ g / (√ṽ + ε)
#include "optim/rmsprop.hpp"

namespace optim {

RMSprop::RMSprop(ParameterList params, RMSpropOptions options)
    : Optimizer("RMSprop", std::move(params), options.lr), options_(options) {
  detail::check_unit_interval(name(), "alpha", options_.alpha);
  detail::check_positive(name(), "eps", options_.eps);
  detail::check_non_negative(name(), "weight_decay", options_.weight_decay);
  detail::check_non_negative(name(), "momentum", options_.momentum);
  v_ = zeros_like_params();
  if (options_.centered) g_avg_ = zeros_like_params();
  if (options_.momentum > 0.0) b_ = zeros_like_params();
}

void RMSprop::update(std::size_t k, autodiff::Array& theta, const autodiff::Array& grad) {
  const double alpha = options_.alpha;
  autodiff::Array g = grad;
  if (options_.weight_decay != 0.0) g += options_.weight_decay * theta;
  v_[k] = alpha * v_[k] + (1.0 - alpha) * g.square();
  autodiff::Array denom;
  if (options_.centered) {
    g_avg_[k] = alpha * g_avg_[k] + (1.0 - alpha) * g;
    denom = (v_[k] - g_avg_[k].square()).sqrt() + options_.eps;
  } else {
    denom = v_[k].sqrt() + options_.eps;
  }
  if (options_.momentum > 0.0) {
    b_[k] = options_.momentum * b_[k] + g / denom;
    theta -= lr() * b_[k];
  } else {
    theta -= lr() * g / denom;
  }
}

}  // namespace optim
