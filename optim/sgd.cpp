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

SGD::SGD(ParameterList params, SGDOptions options)
    : Optimizer("SGD", std::move(params), options.lr), options_(options) {
  detail::check_non_negative(name(), "momentum", options_.momentum);
  detail::check_finite(name(), "dampening", options_.dampening);
  detail::check_non_negative(name(), "weight_decay", options_.weight_decay);
  if (options_.nesterov && (options_.momentum <= 0.0 || options_.dampening != 0.0)) {
    throw std::invalid_argument(fmt::format(
        "SGD: nesterov requires a momentum > 0 and zero dampening (as torch.optim.SGD), got momentum {} "
        "and dampening {}",
        options_.momentum, options_.dampening));
  }
  if (options_.momentum != 0.0) b_ = zeros_like_params();
}

void SGD::update(std::size_t k, autodiff::Array& theta, const autodiff::Array& grad) {
  const double mu = options_.momentum;
  autodiff::Array g = grad;
  if (options_.weight_decay != 0.0) g += options_.weight_decay * theta;
  if (mu != 0.0) {
    autodiff::Array& b = b_[k];
    if (steps() == 1) {
      b = g;
    } else {
      b = mu * b + (1.0 - options_.dampening) * g;
    }
    if (options_.nesterov) {
      g += mu * b;
    } else {
      g = b;
    }
  }
  theta -= lr() * g;
}

}  // namespace optim
