// SPDX-License-Identifier: MIT
// Adagrad as the torch.optim documentation states it (γ = lr, λ = weight_decay, η = lr_decay):
//   g ← ∇θ + λ θ
//   γ̃ = γ / (1 + (t − 1) η)
//   s ← s + g²            (s starts at initial_accumulator_value)
//   θ ← θ − γ̃ g / (√s + ε)
#include "optim/adagrad.hpp"

namespace optim {

template <autodiff::TapeScalar S>
BasicAdagrad<S>::BasicAdagrad(autodiff::BasicParameterList<S> params, AdagradOptions options)
    : BasicOptimizer<S>("Adagrad", std::move(params), options.lr), options_(options) {
  detail::check_non_negative(this->name(), "lr_decay", options_.lr_decay);
  detail::check_non_negative(this->name(), "weight_decay", options_.weight_decay);
  detail::check_non_negative(this->name(), "initial_accumulator_value", options_.initial_accumulator_value);
  detail::check_positive(this->name(), "eps", options_.eps);
  sum_ = this->zeros_like_params(options_.initial_accumulator_value);
}

// The step's rate is computed in double, then rounded to S with the other options.
template <autodiff::TapeScalar S>
void BasicAdagrad<S>::update(std::size_t k, Array& theta, const Array& grad) {
  Array g = grad;
  if (options_.weight_decay != 0.0) g += S(options_.weight_decay) * theta;
  const double step_lr = this->lr() / (1.0 + double(this->steps() - 1) * options_.lr_decay);
  sum_[k] += g.square();
  theta -= S(step_lr) * g / (sum_[k].sqrt() + S(options_.eps));
}

template class BasicAdagrad<double>;
template class BasicAdagrad<float>;

}  // namespace optim
