// SPDX-License-Identifier: MIT
#include "models/mlp_language_model.hpp"

#include "autodiff/ops.hpp"
#include "autodiff/tape.hpp"
#include "models/init.hpp"
#include "models/sampling.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace models {

using autodiff::Array;

namespace {

MlpLanguageModelOptions checked(MlpLanguageModelOptions o) {
  if (o.context < 1 || o.embedding < 1 || o.hidden < 1) {
    throw std::invalid_argument(fmt::format("MlpLanguageModel: context = {}, embedding = {}, hidden = {}; each "
                                            "needs >= 1",
                                            o.context, o.embedding, o.hidden));
  }
  return o;
}

}  // namespace

// The initial values, drawn in double in a fixed order so that a seed fixes all of
// them, for either scalar type.
struct detail::MlpLanguageModelInit {
  Array embedding, w1, w2;
};

namespace {

detail::MlpLanguageModelInit draw(const MlpLanguageModelOptions& o) {
  std::mt19937_64 rng(o.seed);
  detail::MlpLanguageModelInit init;
  init.embedding.resize(kVocabularySize, o.embedding);
  for (autodiff::Index k = 0; k < init.embedding.size(); ++k) init.embedding(k) = 2.0 * uniform01(rng) - 1.0;
  init.w1 = glorot_uniform(autodiff::Index(o.context) * o.embedding, o.hidden, rng);
  init.w2 = 0.1 * glorot_uniform(o.hidden, kVocabularySize, rng);
  return init;
}

}  // namespace

template <autodiff::TapeScalar S>
BasicMlpLanguageModel<S>::BasicMlpLanguageModel(MlpLanguageModelOptions options)
    : BasicMlpLanguageModel(checked(options), draw(checked(options))) {}

template <autodiff::TapeScalar S>
BasicMlpLanguageModel<S>::BasicMlpLanguageModel(const MlpLanguageModelOptions& options,
                                                detail::MlpLanguageModelInit init)
    : options_(options),
      embedding_(std::move(init.embedding), "embedding"),
      w1_(std::move(init.w1), "hidden.weight"),
      b1_(autodiff::BasicArray<S>::Zero(1, options.hidden), "hidden.bias"),
      w2_(std::move(init.w2), "output.weight"),
      b2_(autodiff::BasicArray<S>::Zero(1, kVocabularySize), "output.bias") {
  this->register_parameters({&embedding_, &w1_, &b1_, &w2_, &b2_});
}

template <autodiff::TapeScalar S>
autodiff::BasicVar<S> BasicMlpLanguageModel<S>::logits(const IndexArray& context) const {
  if (context.cols() != options_.context) {
    throw std::invalid_argument(fmt::format("MlpLanguageModel::logits: context is {}x{}, the model reads {} tokens",
                                            context.rows(), context.cols(), options_.context));
  }
  // m x (k d): row i is the concatenated embeddings of example i's context.
  const Var x = autodiff::gather_rows(embedding_, context);
  const Var h = autodiff::tanh(autodiff::matmul(x, w1_) + b1_);
  return autodiff::matmul(h, w2_) + b2_;
}

template <autodiff::TapeScalar S>
autodiff::BasicVar<S> BasicMlpLanguageModel<S>::loss(const IndexArray& context,
                                                     std::span<const std::int64_t> next) const {
  return autodiff::cross_entropy(logits(context), next);
}

template <autodiff::TapeScalar S>
std::string BasicMlpLanguageModel<S>::sample(std::mt19937_64& rng, std::size_t max_length) const {
  autodiff::NoGrad no_grad;
  IndexArray context = IndexArray::Zero(1, options_.context);
  std::string word;
  while (word.size() < max_length) {
    const Var p = autodiff::softmax(logits(context));
    // Drawn from the probabilities in double, so that a seed draws the same words in either type.
    const Array values = p.value().template cast<double>();
    const std::int64_t token =
        sample_categorical(std::span<const double>(values.data(), std::size_t(values.size())), rng);
    if (token == 0) break;
    word.push_back(decode_char(token));
    // Shift the context left by one and append the new token.
    for (int j = 0; j + 1 < options_.context; ++j) context(0, j) = context(0, j + 1);
    context(0, options_.context - 1) = token;
  }
  return word;
}

template class BasicMlpLanguageModel<double>;
template class BasicMlpLanguageModel<float>;

}  // namespace models
