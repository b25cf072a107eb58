// SPDX-License-Identifier: MIT
// torch.optim.SGD, as its documentation states it (γ = lr, λ = weight_decay,
// μ = momentum, τ = dampening):
//   g ← ∇θ + λ θ
//   if μ ≠ 0:  b ← g at t = 1, else b ← μ b + (1 − τ) g
//              g ← g + μ b if nesterov, else g ← b
//   θ ← θ − γ g
#include "optim/sgd.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace optim {

template <autodiff::TapeScalar S>
BasicSGD<S>::BasicSGD(autodiff::BasicParameterList<S> params, SGDOptions options)
    : BasicOptimizer<S>("SGD", std::move(params), options.lr), options_(options) {
  detail::check_non_negative(this->name(), "momentum", options_.momentum);
  detail::check_finite(this->name(), "dampening", options_.dampening);
  detail::check_non_negative(this->name(), "weight_decay", options_.weight_decay);
  if (options_.nesterov && (options_.momentum <= 0.0 || options_.dampening != 0.0)) {
    throw std::invalid_argument(fmt::format(
        "SGD: nesterov requires a momentum > 0 and zero dampening (as torch.optim.SGD), got momentum {} "
        "and dampening {}",
        options_.momentum, options_.dampening));
  }
  if (options_.momentum != 0.0) b_ = this->zeros_like_params();
}

template <autodiff::TapeScalar S>
void BasicSGD<S>::update(std::size_t k, Array& theta, const Array& grad) {
  const S mu = S(options_.momentum);
  Array g = grad;
  if (options_.weight_decay != 0.0) g += S(options_.weight_decay) * theta;
  if (mu != S(0)) {
    Array& b = b_[k];
    if (this->steps() == 1) {
      b = g;
    } else {
      b = mu * b + S(1.0 - options_.dampening) * g;
    }
    if (options_.nesterov) {
      g += mu * b;
    } else {
      g = b;
    }
  }
  theta -= S(this->lr()) * g;
}

template class BasicSGD<double>;
template class BasicSGD<float>;

}  // namespace optim
