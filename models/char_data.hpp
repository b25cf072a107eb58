// SPDX-License-Identifier: MIT
// Characters as tokens for the character-level language models: 26 letters
// plus '.', which marks both ends of a word, and the (context -> next token)
// examples cut from a word list, plus the counted bigram table.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace models {

// Token 0 is the boundary '.', tokens 1..26 are 'a'..'z'.
inline constexpr std::int64_t kVocabularySize = 27;
inline constexpr char kBoundary = '.';

using IndexArray = Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>;

// '.' -> 0, 'a' -> 1, ..., 'z' -> 26; anything else throws std::invalid_argument.
std::int64_t encode_char(char c);
// The inverse of encode_char; a token outside [0, 27) throws std::invalid_argument.
char decode_char(std::int64_t token);
// Non-empty and only 'a'..'z': the words the models train on.
bool is_lowercase_word(std::string_view word);

// Row i of context holds the `context` tokens that precede token next[i].
struct CharExamples {
  IndexArray context;             // m x k
  std::vector<std::int64_t> next;  // m
};

// Each word w gives |w| + 1 examples, one per token of "w." read with k '.'
// before it: for "ab" and k = 2, (.. -> a), (.a -> b), (ab -> .).
// k = 1 gives the (previous -> next) pairs of the bigram model.
CharExamples make_examples(std::span<const std::string> words, int context);

// counts(p, n) = how often token n follows token p in ".w." over the words.
Eigen::ArrayXXd count_bigrams(std::span<const std::string> words);

// -mean_i log P(next_i | prev_i), prev_i the last context column, with
// P(n | p) = (counts(p, n) + smoothing) / sum_n' (counts(p, n') + smoothing).
// With smoothing 0, a pair never counted has P = 0 and the NLL is infinite.
double counted_nll(const Eigen::ArrayXXd& counts, const CharExamples& examples, double smoothing = 0.0);

}  // namespace models
