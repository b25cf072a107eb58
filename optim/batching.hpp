// SPDX-License-Identifier: MIT
// Which examples a step sees, separate from the update rule: the full batch, one
// example in cyclic order, one example from a shuffled order, or mini-batches of a
// shuffled order. A Batch hands the chosen example indices to the loss function.
#pragma once

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace optim {

// The examples of one step. The indices view storage of the Batching that made
// the batch; they stay valid until its next call to next().
struct Batch {
  std::span<const Eigen::Index> indices{};  // example (row) numbers, in the order to use them
  bool full = false;                      // true: every example, in order 0 … N−1
  Eigen::Index size() const { return Eigen::Index(indices.size()); }
};

// The rows of data that the batch names, in batch order (a copy of data when batch.full;
// a model can test batch.full to use its data directly). Throws std::out_of_range
// naming an index that data does not have.
Eigen::ArrayXXd select_rows(const Eigen::ArrayXXd& data, const Batch& batch);
Eigen::ArrayXXf select_rows(const Eigen::ArrayXXf& data, const Batch& batch);  // float data, for float models
// The same for a column of data, without converting it to a 2-D array first.
Eigen::ArrayXd select_rows(const Eigen::ArrayXd& data, const Batch& batch);
// The labels that the batch names, in batch order.
std::vector<int> select(const std::vector<int>& labels, const Batch& batch);
std::vector<std::int64_t> select(const std::vector<std::int64_t>& labels, const Batch& batch);

// What to do with the last N mod B examples of an epoch of mini-batches.
enum class LastBatch {
  keep,  // a smaller last batch (as PyTorch's DataLoader with drop_last = false)
  drop,  // skip them this epoch (drop_last = true); the next epoch reshuffles all N
};

class Batching {
 public:
  // Every step sees all N examples (full-batch gradient descent).
  static Batching full(Eigen::Index examples);
  // Step i sees example i mod N.
  static Batching cyclic(Eigen::Index examples);
  // One example per step, from an order reshuffled at the start of every epoch.
  static Batching shuffled(Eigen::Index examples, std::uint64_t seed);
  // batch_size examples per step (1 ≤ batch_size ≤ N) from an order reshuffled every epoch.
  static Batching mini_batches(Eigen::Index examples, Eigen::Index batch_size, std::uint64_t seed,
                               LastBatch last = LastBatch::keep);

  // The batch of the next step.
  Batch next();
  // Every example, in order (what the loop uses for the full-data loss).
  Batch all() const { return {all_, true}; }

  Eigen::Index examples() const { return Eigen::Index(all_.size()); }
  Eigen::Index batch_size() const { return batch_size_; }
  bool is_full() const { return kind_ == Kind::full; }
  // Epochs begun so far (an epoch is one pass over the shuffled order).
  std::size_t epoch() const { return epoch_; }

  // Where the sequence of batches stands, for checkpoints: after load_state(s)
  // next() returns what it would have returned when s was taken.
  struct State {
    std::uint64_t kind = 0, examples = 0, batch_size = 0, last = 0;
    std::string rng;                  // the generator as its operator<< writes it
    std::vector<Eigen::Index> order;  // the current epoch's order (empty unless shuffled)
    std::uint64_t position = 0, epoch = 0, step = 0;
  };
  State state() const;
  // Throws std::invalid_argument naming what differs from this Batching (kind,
  // examples, batch size) or what is inconsistent (an order that is not a
  // permutation, a position past the end, an unreadable generator), changing nothing.
  void load_state(const State& state);

 private:
  enum class Kind { full, cyclic, shuffled };
  Batching(Kind kind, Eigen::Index examples, Eigen::Index batch_size, std::uint64_t seed, LastBatch last);

  Kind kind_;
  Eigen::Index batch_size_;
  LastBatch last_;
  std::mt19937_64 rng_;
  std::vector<Eigen::Index> all_;    // 0 … N−1
  std::vector<Eigen::Index> order_;  // the current epoch's order
  std::size_t position_ = 0;         // next unused place in order_
  std::size_t epoch_ = 0;
  std::size_t step_ = 0;
};

// A uniform integer in [0, n) from rng, by rejection: the same on every standard library
// (std::uniform_int_distribution is implementation-defined). n must be positive.
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t n);
// Fisher–Yates with uniform_below: for i = n−1 … 1, swap order[i] with order[uniform_below(i + 1)].
void shuffle(std::vector<Eigen::Index>& order, std::mt19937_64& rng);

}  // namespace optim
