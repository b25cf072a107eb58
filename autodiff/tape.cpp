// SPDX-License-Identifier: MIT
#include "autodiff/tape.hpp"

#include "autodiff/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

namespace autodiff {

namespace {

// Generations are unique across all tapes, so a Var can never match a tape
// that merely reuses the address of a dead thread's tape.
std::atomic<std::uint64_t> next_generation{1};
// Serial numbers only name a tape in error messages; they may wrap.
std::atomic<std::uint32_t> next_serial{1};

// The gradient an op's reverse rule wrote into one of its operands.
void check_gradient(const Node& producer, const Node& operand) {
  for (Index k = 0; k < operand.size(); ++k) {
    if (!std::isfinite(operand.adj[k])) {
      throw NonFiniteError(fmt::format(
          "anomaly: the backward of {} produced {} in the gradient of its {}x{} operand ({}) "
          "at element ({}, {})",
          producer.op, std::isnan(operand.adj[k]) ? "NaN" : "infinity", operand.rows,
          operand.cols, operand.op, k % operand.rows, k / operand.rows));
    }
  }
}

}  // namespace

void check_value(const Node& n) {
  for (Index k = 0; k < n.size(); ++k) {
    if (!std::isfinite(n.val[k])) {
      throw NonFiniteError(fmt::format("anomaly: {} produced {} at element ({}, {}) of its {}x{} result",
                                       n.op, std::isnan(n.val[k]) ? "NaN" : "infinity",
                                       k % n.rows, k / n.rows, n.rows, n.cols));
    }
  }
}

std::size_t TapeCapacity::bytes() const {
  return nodes * sizeof(Node) + doubles * sizeof(double) + integers * sizeof(std::int64_t);
}

Tape::Tape() : generation_(next_generation.fetch_add(1)), serial_(next_serial.fetch_add(1)) {}

Tape& Tape::make_current() {
  thread_local Tape tape;  // destroyed when its thread ends
  current_ = &tape;
  return tape;
}

void Tape::clear() {
  size_ = 0;
  owners_.clear();
  values_.clear();
  adjoints_.clear();
  ints_.clear();
  generation_ = next_generation.fetch_add(1);
  swept_ = false;
}

TapeCapacity Tape::capacity() const {
  return {capacity_, values_.capacity() + adjoints_.capacity(), ints_.capacity()};
}

void Tape::throw_full(const char* op) {
  throw Error(fmt::format("{}: the tape is full ({} nodes); clear it between steps", op, kMaxNodes));
}

void Tape::throw_shape(const char* op, Index rows, Index cols) {
  throw ShapeError(fmt::format("{}: a {}x{} value does not fit: a dimension may be at most {}", op,
                               rows, cols, kMaxDim));
}

void Tape::grow(const char* op) {
  if (capacity_ >= kMaxNodes) throw_full(op);
  owned_.push_back(std::make_unique<Node[]>(std::size_t{1} << kBlockBits));
  blocks_.push_back(owned_.back().get());
  // The last block ends at the node limit, so that append() finds the tape full there.
  capacity_ = std::min(capacity_ + (std::size_t{1} << kBlockBits), kMaxNodes);
}

std::int32_t Tape::push_external(const char* op, Index rows, Index cols, double* val,
                                 double* adj, ExternalOwner owner) {
  const std::int32_t k =
      append(Node{.val = val, .adj = grad_enabled_ ? adj : nullptr, .op = op, .c = 0.0,
                  .rows = std::int32_t(rows), .cols = std::int32_t(cols), .external = true});
  if (owner.owner) {
    owner.node = k;
    owners_.push_back(std::move(owner));
  }
  return k;
}

const std::int64_t* Tape::store_ints(const std::int64_t* data, std::size_t n) {
  std::int64_t* p = ints_.allocate(n);
  if (n) std::memcpy(p, data, n * sizeof(std::int64_t));
  return p;
}

void Tape::backward(std::int32_t loss) {
  // Instead of zeroing every adjoint first, the tape's own adjoints start fresh
  // (push marks them): the first contribution assigns, later ones add
  // (detail::add_to). Only a second sweep over the same nodes marks them again.
  // A Parameter's adjoint is its grad(), which accumulates, so it is never fresh.
  if (swept_) {
    for (std::int32_t k = 0; k <= loss; ++k) {
      Node& n = node(k);
      n.fresh = n.adj && !n.external;
    }
  }
  // A leaf whose owner moved its storage since it was recorded would be read after
  // free: refuse the sweep instead. Then lock the Parameters it writes into, in
  // address order, so that two threads' sweeps into one Parameter take turns.
  locked_.clear();
  for (const ExternalOwner& o : owners_) {
    if (o.node > loss) continue;
    if (o.check) o.check(o.owner.get(), node(o.node));
    if (o.lock && node(o.node).adj) locked_.push_back(&o);
  }
  auto owner = [](const ExternalOwner* o) { return o->owner.get(); };
  std::sort(locked_.begin(), locked_.end(), [&](auto* x, auto* y) { return std::less<void*>{}(owner(x), owner(y)); });
  locked_.erase(std::unique(locked_.begin(), locked_.end(), [&](auto* x, auto* y) { return owner(x) == owner(y); }),
                locked_.end());
  struct Unlock {
    const std::vector<const ExternalOwner*>& locked;
    std::size_t held = 0;
    ~Unlock() {
      for (std::size_t k = 0; k < held; ++k) locked[k]->unlock(locked[k]->owner.get());
    }
  } unlock{locked_};
  for (const ExternalOwner* o : locked_) {
    o->lock(o->owner.get());
    ++unlock.held;
  }
  swept_ = true;
  accumulate(node(loss), 0, 1.0);
  // A fresh node received no gradient: it does not lead to the loss.
  if (!anomaly_) {
    for (std::int32_t k = loss; k >= 0; --k) {
      const Node& n = node(k);
      if (n.backward && !n.fresh) n.backward(*this, n);
    }
    return;
  }
  for (std::int32_t k = loss; k >= 0; --k) {
    const Node& n = node(k);
    if (n.backward && !n.fresh) {
      n.backward(*this, n);
      if (n.a >= 0 && node(n.a).adj) check_gradient(n, node(n.a));
      if (n.b >= 0 && node(n.b).adj) check_gradient(n, node(n.b));
    }
  }
}

NoGrad::NoGrad() : previous_(Tape::current().grad_enabled_) { Tape::current().grad_enabled_ = false; }
NoGrad::~NoGrad() { Tape::current().grad_enabled_ = previous_; }

DetectAnomaly::DetectAnomaly() : previous_(Tape::current().anomaly_) { Tape::current().anomaly_ = true; }
DetectAnomaly::~DetectAnomaly() { Tape::current().anomaly_ = previous_; }

}  // namespace autodiff
