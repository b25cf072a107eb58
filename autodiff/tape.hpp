// SPDX-License-Identifier: MIT
// The tape: every operation on Vars appends a Node here, in evaluation order, so
// the reverse sweep in backward() is a plain loop from the loss down to node 0.
// Values and adjoints live in arenas owned by the tape; clear() keeps their
// capacity, so a training loop stops allocating after its first step.
#pragma once

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <algorithm>
#include <new>
#include <vector>

namespace autodiff {

using Index = Eigen::Index;
using Array = Eigen::ArrayXXd;                    // every value is a column-major 2-D array
using Map = Eigen::Map<Eigen::ArrayXXd, Eigen::Aligned16>;  // a view of tape storage
using ConstMap = Eigen::Map<const Eigen::ArrayXXd>;

class Tape;
struct Node;
namespace detail {
struct ChunkKernel;
}

// A node's reverse rule: read the node's adjoint, add into its operands' adjoints.
// A plain function pointer: captureless lambdas decay to it, so recording costs no allocation.
using BackwardFn = void (*)(Tape&, const Node&);

struct alignas(64) Node {
  double* val = nullptr;         // rows*cols values, column-major
  double* adj = nullptr;         // adjoint of the same shape; nullptr if no gradient flows here
  BackwardFn backward = nullptr;  // nullptr for leaves
  const char* op = "";           // for error messages and graph dumps
  // Op-specific data; an op uses at most one of these.
  union {
    double c = 0.0;                // a scalar (an exponent, a constant operand)
    const std::int64_t* ints;      // integers (labels, indices) in the tape's arena
    std::int32_t at[2];            // a position (row, column), e.g. a block's offset
    const detail::ChunkKernel* kernel;  // a fused element-wise op's rule (detail/fusion.hpp)
  };
  std::int32_t rows = 0, cols = 0;
  std::int32_t a = -1, b = -1;   // operand node indices, -1 when absent
  bool external = false;         // val/adj belong to a Parameter or Constant, not the tape
  bool fresh = false;            // during backward: nothing added to adj yet (it holds garbage)
  // Fusion (detail/fusion.hpp): a lazy node has no storage yet; its value is computed
  // chunk by chunk inside the op that consumes it, or on demand (materialize).
  bool lazy = false;
  bool lazy_grad = false;        // a gradient flows through this lazy node
  bool mutable_value = false;    // val is a Parameter's array, which may change: never fused
  bool grad_dropped = false;     // materialized after a backward that fused it: grad() unknown
  std::uint16_t region = 0;      // a lazy node: how many lazy nodes its region holds, at most

  Index size() const { return Index(rows) * cols; }
  bool needs_grad() const { return adj != nullptr || lazy_grad; }
  Map value() const { return {val, rows, cols}; }
  Map grad() const { return {adj, rows, cols}; }
};
// One cache line each: the forward pass writes a node per op, the reverse sweep reads it back.
static_assert(sizeof(Node) == 64);

// Bump allocation from blocks whose addresses never move, so a node may hold a
// pointer into it while the tape keeps growing. clear() merges the blocks into
// one of the total size, so the steady state is one block and no allocation.
template <class T>
class Arena {
 public:
  T* allocate(std::size_t n) {
    // Small runs (scalars) pack tightly; larger ones start on a cache line for SIMD.
    n = n < kAlign ? (n + 1) / 2 * 2 : (n + kAlign - 1) / kAlign * kAlign;
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

// How much memory a tape holds, for tests that check it stops growing.
struct TapeCapacity {
  std::size_t nodes = 0;     // node slots
  std::size_t doubles = 0;   // values and adjoints
  std::size_t integers = 0;  // labels and indices
  std::size_t bytes() const;
};

class Tape {
 public:
  Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  // The calling thread's tape: each thread records on its own.
  static Tape& current() {
    if (Tape* t = current_) [[likely]] return *t;
    return make_current();
  }

  // Drop every node; Vars recorded so far become stale. Memory is kept for reuse.
  void clear();

  // Which recording this is: a new number at every clear(), unique across all
  // tapes, so a Var from a cleared tape or another thread's tape never matches.
  std::uint64_t generation() const { return generation_; }
  // This tape's serial number: it only tells those two cases apart in error messages.
  std::uint32_t serial() const { return serial_; }
  std::size_t size() const { return nodes_.size(); }
  TapeCapacity capacity() const;

  Node& node(std::int32_t k) { return nodes_[std::size_t(k)]; }
  const Node& node(std::int32_t k) const { return nodes_[std::size_t(k)]; }

  // Appends a node of the given shape with fresh value storage; the adjoint is
  // allocated when needs_grad. Returns its index. Op implementations call this.
  std::int32_t push(const char* op, Index rows, Index cols, bool needs_grad,
                    BackwardFn backward = nullptr, std::int32_t a = -1, std::int32_t b = -1) {
    const auto size = std::size_t(rows * cols);
    const bool grad = needs_grad && grad_enabled_;
    double* val = values_.allocate(size);
    double* adj = grad ? adjoints_.allocate(size) : nullptr;
    // fresh: nothing added to the adjoint yet, so its first contribution will assign.
    return append(Node{.val = val, .adj = adj, .backward = grad ? backward : nullptr, .op = op,
                       .c = 0.0, .rows = std::int32_t(rows), .cols = std::int32_t(cols),
                       .a = a, .b = b, .fresh = grad});
  }
  // Appends a 1x1 node holding `value`. Its value and adjoint share one arena
  // run (two doubles, which is what a lone scalar would take anyway).
  std::int32_t push_scalar(const char* op, double value, bool needs_grad, BackwardFn backward,
                           std::int32_t a, std::int32_t b = -1, double c = 0.0) {
    const bool grad = needs_grad && grad_enabled_;
    double* val = values_.allocate(2);
    val[0] = value;
    return append(Node{.val = val, .adj = grad ? val + 1 : nullptr,
                       .backward = grad ? backward : nullptr, .op = op, .c = c, .rows = 1,
                       .cols = 1, .a = a, .b = b, .fresh = grad});
  }
  // Appends an element-wise node that computes nothing yet (fusion.hpp): its value
  // is computed by whichever op consumes it, chunk by chunk, or by materialize().
  std::int32_t push_lazy(const char* op, Index rows, Index cols, bool needs_grad,
                         const detail::ChunkKernel* kernel, std::int32_t a, std::int32_t b,
                         std::uint16_t region) {
    return append(Node{.op = op, .kernel = kernel, .rows = std::int32_t(rows),
                       .cols = std::int32_t(cols), .a = a, .b = b, .lazy = true,
                       .lazy_grad = needs_grad && grad_enabled_, .region = region});
  }
  // Storage for a node's value or adjoint, valid until clear(). For materialize().
  double* allocate_values(std::size_t n) { return values_.allocate(n); }
  double* allocate_adjoints(std::size_t n) { return adjoints_.allocate(n); }
  // Appends a leaf whose storage lives outside the tape (a Parameter, a Constant).
  std::int32_t push_external(const char* op, Index rows, Index cols, double* val, double* adj);
  // Copies integers (labels, indices) into the tape; they live until clear().
  const std::int64_t* store_ints(const std::int64_t* data, std::size_t n);

  // Seeds d loss/d loss = 1 and sweeps the tape once in reverse.
  void backward(std::int32_t loss);

  // While recording is off (NoGrad), ops record values but no gradient path.
  bool grad_enabled() const { return grad_enabled_; }
  bool anomaly_detection() const { return anomaly_; }
  // Element-wise ops on at least this many elements are fused (FusionThreshold).
  Index fusion_threshold() const { return fusion_threshold_; }
  // Whether backward() has run since clear().
  bool swept() const { return swept_; }

  // The default FusionThreshold: on smaller arrays eager evaluation was faster
  // (bench: the job-duration loss at 776 to 1,000,000 elements, fused and not).
  static constexpr Index kDefaultFusionThreshold = 8192;

 private:
  static constexpr std::size_t kMaxNodes = 0x7fffffff;
  static Tape& make_current();
  [[noreturn]] static void throw_full(const char* op);

  // Appends n and returns its index. grow() never reserves more than kMaxNodes,
  // so the vector fills up at the node limit: one check covers growth and the limit.
  std::int32_t append(const Node& n) {
    if (nodes_.size() == nodes_.capacity()) [[unlikely]] grow(n.op);
    nodes_.push_back(n);
    return std::int32_t(nodes_.size() - 1);
  }
  // Makes room for one more node, or throws when the tape is full.
  void grow(const char* op);
  static inline thread_local Tape* current_ = nullptr;  // constant-initialised: a plain TLS load

  friend class NoGrad;
  friend class DetectAnomaly;
  friend class FusionThreshold;
  std::vector<Node> nodes_;
  Arena<double> values_;
  Arena<double> adjoints_;
  Arena<std::int64_t> ints_;
  std::uint64_t generation_;
  std::uint32_t serial_;
  bool grad_enabled_ = true;
  bool anomaly_ = false;
  bool swept_ = false;  // a backward ran since clear(): adjoints hold its results
  Index fusion_threshold_ = kDefaultFusionThreshold;
};

// RAII: ops inside record values only (like torch.no_grad()).
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool previous_;
};

// RAII: every op checks its value, and backward every adjoint, for NaN and
// infinity, and throws NonFiniteError naming the op (like torch.autograd.detect_anomaly).
class DetectAnomaly {
 public:
  DetectAnomaly();
  ~DetectAnomaly();
  DetectAnomaly(const DetectAnomaly&) = delete;
  DetectAnomaly& operator=(const DetectAnomaly&) = delete;

 private:
  bool previous_;
};

// RAII: element-wise ops on arrays of at least `min_elements` elements are fused:
// a chain such as sum(square(y - (a + b * x))) runs as one pass over chunks that
// stay in cache, writing no intermediate array. Pass Index max to turn fusion off;
// the results agree with unfused evaluation to rounding.
class FusionThreshold {
 public:
  explicit FusionThreshold(Index min_elements);
  ~FusionThreshold();
  FusionThreshold(const FusionThreshold&) = delete;
  FusionThreshold& operator=(const FusionThreshold&) = delete;

 private:
  Index previous_;
};

namespace detail {
// Computes lazy node k's value (and gives it an adjoint); see fusion.hpp.
void materialize(Tape& t, std::int32_t k);
}  // namespace detail

// Throws NonFiniteError naming n's op if its value holds a NaN or an infinity.
void check_value(const Node& n);

// The calling thread's tape.
inline Tape& tape() { return Tape::current(); }

}  // namespace autodiff
