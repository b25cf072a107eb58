// SPDX-License-Identifier: MIT
// Batching strategies, the seeded shuffle and the helpers that select a batch's rows.
#include "optim/batching.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace optim {

namespace {

void check_index(const char* who, Eigen::Index i, std::size_t size) {
  if (i < 0 || std::size_t(i) >= size) {
    throw std::out_of_range(fmt::format("{}: the batch names example {}, but the data has {} rows", who, i, size));
  }
}

template <class T>
std::vector<T> select_from(const char* who, const std::vector<T>& data, const Batch& batch) {
  std::vector<T> out;
  out.reserve(batch.indices.size());
  for (Eigen::Index i : batch.indices) {
    check_index(who, i, data.size());
    out.push_back(data[std::size_t(i)]);
  }
  return out;
}

}  // namespace

namespace {

template <class A>
A select_rows_of(const A& data, const Batch& batch) {
  if (batch.full && batch.size() == data.rows()) return data;
  A out(batch.size(), data.cols());
  for (Eigen::Index r = 0; r < batch.size(); ++r) {
    const Eigen::Index i = batch.indices[std::size_t(r)];
    check_index("select_rows", i, std::size_t(data.rows()));
    out.row(r) = data.row(i);
  }
  return out;
}

}  // namespace

Eigen::ArrayXXd select_rows(const Eigen::ArrayXXd& data, const Batch& batch) { return select_rows_of(data, batch); }
Eigen::ArrayXXf select_rows(const Eigen::ArrayXXf& data, const Batch& batch) { return select_rows_of(data, batch); }
Eigen::ArrayXd select_rows(const Eigen::ArrayXd& data, const Batch& batch) { return select_rows_of(data, batch); }

std::vector<int> select(const std::vector<int>& labels, const Batch& batch) {
  return select_from("select", labels, batch);
}

std::vector<std::int64_t> select(const std::vector<std::int64_t>& labels, const Batch& batch) {
  return select_from("select", labels, batch);
}

std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("uniform_below: n must be positive, got 0");
  // 2^64 mod n, computed without 128-bit arithmetic. Values below it are rejected,
  // leaving 2^64 − (2^64 mod n) candidates: a multiple of n, so x mod n is uniform.
  const std::uint64_t threshold = (0 - n) % n;
  std::uint64_t x = rng();
  while (x < threshold) x = rng();
  return x % n;
}

void shuffle(std::vector<Eigen::Index>& order, std::mt19937_64& rng) {
  for (std::size_t i = order.size(); i-- > 1;) {
    std::swap(order[i], order[std::size_t(uniform_below(rng, i + 1))]);
  }
}

Batching::Batching(Kind kind, Eigen::Index examples, Eigen::Index batch_size, std::uint64_t seed, LastBatch last)
    : kind_(kind), batch_size_(batch_size), last_(last), rng_(seed) {
  if (examples <= 0) {
    throw std::invalid_argument(fmt::format("Batching: the data set must hold at least one example, got {}", examples));
  }
  if (batch_size <= 0 || batch_size > examples) {
    throw std::invalid_argument(fmt::format("Batching: batch_size must be in [1, {}] (the number of examples), got {}",
                                            examples, batch_size));
  }
  all_.resize(std::size_t(examples));
  std::iota(all_.begin(), all_.end(), Eigen::Index{0});
  if (kind_ == Kind::shuffled) order_ = all_;
}

Batching Batching::full(Eigen::Index examples) {
  return {Kind::full, examples, std::max<Eigen::Index>(examples, 1), 0, LastBatch::keep};
}

Batching Batching::cyclic(Eigen::Index examples) { return {Kind::cyclic, examples, 1, 0, LastBatch::keep}; }

Batching Batching::shuffled(Eigen::Index examples, std::uint64_t seed) {
  return {Kind::shuffled, examples, 1, seed, LastBatch::keep};
}

Batching Batching::mini_batches(Eigen::Index examples, Eigen::Index batch_size, std::uint64_t seed, LastBatch last) {
  return {Kind::shuffled, examples, batch_size, seed, last};
}

Batch Batching::next() {
  const std::size_t n = all_.size();
  switch (kind_) {
    case Kind::full:
      ++step_;
      ++epoch_;
      return all();
    case Kind::cyclic: {
      const std::size_t i = step_++ % n;
      if (i == 0) ++epoch_;
      return {std::span<const Eigen::Index>(all_).subspan(i, 1), false};
    }
    case Kind::shuffled:
      break;
  }
  if (position_ == 0) {
    shuffle(order_, rng_);
    ++epoch_;
  }
  const std::size_t size = std::min(std::size_t(batch_size_), n - position_);
  Batch batch{std::span<const Eigen::Index>(order_).subspan(position_, size), false};
  position_ += size;
  const std::size_t left = n - position_;
  if (left == 0 || (last_ == LastBatch::drop && left < std::size_t(batch_size_))) position_ = 0;
  ++step_;
  return batch;
}

Batching::State Batching::state() const {
  std::ostringstream rng;
  rng << rng_;
  return {std::uint64_t(kind_), all_.size(), std::uint64_t(batch_size_), std::uint64_t(last_), rng.str(),
          order_, position_, epoch_, step_};
}

void Batching::load_state(const State& s) {
  const auto fail = [](const std::string& what) {
    throw std::invalid_argument("Batching::load_state: " + what);
  };
  if (s.kind != std::uint64_t(kind_) || s.examples != all_.size() || s.batch_size != std::uint64_t(batch_size_) ||
      s.last != std::uint64_t(last_)) {
    fail(fmt::format("the state is of a batching of kind {} over {} examples in batches of {}, this one is of kind "
                     "{} over {} in batches of {}",
                     s.kind, s.examples, s.batch_size, int(kind_), all_.size(), batch_size_));
  }
  if (s.order.size() != order_.size()) {
    fail(fmt::format("the order holds {} indices, expected {}", s.order.size(), order_.size()));
  }
  std::vector<bool> seen(s.order.size(), false);
  for (const Eigen::Index i : s.order) {
    if (i < 0 || std::size_t(i) >= seen.size() || seen[std::size_t(i)]) {
      fail(fmt::format("the order is not a permutation of 0 ... {} (index {})", seen.size() - 1, i));
    }
    seen[std::size_t(i)] = true;
  }
  if (s.position >= std::max<std::size_t>(all_.size(), 1)) {
    fail(fmt::format("position {} is past the {} examples", s.position, all_.size()));
  }
  std::istringstream text(s.rng);
  std::mt19937_64 rng;
  if (!(text >> rng)) fail("the random generator's state cannot be read");
  rng_ = rng;
  order_ = s.order;
  position_ = std::size_t(s.position);
  epoch_ = std::size_t(s.epoch);
  step_ = std::size_t(s.step);
}

}  // namespace optim
