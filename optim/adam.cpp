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

template <class S>
struct Moments {
  autodiff::BasicArray<S>& m;
  autodiff::BasicArray<S>& v;
  autodiff::BasicArray<S>* v_max;  // nullptr without amsgrad
};

// The step shared by Adam and AdamW once the gradient g is final, in the parameters'
// type S; the scalars (rates, bias corrections) are computed in double, then rounded.
template <class S>
void adam_step(autodiff::BasicArray<S>& theta, const autodiff::BasicArray<S>& g, Moments<S> s, double lr,
               double beta1, double beta2, double eps, std::size_t t) {
  s.m = S(beta1) * s.m + S(1.0 - beta1) * g;
  s.v = S(beta2) * s.v + S(1.0 - beta2) * g.square();
  const double bias1 = 1.0 - std::pow(beta1, double(t));
  const double bias2 = 1.0 - std::pow(beta2, double(t));
  const autodiff::BasicArray<S>* v = &s.v;
  if (s.v_max) {
    *s.v_max = s.v_max->max(s.v);
    v = s.v_max;
  }
  theta -= S(lr / bias1) * s.m / ((*v).sqrt() / S(std::sqrt(bias2)) + S(eps));
}

}  // namespace

template <bool Decoupled, autodiff::TapeScalar S>
AdamRule<Decoupled, S>::AdamRule(autodiff::BasicParameterList<S> params, AdamOptionsOf<Decoupled> options)
    : BasicOptimizer<S>(Decoupled ? "AdamW" : "Adam", std::move(params), options.lr), options_(options) {
  detail::check_unit_interval(this->name(), "beta1", options_.betas.first);
  detail::check_unit_interval(this->name(), "beta2", options_.betas.second);
  detail::check_positive(this->name(), "eps", options_.eps);
  detail::check_non_negative(this->name(), "weight_decay", options_.weight_decay);
  m_ = this->zeros_like_params();
  v_ = this->zeros_like_params();
  if (options_.amsgrad) v_max_ = this->zeros_like_params();
}

template <bool Decoupled, autodiff::TapeScalar S>
void AdamRule<Decoupled, S>::update(std::size_t k, Array& theta, const Array& grad) {
  const double lambda = options_.weight_decay;
  Array g = grad;
  if constexpr (Decoupled) {
    theta *= S(1.0 - this->lr() * lambda);
  } else if (lambda != 0.0) {
    g += S(lambda) * theta;
  }
  adam_step<S>(theta, g, {m_[k], v_[k], options_.amsgrad ? &v_max_[k] : nullptr}, this->lr(),
               options_.betas.first, options_.betas.second, options_.eps, this->steps());
}

template class AdamRule<false>;
template class AdamRule<true>;
template class AdamRule<false, float>;
template class AdamRule<true, float>;

}  // namespace optim
