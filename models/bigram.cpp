// SPDX-License-Identifier: MIT
#include "models/bigram.hpp"

#include "autodiff/ops.hpp"
#include "autodiff/tape.hpp"
#include "models/sampling.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace models {

using autodiff::Var;

BigramModel::BigramModel() : table_(autodiff::Array::Zero(kVocabularySize, kVocabularySize), "table") {
  register_parameters({&table_});
}

Var BigramModel::logits(std::span<const std::int64_t> prev) const { return autodiff::gather_rows(table_, prev); }

Var BigramModel::loss(std::span<const std::int64_t> prev, std::span<const std::int64_t> next) const {
  if (prev.size() != next.size()) {
    throw std::invalid_argument(
        fmt::format("BigramModel::loss: {} previous tokens for {} next tokens", prev.size(), next.size()));
  }
  return autodiff::cross_entropy(logits(prev), next);
}

Var BigramModel::loss(const CharExamples& pairs) const {
  if (pairs.context.cols() != 1) {
    throw std::invalid_argument(fmt::format(
        "BigramModel::loss: examples have a context of {} tokens; make them with context 1", pairs.context.cols()));
  }
  return loss(std::span<const std::int64_t>(pairs.context.data(), std::size_t(pairs.context.rows())), pairs.next);
}

Eigen::ArrayXXd BigramModel::probabilities() const {
  const autodiff::Array& t = table_.value();
  const Eigen::ArrayXXd shifted = t.colwise() - t.rowwise().maxCoeff();
  const Eigen::ArrayXXd e = shifted.exp();
  return e.colwise() / e.rowwise().sum();
}

std::string BigramModel::sample(std::mt19937_64& rng, std::size_t max_length) const {
  const Eigen::ArrayXXd p = probabilities();
  std::string word;
  std::int64_t token = 0;
  while (word.size() < max_length) {
    const Eigen::ArrayXd row = p.row(token).transpose();
    token = sample_categorical(std::span<const double>(row.data(), std::size_t(row.size())), rng);
    if (token == 0) break;
    word.push_back(decode_char(token));
  }
  return word;
}

}  // namespace models
