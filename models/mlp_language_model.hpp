// SPDX-License-Identifier: MIT
// The character-level MLP language model of Bengio et al. (2003): the k
// previous tokens are looked up in a learned embedding table C (27 x d),
// concatenated, passed through one tanh layer and mapped to 27 logits:
//   logits = tanh([C_{t-k} ... C_{t-1}] W1 + b1) W2 + b2.
#pragma once

#include "../autodiff/var.hpp"
#include "module.hpp"
#include "char_data.hpp"

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace models {

struct MlpLanguageModelOptions {
  int context = 3;     // k: tokens of context
  int embedding = 10;  // d: width of a token's embedding
  int hidden = 200;    // width of the tanh layer
  std::uint64_t seed = 0;
};

namespace detail {
struct MlpLanguageModelInit;  // the initial values, drawn in one order (mlp_language_model.cpp)
}  // namespace detail

// Over parameters of scalar type S: MlpLanguageModel is the double one,
// f32::MlpLanguageModel the float one (the same initial values, rounded to float).
template <autodiff::TapeScalar S>
class BasicMlpLanguageModel : public BasicModule<S> {
 public:
  using Var = autodiff::BasicVar<S>;
  using Parameter = autodiff::BasicParameter<S>;

  // C ~ U(-1, 1); W1 Glorot uniform (a tanh layer); W2 Glorot uniform scaled
  // by 0.1, so that the first predictions are close to uniform; biases zero.
  explicit BasicMlpLanguageModel(MlpLanguageModelOptions options = {});

  // An m x k matrix of tokens -> m x 27 logits.
  Var logits(const IndexArray& context) const;
  // mean_i -log softmax(logits(context)_i)[next_i]
  Var loss(const IndexArray& context, std::span<const std::int64_t> next) const;
  Var loss(const CharExamples& examples) const { return loss(examples.context, examples.next); }
  // A word drawn token by token, starting from a context of '.', until the
  // next '.' (or max_length letters). Records under NoGrad.
  std::string sample(std::mt19937_64& rng, std::size_t max_length = 64) const;

  // parameters(): C, W1, b1, W2, b2, named "embedding", "hidden.weight", "hidden.bias", "output.weight", "output.bias".
  const MlpLanguageModelOptions& options() const { return options_; }

 private:
  BasicMlpLanguageModel(const MlpLanguageModelOptions& options, detail::MlpLanguageModelInit init);

  MlpLanguageModelOptions options_;
  Parameter embedding_;
  Parameter w1_;
  Parameter b1_;
  Parameter w2_;
  Parameter b2_;
};

using MlpLanguageModel = BasicMlpLanguageModel<double>;
namespace f32 {
using MlpLanguageModel = BasicMlpLanguageModel<float>;
}  // namespace f32

}  // namespace models
