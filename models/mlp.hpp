// SPDX-License-Identifier: MIT
// A multi-layer perceptron classifier: affine layers with an activation
// between them and a softmax cross-entropy head,
//   h_0 = x,  h_l = act_l(h_{l-1} W_l + b_l),  logits = h_{L-1} W_L + b_L.
#pragma once

#include "../autodiff/var.hpp"
#include "module.hpp"
#include "init.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace models {

// Over parameters of scalar type S: Mlp is the double one, f32::Mlp the float one
// (the same initial weights, rounded to float).
template <autodiff::TapeScalar S>
class BasicMlp : public BasicModule<S> {
 public:
  using Var = autodiff::BasicVar<S>;
  using Parameter = autodiff::BasicParameter<S>;

  // widths = {inputs, hidden..., classes}; activations holds one entry per
  // hidden layer, or a single entry used by all of them. Weights start from
  // init_weights (He uniform before ReLU, Glorot uniform before tanh and
  // sigmoid and for the output layer) drawn with std::mt19937_64(seed), biases at zero.
  BasicMlp(std::vector<autodiff::Index> widths, std::vector<Activation> activations, std::uint64_t seed);
  BasicMlp(std::vector<autodiff::Index> widths, Activation activation, std::uint64_t seed)
      : BasicMlp(std::move(widths), std::vector<Activation>{activation}, seed) {}

  // m x inputs -> m x classes.
  Var logits(const Var& x) const;
  // mean_i -log softmax(logits(x)_i)[label_i]
  Var loss(const Var& x, std::span<const std::int64_t> labels) const;
  // The most likely class of each row; records under NoGrad.
  std::vector<std::int64_t> predict(const Var& x) const;

  // parameters(): W_1, b_1, W_2, b_2, ... named "layer1.weight", "layer1.bias", ...
  const std::vector<autodiff::Index>& widths() const { return widths_; }
  // The activation after hidden layer l (0-based).
  Activation activation(std::size_t layer) const { return activations_.at(layer); }
  std::size_t layers() const { return weights_.size(); }
  Parameter& weight(std::size_t layer) { return weights_.at(layer); }
  Parameter& bias(std::size_t layer) { return biases_.at(layer); }

 private:
  std::vector<autodiff::Index> widths_;
  std::vector<Activation> activations_;  // one per hidden layer
  std::vector<Parameter> weights_;
  std::vector<Parameter> biases_;
};

using Mlp = BasicMlp<double>;
namespace f32 {
using Mlp = BasicMlp<float>;
}  // namespace f32

}  // namespace models
