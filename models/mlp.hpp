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

class Mlp : public Module {
 public:
  // widths = {inputs, hidden..., classes}; activations holds one entry per
  // hidden layer, or a single entry used by all of them. Weights start from
  // init_weights (He uniform before ReLU, Glorot uniform before tanh and
  // sigmoid and for the output layer) drawn with std::mt19937_64(seed), biases at zero.
  Mlp(std::vector<autodiff::Index> widths, std::vector<Activation> activations, std::uint64_t seed);
  Mlp(std::vector<autodiff::Index> widths, Activation activation, std::uint64_t seed)
      : Mlp(std::move(widths), std::vector<Activation>{activation}, seed) {}

  // m x inputs -> m x classes.
  autodiff::Var logits(const autodiff::Var& x) const;
  // mean_i -log softmax(logits(x)_i)[label_i]
  autodiff::Var loss(const autodiff::Var& x, std::span<const std::int64_t> labels) const;
  // The most likely class of each row; records under NoGrad.
  std::vector<std::int64_t> predict(const autodiff::Var& x) const;

  // parameters(): W_1, b_1, W_2, b_2, ... named "layer1.weight", "layer1.bias", ...
  const std::vector<autodiff::Index>& widths() const { return widths_; }
  // The activation after hidden layer l (0-based).
  Activation activation(std::size_t layer) const { return activations_.at(layer); }
  std::size_t layers() const { return weights_.size(); }
  autodiff::Parameter& weight(std::size_t layer) { return weights_.at(layer); }
  autodiff::Parameter& bias(std::size_t layer) { return biases_.at(layer); }

 private:
  std::vector<autodiff::Index> widths_;
  std::vector<Activation> activations_;  // one per hidden layer
  std::vector<autodiff::Parameter> weights_;
  std::vector<autodiff::Parameter> biases_;
};

}  // namespace models
