// SPDX-License-Identifier: MIT
#include "models/init.hpp"

#include "autodiff/ops.hpp"

#include <cmath>

namespace models {

namespace {

autodiff::Array uniform_array(autodiff::Index rows, autodiff::Index cols, double a, std::mt19937_64& rng) {
  autodiff::Array w(rows, cols);
  for (autodiff::Index k = 0; k < w.size(); ++k) w(k) = a * (2.0 * uniform01(rng) - 1.0);
  return w;
}

}  // namespace

std::string_view to_string(Activation activation) {
  switch (activation) {
    case Activation::tanh: return "tanh";
    case Activation::relu: return "relu";
    case Activation::sigmoid: return "sigmoid";
  }
  return "unknown";
}

template <class S>
autodiff::BasicVar<S> apply_activation(Activation activation, const autodiff::BasicVar<S>& x) {
  switch (activation) {
    case Activation::tanh: return autodiff::tanh(x);
    case Activation::relu: return autodiff::relu(x);
    case Activation::sigmoid: return autodiff::sigmoid(x);
  }
  return x;
}

autodiff::Var apply(Activation activation, const autodiff::Var& x) { return apply_activation(activation, x); }
autodiff::f32::Var apply(Activation activation, const autodiff::f32::Var& x) {
  return apply_activation(activation, x);
}

// 2^-53 times a 53-bit integer: every value is exact and below 1.
double uniform01(std::mt19937_64& rng) { return double(rng() >> 11) * 0x1.0p-53; }

autodiff::Array glorot_uniform(autodiff::Index fan_in, autodiff::Index fan_out, std::mt19937_64& rng) {
  return uniform_array(fan_in, fan_out, std::sqrt(6.0 / double(fan_in + fan_out)), rng);
}

autodiff::Array he_uniform(autodiff::Index fan_in, autodiff::Index fan_out, std::mt19937_64& rng) {
  return uniform_array(fan_in, fan_out, std::sqrt(6.0 / double(fan_in)), rng);
}

autodiff::Array init_weights(Activation activation, autodiff::Index fan_in, autodiff::Index fan_out,
                             std::mt19937_64& rng) {
  return activation == Activation::relu ? he_uniform(fan_in, fan_out, rng) : glorot_uniform(fan_in, fan_out, rng);
}

}  // namespace models
