// SPDX-License-Identifier: MIT
#include "models/mlp.hpp"

#include "autodiff/ops.hpp"
#include "autodiff/tape.hpp"
#include "models/metrics.hpp"

#include <fmt/format.h>

#include <random>
#include <stdexcept>
#include <type_traits>

namespace models {

template <autodiff::TapeScalar S>
BasicMlp<S>::BasicMlp(std::vector<autodiff::Index> widths, std::vector<Activation> activations, std::uint64_t seed)
    : widths_(std::move(widths)) {
  if (widths_.size() < 2) {
    throw std::invalid_argument(
        fmt::format("Mlp: needs at least two widths (inputs and classes), got {}", widths_.size()));
  }
  for (std::size_t l = 0; l < widths_.size(); ++l) {
    if (widths_[l] < 1) throw std::invalid_argument(fmt::format("Mlp: width {} is {}, needs >= 1", l, widths_[l]));
  }
  if (widths_.back() < 2) {
    throw std::invalid_argument(fmt::format("Mlp: {} classes, the softmax head needs >= 2", widths_.back()));
  }
  const std::size_t hidden = widths_.size() - 2;
  if (activations.size() == 1) activations.assign(hidden, activations.front());
  if (activations.size() != hidden) {
    throw std::invalid_argument(fmt::format("Mlp: {} activations for {} hidden layers (give one per hidden layer, "
                                            "or one for all)",
                                            activations.size(), hidden));
  }
  activations_ = std::move(activations);

  std::mt19937_64 rng(seed);
  for (std::size_t l = 0; l + 1 < widths_.size(); ++l) {
    // The output layer feeds softmax, a smooth squashing like tanh: Glorot.
    const Activation next = l < hidden ? activations_[l] : Activation::tanh;
    weights_.emplace_back(init_weights(next, widths_[l], widths_[l + 1], rng), fmt::format("layer{}.weight", l + 1));
    biases_.emplace_back(autodiff::BasicArray<S>::Zero(1, widths_[l + 1]), fmt::format("layer{}.bias", l + 1));
  }
  // After the loop: emplace_back may move the Parameters until the vectors are full.
  for (std::size_t l = 0; l < weights_.size(); ++l) this->register_parameters({&weights_[l], &biases_[l]});
}

template <autodiff::TapeScalar S>
autodiff::BasicVar<S> BasicMlp<S>::logits(const Var& x) const {
  if (x.cols() != widths_.front()) {
    throw std::invalid_argument(
        fmt::format("Mlp::logits: x is {}x{}, the model has {} inputs", x.rows(), x.cols(), widths_.front()));
  }
  Var h = x;
  for (std::size_t l = 0; l + 1 < weights_.size(); ++l) {
    h = apply(activations_[l], autodiff::matmul(h, weights_[l]) + biases_[l]);
  }
  return autodiff::matmul(h, weights_.back()) + biases_.back();
}

template <autodiff::TapeScalar S>
autodiff::BasicVar<S> BasicMlp<S>::loss(const Var& x, std::span<const std::int64_t> labels) const {
  return autodiff::cross_entropy(logits(x), labels);
}

template <autodiff::TapeScalar S>
std::vector<std::int64_t> BasicMlp<S>::predict(const Var& x) const {
  autodiff::NoGrad no_grad;
  if constexpr (std::is_same_v<S, double>) {
    return argmax_rows(logits(x).value());
  } else {
    return argmax_rows(logits(x).value().template cast<double>());
  }
}

template class BasicMlp<double>;
template class BasicMlp<float>;

}  // namespace models
