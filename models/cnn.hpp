// SPDX-License-Identifier: MIT
// A small convolutional classifier for images stored one per row (conv2d's layout):
//   conv(C -> conv1, k x k, padding k/2) -> relu -> max_pool 2
//   -> conv(conv1 -> conv2, k x k, padding k/2) -> relu -> max_pool 2
//   -> linear(conv2 * H/4 * W/4 -> classes)
// With the defaults it is the Fashion-MNIST network of docs/fashion_mnist.md.
#pragma once

#include "../autodiff/ops.hpp"
#include "module.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace models {

struct CnnOptions {
  autodiff::Index channels = 1, height = 28, width = 28;  // of each input image
  autodiff::Index conv1 = 16, conv2 = 32;                  // filters of the two convolutions
  autodiff::Index kernel = 5;                              // odd, so padding kernel / 2 keeps the size
  autodiff::Index classes = 10;
};

namespace detail {
struct CnnInit;  // the initial weights, drawn in one order (cnn.cpp)
}  // namespace detail

// Over parameters of scalar type S: Cnn is the double one, f32::Cnn the float one
// (the same initial weights, rounded to float).
template <autodiff::TapeScalar S>
class BasicCnn : public BasicModule<S> {
  CnnOptions options_;  // first: the parameters' shapes come from it

 public:
  using Var = autodiff::BasicVar<S>;
  using Parameter = autodiff::BasicParameter<S>;

  // Convolution weights start He uniform (fan-in C*k*k), the linear layer Glorot
  // uniform, drawn with std::mt19937_64(seed); biases at zero. Throws
  // std::invalid_argument naming a size out of range.
  BasicCnn(CnnOptions options, std::uint64_t seed);

  // m x (C*H*W) -> m x (conv2 * H/4 * W/4): the second pool's output.
  Var features(const Var& x) const;
  // m x (C*H*W) -> m x classes.
  Var logits(const Var& x) const;
  // mean_i -log softmax(logits(x)_i)[label_i]
  Var loss(const Var& x, std::span<const std::int64_t> labels) const;
  // The most likely class of each row; records under NoGrad on the calling thread's tape.
  std::vector<std::int64_t> predict(const Var& x) const;
  // The same for many images (given in double, as datasets load them), `batch` rows
  // at a time on a thread of its own, whose tape is cleared between batches: memory
  // stays bounded and the caller's tape is untouched.
  std::vector<std::int64_t> predict(const autodiff::Array& images, autodiff::Index batch) const;

  const CnnOptions& options() const { return options_; }
  autodiff::Conv2dGeometry conv1_geometry() const;
  autodiff::Conv2dGeometry conv2_geometry() const;
  autodiff::Index flat_features() const;  // conv2 * H/4 * W/4

  // parameters(): named "conv1.weight" (conv1 x C*k*k), "conv1.bias" (1 x conv1),
  // "conv2.weight" (conv2 x conv1*k*k), "conv2.bias", "fc.weight" (flat_features x classes), "fc.bias".
  Parameter conv1_weight, conv1_bias, conv2_weight, conv2_bias, fc_weight, fc_bias;

 private:
  BasicCnn(CnnOptions options, detail::CnnInit&& init);
};

using Cnn = BasicCnn<double>;
namespace f32 {
using Cnn = BasicCnn<float>;
}  // namespace f32

}  // namespace models
