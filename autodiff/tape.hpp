// SPDX-License-Identifier: MIT
// The tape: every operation on Vars appends a Node here, in evaluation order, so
// the reverse sweep in backward() is a plain loop from the loss down to node 0.
// Values and adjoints live in arenas owned by the tape; clear() keeps their
// capacity, so a training loop stops allocating after its first step.
#pragma once

#include <Eigen/Core>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <algorithm>
#include <new>
#include <type_traits>
#include <vector>

namespace autodiff {

using Index = Eigen::Index;
// Values are column-major 2-D arrays of the scalar type S: double or float. The
// core types are templates over S (BasicTape<S>, BasicVar<S>, ...); the names
// without "Basic" are the double ones, and autodiff::f32 holds the float ones.
template <class S>
using BasicArray = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S>
using BasicMap = Eigen::Map<BasicArray<S>, Eigen::Aligned16>;  // a view of tape storage
template <class S>
using BasicConstMap = Eigen::Map<const BasicArray<S>>;
using Array = BasicArray<double>;  // every value is a column-major 2-D array
using Map = BasicMap<double>;
using ConstMap = BasicConstMap<double>;

// The scalar types a tape records: float and double.
template <class S>
concept TapeScalar = std::same_as<S, double> || std::same_as<S, float>;

template <TapeScalar S>
class BasicTape;
template <TapeScalar S>
struct BasicNode;

// A node's reverse rule: read the node's adjoint, add into its operands' adjoints.
// A plain function pointer: captureless lambdas decay to it, so recording costs no allocation.
template <class S>
using BasicBackwardFn = void (*)(BasicTape<S>&, const BasicNode<S>&);

template <TapeScalar S>
struct alignas(64) BasicNode {
  S* val = nullptr;              // rows*cols values, column-major
  S* adj = nullptr;           // adjoint of the same shape; nullptr if no gradient flows here
  BasicBackwardFn<S> backward = nullptr;  // nullptr for leaves
  const char* op = "";           // for error messages and graph dumps
  // Op-specific data; an op uses at most one of these.
  union {
    double c = 0.0;                // a scalar (an exponent, a constant operand), double for any S
    const std::int64_t* ints;      // integers (labels, indices) in the tape's arena
    std::int32_t at[2];            // a position (row, column), e.g. a block's offset
  };
  std::int32_t rows = 0, cols = 0;
  std::int32_t a = -1, b = -1;   // operand node indices, -1 when absent
  bool external = false;         // val/adj belong to a Parameter or Constant, not the tape
  bool fresh = false;            // during backward: nothing added to adj yet (it holds garbage)
  bool zeroed = false;           // a 1x1 adjoint that ScalarEntries add into: zeroed, never fresh
  // 1x1, and a ScalarEntry may add into its adjoint as it is (none, a leaf's, or
  // zeroed), which is all the recorder's fast path reads of a node.
  bool scalar_ready = false;
  std::int32_t scalars = 0;      // ScalarEntries recorded before this node (Tape::backward)

  Index size() const { return Index(rows) * cols; }
  bool needs_grad() const { return adj != nullptr; }
  BasicMap<S> value() const { return {val, rows, cols}; }
  BasicMap<S> grad() const { return {adj, rows, cols}; }
};
// One cache line each: the forward pass writes a node per op, the reverse sweep reads it back.
static_assert(sizeof(BasicNode<double>) == 64 && sizeof(BasicNode<float>) == 64);

// The compact record of a 1x1 op on 1x1 operands (the element-wise rules on Vars):
// its value, its adjoint, and its partial derivatives, computed forward, with the
// adjoints they feed. No shape, no name, no function pointer: the reverse sweep
// is `*to_a += adj * da; *to_b += adj * db`. An absent operand, or one that takes
// no gradient, points at the tape's sink; an entry that takes no gradient at all
// has both at the sink.
template <TapeScalar S>
struct BasicScalarEntry {
  S val = 0;
  S adj = 0;  // zeroed when recorded: every contribution adds
  S* to_a = nullptr;
  S* to_b = nullptr;
  S da = 0, db = 0;  // d val / d operand
};
// Value, adjoint, two operands and two partials: 48 bytes an op in double (32 in
// float), against 80 for a node.
static_assert(sizeof(BasicScalarEntry<double>) == 48 && sizeof(BasicScalarEntry<float>) == 32);

// Adds x into adjoint element `slot` of `target`, or assigns it when it is the first
// contribution of this sweep (fresh): backward needs no pass that zeroes adjoints.
template <class S>
inline void accumulate(BasicNode<S>& target, Index slot, std::type_identity_t<S> x) {
  S& a = target.adj[slot];
  a = target.fresh ? x : a + x;
  target.fresh = false;
}

// Bump allocation from blocks whose addresses never move, so a node may hold a
// pointer into it while the tape keeps growing. clear() merges the blocks into
// one of the total size, so the steady state is one block and no allocation.
template <class T>
class Arena {
 public:
  T* allocate(std::size_t n) {
    // Small runs (scalars) pack tightly, keeping 16-byte alignment (a Map's); larger
    // ones start on a cache line for SIMD.
    n = n < kAlign ? (n + k16 - 1) / k16 * k16 : (n + kAlign - 1) / kAlign * kAlign;
    if (used_ + n <= size_) [[likely]] {
      T* p = data_ + used_;
      used_ += n;
      return p;
    }
    return allocate_slow(n);
  }

  // Forget every allocation; keep (and consolidate) the memory.
  void clear() {
    if (blocks_.size() > 1) {
      std::size_t total = capacity();
      blocks_.clear();
      blocks_.push_back(Block::make(total));
    }
    block_ = 0;
    used_ = 0;
    enter(0);
  }

  std::size_t capacity() const {
    std::size_t total = 0;
    for (const auto& b : blocks_) total += b.size;
    return total;
  }

 private:
  static constexpr std::size_t kAlign = 64 / sizeof(T);
  static constexpr std::size_t k16 = 16 / sizeof(T);  // elements in 16 bytes: 2 doubles, 4 floats

  // Continues in the next block, making one (double the last) if none fits.
  // Out of line, so that allocate() stays small enough to inline into every op.
  [[gnu::noinline]] T* allocate_slow(std::size_t n) {
    if (!blocks_.empty()) ++block_;
    while (block_ < blocks_.size() && n > blocks_[block_].size) ++block_;
    if (block_ >= blocks_.size()) {
      std::size_t last = blocks_.empty() ? 0 : blocks_.back().size;
      blocks_.push_back(Block::make(std::max({n, 2 * last, std::size_t{4096}})));
      block_ = blocks_.size() - 1;
    }
    enter(block_);
    used_ = n;
    return data_;
  }
  void enter(std::size_t k) {
    data_ = k < blocks_.size() ? blocks_[k].data.get() : nullptr;
    size_ = k < blocks_.size() ? blocks_[k].size : 0;
  }

  struct Free {
    void operator()(T* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  struct Block {
    std::unique_ptr<T[], Free> data;
    std::size_t size = 0;
    static Block make(std::size_t n) {
      return {std::unique_ptr<T[], Free>(
                  static_cast<T*>(::operator new[](n * sizeof(T), std::align_val_t{64}))),
              n};
    }
  };
  std::vector<Block> blocks_;
  std::size_t block_ = 0;  // the block being filled
  std::size_t used_ = 0;   // elements used in it
  T* data_ = nullptr;      // blocks_[block_], cached for the fast path
  std::size_t size_ = 0;
};

// Something outside the tape that a leaf points into: a Parameter's or a Constant's
// storage. The tape shares its ownership until clear(), so a leaf never outlives what
// it points at, whatever the user does with the Parameter. Before the sweep, check
// throws if the storage moved since the leaf was recorded (a resized value); a
// Parameter's gradient is written under lock and unlock, taken in one global
// order, so that two threads' sweeps into one Parameter take turns.
template <TapeScalar S>
struct BasicExternalOwner {
  std::shared_ptr<void> owner;
  std::int32_t node = -1;
  void (*check)(void* owner, const BasicNode<S>& n) = nullptr;
  void (*lock)(void* owner) = nullptr;
  void (*unlock)(void* owner) = nullptr;
};

// How much memory a tape holds, for tests that check it stops growing.
struct TapeCapacity {
  std::size_t nodes = 0;     // node slots
  std::size_t doubles = 0;   // values and adjoints (of the tape's scalar type)
  std::size_t integers = 0;  // labels and indices
  std::size_t scalars = 0;   // ScalarEntry slots
  std::size_t scalar_bytes = sizeof(double);      // of a value: sizeof(S)
  std::size_t entry_bytes = 48;                    // of a ScalarEntry
  std::size_t bytes() const;
};

template <TapeScalar S>
class BasicTape {
 public:
  using Scalar = S;
  using Node = BasicNode<S>;
  using ScalarEntry = BasicScalarEntry<S>;
  using ExternalOwner = BasicExternalOwner<S>;
  using Map = BasicMap<S>;
  using BackwardFn = BasicBackwardFn<S>;

  BasicTape();
  BasicTape(const BasicTape&) = delete;
  BasicTape& operator=(const BasicTape&) = delete;

  // The calling thread's tape of this scalar type: each thread records on its own.
  static BasicTape& current() {
    if (BasicTape* t = current_) [[likely]] return *t;
    return make_current();
  }
  // The same, or nullptr before the thread's first use of it (for fast paths).
  static BasicTape* current_if_made() { return current_; }

  // Drop every node; Vars recorded so far become stale. Memory is kept for reuse.
  void clear();

  // Which recording this is: a new number at every clear(), unique across all
  // tapes, so a Var from a cleared tape or another thread's tape never matches.
  // Its low kSerialBits bits are the tape's serial number's (see serial_matches).
  std::uint64_t generation() const { return generation_; }
  // This tape's serial number: it only tells those two cases apart in error messages.
  std::uint32_t serial() const { return serial_; }
  // Whether a generation was handed out by this tape (or by one whose serial number
  // agrees in its low kSerialBits bits), for the error message of a stale Var.
  bool serial_matches(std::uint64_t generation) const {
    return (generation & kSerialMask) == (serial_ & kSerialMask);
  }
  static constexpr int kSerialBits = 16;
  std::size_t size() const { return size_; }
  // How many 1x1 ops were recorded as ScalarEntries (they are not nodes).
  std::size_t scalar_size() const {
    return (scalar_block_ << kBlockBits) + std::size_t(scalar_next_ - scalar_base_);
  }
  TapeCapacity capacity() const;

  // Nodes live in blocks that never move, so a Node& stays valid while the tape grows.
  Node& node(std::int32_t k) { return blocks_[std::size_t(k) >> kBlockBits][k & kBlockMask]; }
  const Node& node(std::int32_t k) const { return blocks_[std::size_t(k) >> kBlockBits][k & kBlockMask]; }
  // Node k given as k * sizeof(Node), plus bits below that it ignores (how a Var holds
  // it): the block's address plus a byte offset, with no shift to undo.
  Node& node_at_offset(std::uint64_t offset) {
    static_assert(sizeof(Node) == 1 << kNodeBits);
    return *reinterpret_cast<Node*>(reinterpret_cast<char*>(blocks_[offset >> (kBlockBits + kNodeBits)]) +
                                    (offset & (std::uint64_t(kBlockMask) << kNodeBits)));
  }
  static constexpr int kNodeBits = 6;  // log2 of sizeof(Node)

  // Storage for a value of rows x cols, valid until clear(). An op computes its
  // value here first, then records the node that owns it (record).
  Map new_value(Index rows, Index cols) {
    return {values_.allocate(std::size_t(rows * cols)), rows, cols};
  }
  // Throws ShapeError naming op when a dimension does not fit a node (2^31 - 1 at
  // most): where users' shapes enter (Var, Parameter, Constant, gather_rows).
  static void check_shape(const char* op, Index rows, Index cols) {
    if (rows > kMaxDim || cols > kMaxDim || rows < 0 || cols < 0) [[unlikely]] throw_shape(op, rows, cols);
  }
  static constexpr Index kMaxDim = 0x7fffffff;
  // Appends a node that owns `value` (from new_value) over operands a (and b). When
  // needs_grad (a gradient flows from an operand) it has an adjoint and a reverse rule.
  std::int32_t record(const char* op, const Map& value, bool needs_grad, BackwardFn backward,
                      std::int32_t a = -1, std::int32_t b = -1) {
    const bool grad = needs_grad && grad_enabled_;
    S* adj = grad ? adjoints_.allocate(std::size_t(value.size())) : nullptr;
    return append(Node{.val = const_cast<S*>(value.data()), .adj = adj,
                       .backward = grad ? backward : nullptr, .op = op, .c = 0.0,
                       .rows = std::int32_t(value.rows()), .cols = std::int32_t(value.cols()),
                       .a = a, .b = b, .fresh = grad, .scalar_ready = !grad && value.size() == 1});
  }
  // Appends a 1x1 node holding `value`. Its value and adjoint share one arena
  // run (two doubles, which is what a lone scalar would take anyway).
  std::int32_t record_scalar(const char* op, S value, bool needs_grad, BackwardFn backward,
                             std::int32_t a, std::int32_t b = -1, double c = 0.0) {
    const bool grad = needs_grad && grad_enabled_;
    S* val = values_.allocate(2);
    val[0] = value;
    return append(Node{.val = val, .adj = grad ? val + 1 : nullptr,
                       .backward = grad ? backward : nullptr, .op = op, .c = c, .rows = 1,
                       .cols = 1, .a = a, .b = b, .fresh = grad, .scalar_ready = !grad});
  }
  // ScalarEntry j, the j-th recorded since clear() (a Var holds its address). Blocks never move.
  ScalarEntry& scalar(std::int32_t j) {
    return scalar_blocks_[std::size_t(j) >> kBlockBits][j & kBlockMask];
  }
  const ScalarEntry& scalar(std::int32_t j) const {
    return scalar_blocks_[std::size_t(j) >> kBlockBits][j & kBlockMask];
  }
  // Where a ScalarEntry adds its contribution to an operand that takes no gradient.
  S* sink() { return &sink_; }
  bool needs_grad(const ScalarEntry& e) const { return e.to_a != &sink_; }
  // Whether a ScalarEntry that takes a gradient can be recorded without growing,
  // and with no check to run (anomaly mode records nodes): then emplace_scalar_entry
  // records it. One comparison: under NoGrad or in anomaly mode the limit is null.
  bool scalar_fast_path() const {
    return reinterpret_cast<std::uintptr_t>(scalar_next_) < reinterpret_cast<std::uintptr_t>(scalar_fast_end_);
  }
  // Makes room for one ScalarEntry (grows the tape, or throws when it is full).
  void reserve_scalar_entry() {
    if (scalar_next_ == scalar_end_) [[unlikely]] grow_scalars();
  }
  // Appends a ScalarEntry (after reserve_scalar_entry) and returns it. to_a is the
  // sink only when to_b is too (an entry takes a gradient if any operand does).
  ScalarEntry* emplace_scalar_entry(S val, S* to_a, S da, S* to_b, S db) {
    ScalarEntry* e = scalar_next_++;
    *e = ScalarEntry{val, S(0), to_a, to_b, da, db};
    return e;
  }
  // The adjoint that a ScalarEntry adds into for 1x1 node n: a tape-owned adjoint
  // that would be assigned on its first contribution (fresh) is zeroed now instead,
  // and again by every later sweep (zeroed), also when a sweep came first.
  S* scalar_target(Node& n) {
    if (n.fresh) {
      n.adj[0] = 0;
      n.fresh = false;
    }
    n.zeroed = !n.external;
    n.scalar_ready = true;
    return n.adj;
  }
  // A node that stands for ScalarEntry e, for the ops that read nodes: its value
  // and adjoint are the entry's. Made on first use by such an op; one is remembered.
  std::int32_t scalar_node(ScalarEntry* e) {
    if (e == last_scalar_) return last_scalar_node_;
    return make_scalar_node(e);
  }

  // Appends a leaf whose storage lives outside the tape (a Parameter, a Constant),
  // which the tape keeps alive until clear() when `owner` holds it.
  std::int32_t push_external(const char* op, Index rows, Index cols, S* val, S* adj,
                             ExternalOwner owner = {});
  // Copies integers (labels, indices) into the tape; they live until clear().
  const std::int64_t* store_ints(const std::int64_t* data, std::size_t n);

  // Seeds d loss/d loss = 1 and sweeps the tape once in reverse.
  void backward(std::int32_t loss);

  // While recording is off (NoGrad), ops record values but no gradient path.
  bool grad_enabled() const { return grad_enabled_; }
  bool anomaly_detection() const { return anomaly_; }
  // Whether backward() has run since clear().
  bool swept() const { return swept_; }

 private:
  static constexpr std::size_t kMaxNodes = 0x7fffffff;
  static constexpr std::size_t kBlockBits = 12;  // 4,096 nodes (256 KiB) a block
  static constexpr std::int32_t kBlockMask = (1 << kBlockBits) - 1;
  static BasicTape& make_current();
  [[noreturn]] static void throw_full(const char* op);
  [[noreturn]] static void throw_shape(const char* op, Index rows, Index cols);

  // Appends n and returns its index. The block list fills up at the node limit,
  // so one check covers growth and the limit.
  std::int32_t append(const Node& n) {
    if (size_ == capacity_) [[unlikely]] grow(n.op);
    Node& slot = node(std::int32_t(size_));
    slot = n;
    slot.scalars = std::int32_t(scalar_size());
    return std::int32_t(size_++);
  }
  // Adds a block of nodes, or throws when the tape is full.
  void grow(const char* op);
  // Moves to the next block of ScalarEntries, adding one if needed, or throws when full.
  void grow_scalars();
  std::int32_t make_scalar_node(ScalarEntry* e);
  // Sets the fast path's limit after the block, NoGrad or anomaly mode changed.
  void set_fast_end() { scalar_fast_end_ = grad_enabled_ && !anomaly_ ? scalar_end_ : nullptr; }
  static constexpr std::uint64_t kSerialMask = (std::uint64_t{1} << kSerialBits) - 1;
  // A new generation: a global count above, the serial number's low bits below.
  std::uint64_t next_generation() const;
  // The reverse sweep over ScalarEntries [lo, hi), last first.
  void sweep_scalars(std::size_t lo, std::size_t hi);
  // The same in anomaly mode, checking each gradient written.
  void check_scalars(std::size_t lo, std::size_t hi);
  static inline thread_local BasicTape* current_ = nullptr;  // constant-initialised: a plain TLS load

  friend class NoGrad;
  friend class DetectAnomaly;
  std::vector<Node*> blocks_;                    // each kBlockMask + 1 nodes
  std::vector<std::unique_ptr<Node[]>> owned_;   // the same blocks, owned
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::vector<ScalarEntry*> scalar_blocks_;              // each kBlockMask + 1 entries
  std::vector<std::unique_ptr<ScalarEntry[]>> scalar_owned_;
  ScalarEntry* scalar_next_ = nullptr;  // the next free entry in the block being filled
  ScalarEntry* scalar_end_ = nullptr;
  ScalarEntry* scalar_fast_end_ = nullptr;  // scalar_end_, or nullptr under NoGrad and in anomaly mode
  ScalarEntry* scalar_base_ = nullptr;  // the start of the block being filled
  std::size_t scalar_block_ = 0;        // its number
  ScalarEntry* last_scalar_ = nullptr;  // scalar_node's memory
  std::int32_t last_scalar_node_ = -1;
  S sink_ = 0;
  Arena<S> values_;
  Arena<S> adjoints_;
  Arena<std::int64_t> ints_;
  std::vector<ExternalOwner> owners_;  // what the leaves point into, kept alive until clear()
  std::vector<const ExternalOwner*> locked_;  // backward: the Parameters it writes into, in lock order
  std::uint64_t generation_;
  std::uint32_t serial_;
  bool grad_enabled_ = true;
  bool anomaly_ = false;
  bool swept_ = false;  // a backward ran since clear(): adjoints hold its results
};

using Tape = BasicTape<double>;
using Node = BasicNode<double>;
using ScalarEntry = BasicScalarEntry<double>;
using ExternalOwner = BasicExternalOwner<double>;
using BackwardFn = BasicBackwardFn<double>;

// RAII: ops inside record values only (like torch.no_grad()), on the calling
// thread's tapes of both scalar types.
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool previous_, previous_f32_;
};

// RAII: every op checks its value, and backward every adjoint, for NaN and
// infinity, and throws NonFiniteError naming the op (like torch.autograd.detect_anomaly),
// on the calling thread's tapes of both scalar types.
class DetectAnomaly {
 public:
  DetectAnomaly();
  ~DetectAnomaly();
  DetectAnomaly(const DetectAnomaly&) = delete;
  DetectAnomaly& operator=(const DetectAnomaly&) = delete;

 private:
  bool previous_, previous_f32_;
};

// Throws NonFiniteError naming n's op if its value holds a NaN or an infinity.
template <class S>
void check_value(const BasicNode<S>& n);

// The calling thread's tape (of doubles; f32::tape() is the float one).
inline Tape& tape() { return Tape::current(); }

namespace f32 {
using Tape = BasicTape<float>;
using Array = BasicArray<float>;
using Map = BasicMap<float>;
using ConstMap = BasicConstMap<float>;
// The calling thread's tape of floats.
inline Tape& tape() { return Tape::current(); }
}  // namespace f32

}  // namespace autodiff
