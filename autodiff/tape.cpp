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
  nodes_.clear();
  values_.clear();
  adjoints_.clear();
  ints_.clear();
  generation_ = next_generation.fetch_add(1);
  swept_ = false;
}

TapeCapacity Tape::capacity() const {
  return {nodes_.capacity(), values_.capacity() + adjoints_.capacity(), ints_.capacity()};
}

void Tape::throw_full(const char* op) {
  throw Error(fmt::format("{}: the tape is full ({} nodes); clear it between steps", op, kMaxNodes));
}

void Tape::grow(const char* op) {
  const std::size_t size = nodes_.size();
  if (size >= kMaxNodes) throw_full(op);
  nodes_.reserve(std::min(std::max(2 * size, std::size_t{256}), kMaxNodes));
}

std::int32_t Tape::push_external(const char* op, Index rows, Index cols, double* val,
                                 double* adj) {
  return append(Node{.val = val, .adj = grad_enabled_ ? adj : nullptr, .op = op, .c = 0.0,
                     .rows = std::int32_t(rows), .cols = std::int32_t(cols), .external = true});
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
      Node& n = nodes_[std::size_t(k)];
      n.fresh = n.adj && !n.external;
      n.grad_dropped = false;  // this sweep computes it
    }
  }
  swept_ = true;
  Node& seed = nodes_[std::size_t(loss)];
  seed.adj[0] = seed.fresh ? 1.0 : seed.adj[0] + 1.0;
  seed.fresh = false;
  // Reverse rules add into adjoints and record nothing, so the nodes stay put.
  // A fresh node received no gradient: it does not lead to the loss.
  const Node* const first = nodes_.data();
  if (!anomaly_) {
    for (std::int32_t k = loss; k >= 0; --k) {
      const Node& n = first[k];
      if (n.backward && !n.fresh) n.backward(*this, n);
    }
    return;
  }
  for (std::int32_t k = loss; k >= 0; --k) {
    const Node& n = first[k];
    if (n.backward && !n.fresh) {
      n.backward(*this, n);
      if (n.a >= 0 && node(n.a).adj) check_gradient(n, node(n.a));
      if (n.b >= 0 && node(n.b).adj) check_gradient(n, node(n.b));
    }
  }
}

NoGrad::NoGrad() : previous_(Tape::current().grad_enabled_) { Tape::current().grad_enabled_ = false; }
NoGrad::~NoGrad() { Tape::current().grad_enabled_ = previous_; }

FusionThreshold::FusionThreshold(Index min_elements) : previous_(Tape::current().fusion_threshold_) {
  Tape::current().fusion_threshold_ = std::max<Index>(min_elements, 2);
}
FusionThreshold::~FusionThreshold() { Tape::current().fusion_threshold_ = previous_; }

DetectAnomaly::DetectAnomaly() : previous_(Tape::current().anomaly_) { Tape::current().anomaly_ = true; }
DetectAnomaly::~DetectAnomaly() { Tape::current().anomaly_ = previous_; }

}  // namespace autodiff
