// SPDX-License-Identifier: MIT
// RMSprop as the torch.optim documentation states it (γ = lr, λ = weight_decay, μ = momentum):
//   g ← ∇θ + λ θ
//   v ← α v + (1 − α) g²,   ṽ = v
//   centered:  ḡ ← α ḡ + (1 − α) g,   ṽ ← ṽ − ḡ²
//   μ > 0:  b ← μ b + g / (√ṽ + ε),  θ ← θ − γ b;   else  θ ← θ − γ g / (√ṽ + ε)
#include "optim/rmsprop.hpp"

namespace optim {

template <autodiff::TapeScalar S>
BasicRMSprop<S>::BasicRMSprop(autodiff::BasicParameterList<S> params, RMSpropOptions options)
    : BasicOptimizer<S>("RMSprop", std::move(params), options.lr), options_(options) {
  detail::check_unit_interval(this->name(), "alpha", options_.alpha);
  detail::check_positive(this->name(), "eps", options_.eps);
  detail::check_non_negative(this->name(), "weight_decay", options_.weight_decay);
  detail::check_non_negative(this->name(), "momentum", options_.momentum);
  v_ = this->zeros_like_params();
  if (options_.centered) g_avg_ = this->zeros_like_params();
  if (options_.momentum > 0.0) b_ = this->zeros_like_params();
}

// The scalars are options in double, rounded to S where they meet the arrays.
template <autodiff::TapeScalar S>
void BasicRMSprop<S>::update(std::size_t k, Array& theta, const Array& grad) {
  const S alpha = S(options_.alpha);
  Array g = grad;
  if (options_.weight_decay != 0.0) g += S(options_.weight_decay) * theta;
  v_[k] = alpha * v_[k] + (S(1) - alpha) * g.square();
  Array denom;
  if (options_.centered) {
    g_avg_[k] = alpha * g_avg_[k] + (S(1) - alpha) * g;
    denom = (v_[k] - g_avg_[k].square()).sqrt() + S(options_.eps);
  } else {
    denom = v_[k].sqrt() + S(options_.eps);
  }
  if (options_.momentum > 0.0) {
    b_[k] = S(options_.momentum) * b_[k] + g / denom;
    theta -= S(this->lr()) * b_[k];
  } else {
    theta -= S(this->lr()) * g / denom;
  }
}

template class BasicRMSprop<double>;
template class BasicRMSprop<float>;

}  // namespace optim
