// SPDX-License-Identifier: MIT
#include "models/char_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace models {

std::int64_t encode_char(char c) {
  if (c == kBoundary) return 0;
  if (c >= 'a' && c <= 'z') return c - 'a' + 1;
  throw std::invalid_argument(fmt::format("encode_char: {:?} is neither 'a'..'z' nor '.'", c));
}

char decode_char(std::int64_t token) {
  if (token == 0) return kBoundary;
  if (token >= 1 && token < kVocabularySize) return char('a' + (token - 1));
  throw std::invalid_argument(fmt::format("decode_char: token {} is outside [0, {})", token, kVocabularySize));
}

bool is_lowercase_word(std::string_view word) {
  if (word.empty()) return false;
  for (const char c : word) {
    if (c < 'a' || c > 'z') return false;
  }
  return true;
}

CharExamples make_examples(std::span<const std::string> words, int context) {
  if (context < 1) throw std::invalid_argument(fmt::format("make_examples: context = {}, needs >= 1", context));
  std::size_t m = 0;
  for (const std::string& w : words) {
    if (!is_lowercase_word(w)) {
      throw std::invalid_argument(fmt::format("make_examples: word {:?} is not lower-case a-z only", w));
    }
    m += w.size() + 1;
  }
  CharExamples examples{IndexArray::Zero(Eigen::Index(m), context), std::vector<std::int64_t>(m)};
  Eigen::Index row = 0;
  std::vector<std::int64_t> window(static_cast<std::size_t>(context));
  for (const std::string& w : words) {
    std::fill(window.begin(), window.end(), 0);
    for (std::size_t p = 0; p <= w.size(); ++p) {
      const std::int64_t next = p < w.size() ? encode_char(w[p]) : 0;
      for (int j = 0; j < context; ++j) examples.context(row, j) = window[std::size_t(j)];
      examples.next[std::size_t(row)] = next;
      // Slide the window: drop its oldest token, append the one just seen.
      window.erase(window.begin());
      window.push_back(next);
      ++row;
    }
  }
  return examples;
}

Eigen::ArrayXXd count_bigrams(std::span<const std::string> words) {
  const CharExamples pairs = make_examples(words, 1);
  Eigen::ArrayXXd counts = Eigen::ArrayXXd::Zero(kVocabularySize, kVocabularySize);
  for (std::size_t i = 0; i < pairs.next.size(); ++i) counts(pairs.context(Eigen::Index(i), 0), pairs.next[i]) += 1.0;
  return counts;
}

double counted_nll(const Eigen::ArrayXXd& counts, const CharExamples& examples, double smoothing) {
  if (counts.rows() != kVocabularySize || counts.cols() != kVocabularySize) {
    throw std::invalid_argument(fmt::format("counted_nll: counts are {}x{}, expected {}x{}", counts.rows(),
                                            counts.cols(), kVocabularySize, kVocabularySize));
  }
  if (!(smoothing >= 0.0)) {
    throw std::invalid_argument(fmt::format("counted_nll: smoothing = {}, needs >= 0", smoothing));
  }
  if (examples.next.empty() || examples.context.cols() < 1) {
    throw std::invalid_argument("counted_nll: no examples");
  }
  const Eigen::ArrayXXd smoothed = counts + smoothing;
  const Eigen::ArrayXd row_totals = smoothed.rowwise().sum();
  const Eigen::Index last = examples.context.cols() - 1;
  double total = 0.0;
  for (std::size_t i = 0; i < examples.next.size(); ++i) {
    const std::int64_t p = examples.context(Eigen::Index(i), last);
    total -= std::log(smoothed(p, examples.next[i]) / row_totals(p));
  }
  return total / double(examples.next.size());
}

}  // namespace models
