// SPDX-License-Identifier: MIT
// The bigram character model: a 27 x 27 table of logits, row p the logits of
// the token that follows token p, P(n | p) = softmax(table_p)_n. Trained by
// gradient descent on the cross-entropy of (previous -> next) pairs, it reaches
// the counted table's NLL: both minimise the same convex loss.
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

class BigramModel : public Module {
 public:
  // All logits zero: every next token equally likely (NLL = log 27).
  BigramModel();

  // Row i = table(prev[i], :), by gather_rows: m -> m x 27.
  autodiff::Var logits(std::span<const std::int64_t> prev) const;
  // mean_i -log softmax(table(prev_i, :))[next_i]
  autodiff::Var loss(std::span<const std::int64_t> prev, std::span<const std::int64_t> next) const;
  // The loss on examples made with context 1 (their only context column is prev).
  autodiff::Var loss(const CharExamples& pairs) const;
  // P(n | p) for every p, n: softmax of each row of the table.
  Eigen::ArrayXXd probabilities() const;
  // A word drawn token by token from '.' until the next '.' (or max_length letters).
  std::string sample(std::mt19937_64& rng, std::size_t max_length = 64) const;

  // parameters(): the table, named "table".
  autodiff::Parameter& table() { return table_; }

 private:
  autodiff::Parameter table_;
};

}  // namespace models
