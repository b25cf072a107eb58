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
std::atomic<std::uint64_t> generation_count{1};
// Serial numbers only name a tape in error messages; they may wrap.
std::atomic<std::uint32_t> next_serial{1};

// The gradient an op's reverse rule wrote into one of its operands.
template <class S>
void check_gradient(const BasicNode<S>& producer, const BasicNode<S>& operand) {
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

template <class S>
void check_value(const BasicNode<S>& n) {
  for (Index k = 0; k < n.size(); ++k) {
    if (!std::isfinite(n.val[k])) {
      throw NonFiniteError(fmt::format("anomaly: {} produced {} at element ({}, {}) of its {}x{} result",
                                       n.op, std::isnan(n.val[k]) ? "NaN" : "infinity",
                                       k % n.rows, k / n.rows, n.rows, n.cols));
    }
  }
}

std::size_t TapeCapacity::bytes() const {
  return nodes * sizeof(Node) + doubles * scalar_bytes + integers * sizeof(std::int64_t) +
         scalars * entry_bytes;
}

template <TapeScalar S>
BasicTape<S>::BasicTape() : generation_(0), serial_(next_serial.fetch_add(1)) { generation_ = next_generation(); }

template <TapeScalar S>
std::uint64_t BasicTape<S>::next_generation() const {
  // 2^48 clears before the count wraps: more than any process makes.
  return generation_count.fetch_add(1) << kSerialBits | (serial_ & kSerialMask);
}

template <TapeScalar S>
BasicTape<S>& BasicTape<S>::make_current() {
  thread_local BasicTape tape;  // destroyed when its thread ends
  current_ = &tape;
  return tape;
}

template <TapeScalar S>
void BasicTape<S>::clear() {
  size_ = 0;
  scalar_block_ = 0;
  scalar_base_ = scalar_next_ = scalar_blocks_.empty() ? nullptr : scalar_blocks_[0];
  scalar_end_ = scalar_blocks_.empty() ? nullptr : scalar_next_ + (std::size_t{1} << kBlockBits);
  last_scalar_ = nullptr;
  last_scalar_node_ = -1;
  set_fast_end();
  owners_.clear();
  values_.clear();
  adjoints_.clear();
  ints_.clear();
  generation_ = next_generation();
  swept_ = false;
}

template <TapeScalar S>
TapeCapacity BasicTape<S>::capacity() const {
  return {capacity_, values_.capacity() + adjoints_.capacity(), ints_.capacity(),
          scalar_blocks_.size() << kBlockBits, sizeof(S), sizeof(ScalarEntry)};
}

template <TapeScalar S>
void BasicTape<S>::throw_full(const char* op) {
  throw Error(fmt::format("{}: the tape is full ({} nodes); clear it between steps", op, kMaxNodes));
}

template <TapeScalar S>
void BasicTape<S>::throw_shape(const char* op, Index rows, Index cols) {
  throw ShapeError(fmt::format("{}: a {}x{} value does not fit: a dimension may be at most {}", op,
                               rows, cols, kMaxDim));
}

template <TapeScalar S>
void BasicTape<S>::grow(const char* op) {
  if (capacity_ >= kMaxNodes) throw_full(op);
  owned_.push_back(std::make_unique<Node[]>(std::size_t{1} << kBlockBits));
  blocks_.push_back(owned_.back().get());
  // The last block ends at the node limit, so that append() finds the tape full there.
  capacity_ = std::min(capacity_ + (std::size_t{1} << kBlockBits), kMaxNodes);
}

template <TapeScalar S>
void BasicTape<S>::grow_scalars() {
  const std::size_t scalars = scalar_size();
  const std::size_t block = scalars >> kBlockBits;  // scalars is a multiple of the block size here
  if (scalars >= kMaxNodes) throw_full("a 1x1 op");
  if (block == scalar_blocks_.size()) {
    scalar_owned_.push_back(std::make_unique<ScalarEntry[]>(std::size_t{1} << kBlockBits));
    scalar_blocks_.push_back(scalar_owned_.back().get());
  }
  scalar_base_ = scalar_next_ = scalar_blocks_[block];
  scalar_block_ = block;
  // The last block ends at the limit, as the nodes' do.
  scalar_end_ = scalar_next_ + std::min(std::size_t{1} << kBlockBits, kMaxNodes - scalars);
  set_fast_end();
}

template <TapeScalar S>
std::int32_t BasicTape<S>::make_scalar_node(ScalarEntry* entry) {
  ScalarEntry& e = *entry;
  const std::int32_t k = append(Node{.val = &e.val, .adj = needs_grad(e) ? &e.adj : nullptr,
                                     .op = "1x1 op", .c = 0.0, .rows = 1, .cols = 1,
                                     .zeroed = needs_grad(e), .scalar_ready = true});
  last_scalar_ = entry;
  last_scalar_node_ = k;
  return k;
}

template <TapeScalar S>
void BasicTape<S>::sweep_scalars(std::size_t lo, std::size_t hi) {
  while (hi > lo) {
    const std::size_t first = std::max(lo, ((hi - 1) >> kBlockBits) << kBlockBits);
    ScalarEntry* base = scalar_blocks_[first >> kBlockBits];
    ScalarEntry* begin = base + (first & std::size_t(kBlockMask));
    ScalarEntry* e = base + ((hi - 1) & std::size_t(kBlockMask));
    // What e receives from the entry just after it, when that is its operand a and not
    // also its b (a chain): carried in a register, so that each step of the chain waits
    // for a multiply and an add, not for a store to reach the next load. Added last, as
    // the store would have been, so the sums round as before.
    S carry = 0;
    for (; e != begin; --e) {
      const S g = e->adj + carry;
      e->adj = g;
      carry = 0;
      // An entry that received nothing passes nothing on (0 * an infinite partial would be NaN).
      if (g != 0) {
        const S* prev = &e[-1].adj;
        if (e->to_a == prev && e->to_b != prev) {
          carry = g * e->da;
        } else {
          *e->to_a += g * e->da;
        }
        *e->to_b += g * e->db;
      }
    }
    const S g = e->adj + carry;
    e->adj = g;
    if (g != 0) {
      *e->to_a += g * e->da;
      *e->to_b += g * e->db;
    }
    hi = first;
  }
}

template <TapeScalar S>
std::int32_t BasicTape<S>::push_external(const char* op, Index rows, Index cols, S* val,
                                 S* adj, ExternalOwner owner) {
  const std::int32_t k =
      append(Node{.val = val, .adj = grad_enabled_ ? adj : nullptr, .op = op, .c = 0.0,
                  .rows = std::int32_t(rows), .cols = std::int32_t(cols), .external = true,
                  .scalar_ready = rows == 1 && cols == 1});
  if (owner.owner) {
    owner.node = k;
    owners_.push_back(std::move(owner));
  }
  return k;
}

template <TapeScalar S>
const std::int64_t* BasicTape<S>::store_ints(const std::int64_t* data, std::size_t n) {
  std::int64_t* p = ints_.allocate(n);
  if (n) std::memcpy(p, data, n * sizeof(std::int64_t));
  return p;
}

template <TapeScalar S>
void BasicTape<S>::backward(std::int32_t loss) {
  // Instead of zeroing every adjoint first, the tape's own adjoints start fresh
  // (push marks them): the first contribution assigns, later ones add
  // (detail::add_to). Only a second sweep over the same nodes marks them again.
  // A Parameter's adjoint is its grad(), which accumulates, so it is never fresh.
  // ScalarEntries, and the 1x1 adjoints they add into, start at zero instead.
  const std::size_t scalars = std::size_t(node(loss).scalars);  // those recorded before the loss
  if (swept_) {
    for (std::int32_t k = 0; k <= loss; ++k) {
      Node& n = node(k);
      if (n.zeroed) {
        n.adj[0] = 0;
      } else {
        n.fresh = n.adj && !n.external;
      }
    }
    for (std::size_t j = 0; j < scalars; ++j) scalar(std::int32_t(j)).adj = 0;
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
  // A fresh node received no gradient: it does not lead to the loss. Before node
  // k, the ScalarEntries recorded after it (and before node k + 1) are swept.
  std::size_t swept_to = scalars;
  if (!anomaly_) {
    for (std::int32_t k = loss; k >= 0; --k) {
      const Node& n = node(k);
      if (std::size_t(n.scalars) < swept_to) {
        sweep_scalars(std::size_t(n.scalars), swept_to);
        swept_to = std::size_t(n.scalars);
      }
      if (n.backward && !n.fresh) n.backward(*this, n);
    }
    sweep_scalars(0, swept_to);
    return;
  }
  for (std::int32_t k = loss; k >= 0; --k) {
    const Node& n = node(k);
    if (std::size_t(n.scalars) < swept_to) {
      check_scalars(std::size_t(n.scalars), swept_to);
      swept_to = std::size_t(n.scalars);
    }
    if (n.backward && !n.fresh) {
      n.backward(*this, n);
      if (n.a >= 0 && node(n.a).adj) check_gradient(n, node(n.a));
      if (n.b >= 0 && node(n.b).adj) check_gradient(n, node(n.b));
    }
  }
  check_scalars(0, swept_to);
}

// In anomaly mode ops record nodes, which name themselves; entries recorded before
// it was turned on are swept one by one, each gradient they write checked.
template <TapeScalar S>
void BasicTape<S>::check_scalars(std::size_t lo, std::size_t hi) {
  for (std::size_t j = hi; j-- > lo;) {
    sweep_scalars(j, j + 1);
    const ScalarEntry& e = scalar(std::int32_t(j));
    for (const S* target : {e.to_a, e.to_b}) {
      if (target != &sink_ && !std::isfinite(*target)) {
        throw NonFiniteError(fmt::format(
            "anomaly: the backward of a 1x1 op recorded before DetectAnomaly was turned on "
            "produced {} in the gradient of its operand",
            std::isnan(*target) ? "NaN" : "infinity"));
      }
    }
  }
}

// Both scalar types' tapes, so that a float model under NoGrad records no gradient either.
NoGrad::NoGrad() : previous_(Tape::current().grad_enabled_), previous_f32_(f32::Tape::current().grad_enabled_) {
  Tape::current().grad_enabled_ = false;
  Tape::current().set_fast_end();
  f32::Tape::current().grad_enabled_ = false;
  f32::Tape::current().set_fast_end();
}
NoGrad::~NoGrad() {
  Tape::current().grad_enabled_ = previous_;
  Tape::current().set_fast_end();
  f32::Tape::current().grad_enabled_ = previous_f32_;
  f32::Tape::current().set_fast_end();
}

DetectAnomaly::DetectAnomaly() : previous_(Tape::current().anomaly_), previous_f32_(f32::Tape::current().anomaly_) {
  Tape::current().anomaly_ = true;
  Tape::current().set_fast_end();
  f32::Tape::current().anomaly_ = true;
  f32::Tape::current().set_fast_end();
}
DetectAnomaly::~DetectAnomaly() {
  Tape::current().anomaly_ = previous_;
  Tape::current().set_fast_end();
  f32::Tape::current().anomaly_ = previous_f32_;
  f32::Tape::current().set_fast_end();
}

template class BasicTape<double>;
template class BasicTape<float>;
template void check_value(const BasicNode<double>&);
template void check_value(const BasicNode<float>&);

}  // namespace autodiff
