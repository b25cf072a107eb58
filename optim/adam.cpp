// SPDX-License-Identifier: MIT
// Adam and AdamW as the torch.optim documentation states them (γ = lr, λ = weight_decay):
//   Adam:  g ← ∇θ + λ θ                         AdamW:  θ ← θ − γ λ θ,  g ← ∇θ
//   m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²
//   m̂ = m / (1 − β1^t)
//   amsgrad: v_max ← max(v_max, v), v̂ = v_max / (1 − β2^t);  else v̂ = v / (1 − β2^t)
//   θ ← θ − γ m̂ / (√v̂ + ε)
// AMSGrad takes the maximum of the raw v, then corrects it (PyTorch's code and docs since 2.6).
#include "optim/adam.hpp"

#include <cmath>

namespace optim {

namespace {

struct Moments {
  autodiff::Array& m;
  autodiff::Array& v;
  autodiff::Array* v_max;  // nullptr without amsgrad
};

// The step shared by Adam and AdamW once the gradient g is final.
void adam_step(autodiff::Array& theta, const autodiff::Array& g, Moments s, double lr, double beta1,
               double beta2, double eps, std::size_t t) {
  s.m = beta1 * s.m + (1.0 - beta1) * g;
  s.v = beta2 * s.v + (1.0 - beta2) * g.square();
  const double bias1 = 1.0 - std::pow(beta1, double(t));
  const double bias2 = 1.0 - std::pow(beta2, double(t));
  const autodiff::Array* v = &s.v;
  if (s.v_max) {
    *s.v_max = s.v_max->max(s.v);
    v = s.v_max;
  }
  theta -= (lr / bias1) * s.m / ((*v).sqrt() / std::sqrt(bias2) + eps);
}

}  // namespace

template <bool Decoupled>
AdamRule<Decoupled>::AdamRule(ParameterList params, AdamOptionsOf<Decoupled> options)
    : Optimizer(Decoupled ? "AdamW" : "Adam", std::move(params), options.lr), options_(options) {
  detail::check_unit_interval(name(), "beta1", options_.betas.first);
  detail::check_unit_interval(name(), "beta2", options_.betas.second);
  detail::check_positive(name(), "eps", options_.eps);
  detail::check_non_negative(name(), "weight_decay", options_.weight_decay);
  m_ = zeros_like_params();
  v_ = zeros_like_params();
  if (options_.amsgrad) v_max_ = zeros_like_params();
}

template <bool Decoupled>
void AdamRule<Decoupled>::update(std::size_t k, autodiff::Array& theta, const autodiff::Array& grad) {
  const double lambda = options_.weight_decay;
  autodiff::Array g = grad;
  if constexpr (Decoupled) {
    theta *= 1.0 - lr() * lambda;
  } else if (lambda != 0.0) {
    g += lambda * theta;
  }
  adam_step(theta, g, {m_[k], v_[k], options_.amsgrad ? &v_max_[k] : nullptr}, lr(),
            options_.betas.first, options_.betas.second, options_.eps, steps());
}

template class AdamRule<false>;
template class AdamRule<true>;

}  // namespace optim
