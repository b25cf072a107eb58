// SPDX-License-Identifier: MIT
// Adagrad as the torch.optim documentation states it (γ = lr, λ = weight_decay, η = lr_decay):
//   g ← ∇θ + λ θ
//   γ̃ = γ / (1 + (t − 1) η)
//   s ← s + g²            (s starts at initial_accumulator_value)
//   θ ← θ − γ̃ g / (√s + ε)
#include "optim/adagrad.hpp"

namespace optim {

Adagrad::Adagrad(ParameterList params, AdagradOptions options)
    : Optimizer("Adagrad", std::move(params), options.lr), options_(options) {
  detail::check_non_negative(name(), "lr_decay", options_.lr_decay);
  detail::check_non_negative(name(), "weight_decay", options_.weight_decay);
  detail::check_non_negative(name(), "initial_accumulator_value", options_.initial_accumulator_value);
  detail::check_positive(name(), "eps", options_.eps);
  sum_ = zeros_like_params(options_.initial_accumulator_value);
}

void Adagrad::update(std::size_t k, autodiff::Array& theta, const autodiff::Array& grad) {
  autodiff::Array g = grad;
  if (options_.weight_decay != 0.0) g += options_.weight_decay * theta;
  const double step_lr = lr() / (1.0 + double(steps() - 1) * options_.lr_decay);
  sum_[k] += g.square();
  theta -= step_lr * g / (sum_[k].sqrt() + options_.eps);
}

}  // namespace optim
