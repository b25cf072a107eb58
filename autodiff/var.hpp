// SPDX-License-Identifier: MIT
// Var, Parameter and Constant: the three things that enter expressions.
//  - Var is a small handle to a node on the calling thread's tape. It dies with
//    the tape's generation: using it after clear() throws StaleVarError.
//  - Parameter owns a value and a gradient that outlive the tape; every use in
//    an expression records a leaf whose adjoint accumulates into grad().
//  - Constant owns data that enters expressions without a gradient and without
//    being copied onto the tape (a data set used at every step).
// Plain doubles and Eigen arrays also convert to Vars; they are copied onto the tape.
#pragma once

#include "tape.hpp"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace autodiff {

// A Var of doubles is Var, of floats f32::Var (below).
template <TapeScalar S>
class BasicVar {
 public:
  using Scalar = S;
  using Tape = BasicTape<S>;
  using Node = BasicNode<S>;
  using ScalarEntry = BasicScalarEntry<S>;
  using Array = BasicArray<S>;
  using ConstMap = BasicConstMap<S>;

  BasicVar() = default;
  // A scalar constant: any number for a Var of doubles, a float for one of floats
  // (so that a double never picks the float overload of an op).
  template <class T>
    requires std::is_arithmetic_v<T> && (std::same_as<S, double> || std::same_as<T, float>)
  BasicVar(T value)  // NOLINT(google-explicit-constructor): 2.0 * x reads naturally
      : BasicVar(from_node(push_copy(S(value)))) {}
  // An Eigen array, vector or matrix, copied onto the tape as a constant (of any
  // scalar type into a Var of doubles; of floats into a Var of floats).
  template <class Derived>
    requires std::same_as<S, double> || std::same_as<typename Derived::Scalar, float>
  BasicVar(const Eigen::DenseBase<Derived>& value)  // NOLINT(google-explicit-constructor)
      : BasicVar(Array(value.derived().template cast<S>())) {}
  BasicVar(const Array& value);  // NOLINT(google-explicit-constructor)

  // Whether this Var was default-constructed and never assigned.
  bool empty() const { return generation_ == 0; }

  Index rows() const;
  Index cols() const;
  Index size() const { return rows() * cols(); }
  bool is_scalar() const { return rows() == 1 && cols() == 1; }
  // Whether a gradient flows back through this Var (it depends on a Parameter).
  bool requires_grad() const;

  // The value, as a view of tape storage (valid until the tape is cleared).
  ConstMap value() const;
  // The value of a 1x1 Var.
  S item() const;
  // d loss / d this after backward(); zeros where no gradient flows.
  Array grad() const;

  // Seeds d this/d this = 1 and sweeps the tape in reverse; this must be 1x1.
  void backward() const;

  // Element (i, j), or element i of a vector; recorded, so gradients flow.
  BasicVar operator()(Index i, Index j) const;
  BasicVar operator()(Index i) const;

  // Internal: the node index, checked for an op named `op`. Throws StaleVarError
  // if the Var is empty, from another thread, or from a cleared tape.
  // A 1x1 op's compact record (ScalarEntry) is given a node that stands for it here.
  std::int32_t index(const char* op) const { return index(Tape::current(), op); }
  std::int32_t index(const Tape& current, const char* op) const {
    check(current, op);
    if (is_node()) [[likely]] return node_index();
    // current is the calling thread's tape (ops pass Tape::current()), never a const object.
    return const_cast<Tape&>(current).scalar_node(scalar_entry());
  }
  // Internal: the same check, but a Var of a ScalarEntry gives the entry, unpromoted
  // (nullptr for a node: then node_index() is its node).
  ScalarEntry* entry(const Tape& current, const char* op) const {
    check(current, op);
    return scalar_entry();
  }
  // Internal: whether the Var belongs to `current`, with no throw, for a fast path
  // that leaves errors to a slow one.
  bool try_entry(const Tape& current) const { return generation_ == current.generation(); }
  // Internal, unchecked: the ScalarEntry the Var stands for, or nullptr for a node.
  ScalarEntry* scalar_entry() const { return is_node() ? nullptr : entry_address(); }
  // Internal, unchecked: whether the Var is a node (else a ScalarEntry).
  bool is_node() const { return ref_ & 1; }
  // Internal, unchecked: the ScalarEntry of a Var that is no node.
  ScalarEntry* entry_address() const { return reinterpret_cast<ScalarEntry*>(ref_); }
  // Internal, unchecked: the node of a Var that is no ScalarEntry, as an index or a Node.
  std::int32_t node_index() const { return std::int32_t(ref_ >> Tape::kNodeBits); }
  Node& node(Tape& t) const { return t.node_at_offset(ref_); }
  // Internal: wrap a node of the current tape.
  static BasicVar from_node(std::int32_t index) { return from_node(Tape::current(), index); }
  // Internal: wrap ScalarEntry e of tape t.
  static BasicVar from_scalar(const Tape& t, ScalarEntry* e) {
    BasicVar v;
    v.generation_ = t.generation();
    v.ref_ = reinterpret_cast<std::uintptr_t>(e);
    return v;
  }
  static BasicVar from_node(const Tape& t, std::int32_t index) {
    BasicVar v;
    v.generation_ = t.generation();
    v.ref_ = std::uint64_t(std::uint32_t(index)) << Tape::kNodeBits | 1;
    return v;
  }

 private:
  // Takes the Var by value, so that checking one never makes the caller keep it in memory.
  [[noreturn]] static void throw_invalid(BasicVar v, const char* op);
  // Records a constant leaf holding a copy of the 1x1 value.
  static std::int32_t push_copy(S value);
  void check(const Tape& current, const char* op) const {
    if (generation_ != current.generation()) [[unlikely]] throw_invalid(*this, op);
  }
  // The check compares generations alone (Tape::generation, which also carries
  // the tape's serial number for the error message). 16 trivially copyable bytes:
  // an op returns a Var in two registers, where a larger handle would go through memory.
  std::uint64_t generation_ = 0;  // the recording it belongs to; 0 when empty
  // A ScalarEntry's address (entries never move, and are 8-byte aligned), or
  // node k as k * sizeof(Node) + 1 (Tape::node_at_offset): an op reads its
  // operand with no index to decode.
  std::uint64_t ref_ = 1;
};

using Var = BasicVar<double>;
namespace f32 {
using Var = BasicVar<float>;
}  // namespace f32
static_assert(sizeof(Var) == 16 && std::is_trivially_copyable_v<Var> && sizeof(f32::Var) == 16,
              "a Var returns from an op in two registers");

// Seeds d loss/d loss = 1 and accumulates gradients into every Parameter the loss depends on.
void backward(Var loss);
void backward(f32::Var loss);

template <TapeScalar S>
class BasicGradientSink;

// A Parameter of doubles is Parameter, of floats f32::Parameter.
template <TapeScalar S>
class BasicParameter {
 public:
  using Scalar = S;
  using Tape = BasicTape<S>;
  using Node = BasicNode<S>;
  using Array = BasicArray<S>;
  using Var = BasicVar<S>;

  explicit BasicParameter(S value, std::string name = {});
  explicit BasicParameter(Array value, std::string name = {});
  template <class Derived>
  explicit BasicParameter(const Eigen::DenseBase<Derived>& value, std::string name = {})
      : BasicParameter(Array(value.derived().template cast<S>()), std::move(name)) {}

  // Storage sits behind a pointer that the tape shares (until clear()), so that a
  // Parameter can move (into a vector), or die, while a tape refers to it. A
  // moved-from Parameter throws StaleVarError from every member.
  BasicParameter(BasicParameter&&) noexcept = default;
  BasicParameter& operator=(BasicParameter&&) noexcept = default;
  ~BasicParameter();

  Array& value() { return impl("Parameter::value").value; }
  const Array& value() const { return impl("Parameter::value").value; }
  Array& grad() { return impl("Parameter::grad").grad; }
  const Array& grad() const { return impl("Parameter::grad").grad; }
  void zero_grad() { impl("Parameter::zero_grad").grad.setZero(); }
  const std::string& name() const { return impl("Parameter::name").name; }
  Index rows() const { return impl("Parameter::rows").value.rows(); }
  Index cols() const { return impl("Parameter::cols").value.cols(); }
  Index size() const { return impl("Parameter::size").value.size(); }

  // Records a leaf on the calling thread's tape (no copy of the value). Not on a
  // temporary: its gradient would be lost, so that is a compile error.
  Var var() const&;
  Var var() const&& = delete;
  operator Var() const& { return var(); }  // NOLINT(google-explicit-constructor)
  operator Var() const&& = delete;

 private:
  friend class BasicGradientSink<S>;
  // var() while a GradientSink is active on this thread: the leaf's adjoint is the sink's buffer.
  Var var_into_sink() const;
  // var() into the shared grad(), which backward writes under grad_lock.
  Var var_shared() const;
  struct Impl {
    Array value;
    Array grad;
    std::string name;
    std::mutex grad_lock;  // held by a backward that writes into grad (Tape::backward)
  };
  Impl& impl(const char* op) const {
    if (!impl_) [[unlikely]] throw_moved_from(op);
    return *impl_;
  }
  [[noreturn]] static void throw_moved_from(const char* op);
  std::shared_ptr<Impl> impl_;
};

// Worker-local gradients for data-parallel training: while a sink is active on a
// thread (GradientSink::Scope), a leaf that this thread records for one of the
// sink's Parameters accumulates into the sink's buffer instead of the Parameter's
// grad(), so threads never share (nor lock) a gradient. Keep the sink alive, and
// its Scope open, until the tape that recorded the leaves is cleared.
template <TapeScalar S>
class BasicGradientSink {
 public:
  using Array = BasicArray<S>;
  using Parameter = BasicParameter<S>;

  // Zero buffers of the shapes of params. The sink shares the Parameters' storage,
  // and a tape that recorded into the sink shares its buffers until clear(), so
  // either may die first.
  explicit BasicGradientSink(const std::vector<Parameter*>& params);
  BasicGradientSink(const BasicGradientSink&) = delete;
  BasicGradientSink& operator=(const BasicGradientSink&) = delete;

  // The gradient accumulated for params[k] so far.
  const Array& grad(std::size_t k) const { return (*grads_)[k]; }
  std::size_t size() const { return grads_->size(); }
  // Sets every buffer to zero, keeping its storage (a leaf may point into it).
  void zero();

  // RAII: redirects the calling thread's Parameter leaves into sink while alive.
  class Scope {
   public:
    explicit Scope(BasicGradientSink& sink);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    BasicGradientSink* previous_;
  };
  // The sink active on the calling thread, or nullptr.
  static BasicGradientSink* current() { return current_; }

 private:
  friend class BasicParameter<S>;
  // Index of the Parameter storage `impl` in the list, or -1 when not listed.
  std::ptrdiff_t find(const void* impl) const;
  std::vector<std::shared_ptr<const void>> keys_;  // each Parameter's storage, in list order
  std::shared_ptr<std::vector<Array>> grads_;
  static inline thread_local BasicGradientSink* current_ = nullptr;
};

// The one list of parameters that every API takes: optimizers, optim::minimize,
// gradcheck, optim::clip_grad_norm, models::save_parameters and load_parameters,
// and models::Module::parameters(). The caller keeps the Parameters alive.
template <TapeScalar S>
using BasicParameterList = std::vector<BasicParameter<S>*>;

// A Constant of doubles is Constant, of floats f32::Constant.
template <TapeScalar S>
class BasicConstant {
 public:
  using Scalar = S;
  using Tape = BasicTape<S>;
  using Array = BasicArray<S>;
  using Var = BasicVar<S>;

  explicit BasicConstant(Array value);
  template <class Derived>
  explicit BasicConstant(const Eigen::DenseBase<Derived>& value)
      : BasicConstant(Array(value.derived().template cast<S>())) {}

  const Array& value() const { return data("Constant::value"); }
  Index rows() const { return data("Constant::rows").rows(); }
  Index cols() const { return data("Constant::cols").cols(); }

  // Records a leaf that points at this data: no copy, no gradient. The tape shares
  // the data until clear(), so a temporary Constant is safe to record.
  Var var() const;
  operator Var() const { return var(); }  // NOLINT(google-explicit-constructor)

 private:
  const Array& data(const char* op) const;
  std::shared_ptr<const Array> value_;
};

using Parameter = BasicParameter<double>;
using GradientSink = BasicGradientSink<double>;
using ParameterList = BasicParameterList<double>;
using Constant = BasicConstant<double>;
namespace f32 {
using Parameter = BasicParameter<float>;
using GradientSink = BasicGradientSink<float>;
using ParameterList = BasicParameterList<float>;
using Constant = BasicConstant<float>;
}  // namespace f32

}  // namespace autodiff
