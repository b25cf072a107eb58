// SPDX-License-Identifier: MIT
#include "autodiff/var.hpp"

#include "autodiff/error.hpp"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

namespace autodiff {

namespace {

// Records a constant leaf holding a copy of data.
template <class S>
std::int32_t push_copy(const char* op, Index rows, Index cols, const S* data) {
  BasicTape<S>::check_shape("Var", rows, cols);
  BasicTape<S>& t = BasicTape<S>::current();
  BasicMap<S> y = t.new_value(rows, cols);
  if (rows * cols > 0) std::memcpy(y.data(), data, std::size_t(rows * cols) * sizeof(S));
  return t.record(op, y, false, nullptr);
}

}  // namespace

template <TapeScalar S>
std::int32_t BasicVar<S>::push_copy(S value) {
  return autodiff::push_copy("constant", 1, 1, &value);
}

template <TapeScalar S>
BasicVar<S>::BasicVar(const Array& value)
    : BasicVar(from_node(autodiff::push_copy("constant", value.rows(), value.cols(), value.data()))) {}

template <TapeScalar S>
void BasicVar<S>::throw_invalid(BasicVar v, const char* op) {
  if (v.empty()) {
    throw StaleVarError(fmt::format("{}: the Var is empty (default-constructed); assign it the "
                                    "result of an operation first",
                                    op));
  }
  // Another thread's tape is not ours to read: its serial number tells it apart.
  Tape& here = Tape::current();
  if (!here.serial_matches(v.generation_)) {
    throw StaleVarError(fmt::format("{}: the Var was recorded on another thread's tape; each "
                                    "thread records on its own tape, so compute it on this thread",
                                    op));
  }
  if (v.generation_ != here.generation()) {
    throw StaleVarError(fmt::format("{}: the Var is stale: its tape was cleared after it was "
                                    "recorded; record it again in this step",
                                    op));
  }
  throw StaleVarError(fmt::format("{}: invalid Var", op));
}

namespace {

// The ScalarEntry a Var stands for, or nullptr when it is a node. Reading a Var
// records nothing, so that a loop that prints item() does not grow the tape.
template <class S>
const BasicScalarEntry<S>* entry_of(const BasicVar<S>& v, const char* op) {
  return v.entry(BasicTape<S>::current(), op);
}

}  // namespace

template <TapeScalar S>
Index BasicVar<S>::rows() const {
  if (entry_of(*this, "Var::rows")) return 1;
  return Tape::current().node(index("Var::rows")).rows;
}
template <TapeScalar S>
Index BasicVar<S>::cols() const {
  if (entry_of(*this, "Var::cols")) return 1;
  return Tape::current().node(index("Var::cols")).cols;
}
template <TapeScalar S>
bool BasicVar<S>::requires_grad() const {
  if (const ScalarEntry* e = entry_of(*this, "Var::requires_grad")) return Tape::current().needs_grad(*e);
  return Tape::current().node(index("Var::requires_grad")).needs_grad();
}

template <TapeScalar S>
BasicConstMap<S> BasicVar<S>::value() const {
  if (const ScalarEntry* e = entry_of(*this, "Var::value")) return {&e->val, 1, 1};
  const Node& n = Tape::current().node(index("Var::value"));
  return {n.val, n.rows, n.cols};
}

template <TapeScalar S>
S BasicVar<S>::item() const {
  if (const ScalarEntry* e = entry_of(*this, "Var::item")) return e->val;
  const Node& n = Tape::current().node(index("Var::item"));
  if (n.size() != 1) {
    throw ShapeError(fmt::format("Var::item: needs a 1x1 Var, got {}x{}", n.rows, n.cols));
  }
  return n.val[0];
}

template <TapeScalar S>
BasicArray<S> BasicVar<S>::grad() const {
  if (const ScalarEntry* e = entry_of(*this, "Var::grad")) {
    return Array::Constant(1, 1, Tape::current().needs_grad(*e) ? e->adj : S(0));
  }
  const Node& n = Tape::current().node(index("Var::grad"));
  if (!n.adj || n.fresh) return Array::Zero(n.rows, n.cols);
  return n.grad();
}

template <TapeScalar S>
void BasicVar<S>::backward() const { autodiff::backward(*this); }

namespace {

template <class S>
void backward_of(BasicVar<S> loss) {
  BasicTape<S>& t = BasicTape<S>::current();
  const std::int32_t k = loss.index("backward");
  const BasicNode<S>& n = t.node(k);
  if (n.size() != 1) {
    throw BackwardError(fmt::format(
        "backward: the loss must be a scalar (1x1), got {}x{}; reduce it first, e.g. with sum() or mean()",
        n.rows, n.cols));
  }
  if (!n.adj) {
    throw BackwardError(
        "backward: the loss does not depend on any Parameter (or was computed under NoGrad), "
        "so there is no gradient to compute");
  }
  t.backward(k);
}

}  // namespace

void backward(Var loss) { backward_of(loss); }
void backward(f32::Var loss) { backward_of(loss); }

// ---- Parameter

namespace {

std::string describe(const std::string& name) {
  return name.empty() ? "a Parameter" : fmt::format("Parameter '{}'", name);
}

}  // namespace

template <TapeScalar S>
BasicParameter<S>::BasicParameter(S value, std::string name)
    : BasicParameter(Array::Constant(1, 1, value), std::move(name)) {}

template <TapeScalar S>
BasicParameter<S>::BasicParameter(Array value, std::string name) {
  Tape::check_shape("Parameter", value.rows(), value.cols());
  impl_ = std::make_shared<Impl>();
  impl_->grad = Array::Zero(value.rows(), value.cols());
  impl_->value = std::move(value);
  impl_->name = std::move(name);
}

template <TapeScalar S>
BasicParameter<S>::~BasicParameter() = default;

template <TapeScalar S>
void BasicParameter<S>::throw_moved_from(const char* op) {
  throw StaleVarError(fmt::format("{}: the Parameter was moved from", op));
}

template <TapeScalar S>
BasicVar<S> BasicParameter<S>::var() const& {
  // A thread-local load and a test: the single-thread path stays as it was.
  if (BasicGradientSink<S>::current()) [[unlikely]] return var_into_sink();
  return var_shared();
}

template <TapeScalar S>
BasicVar<S> BasicParameter<S>::var_shared() const {
  Impl& p = impl("Parameter::var");
  // A value given a new shape makes the old gradient meaningless.
  if (p.grad.rows() != p.value.rows() || p.grad.cols() != p.value.cols()) {
    p.grad = Array::Zero(p.value.rows(), p.value.cols());
  }
  BasicExternalOwner<S> owner{
      .owner = impl_,
      // The value (or gradient) reallocated since the leaf was recorded: backward
      // would read freed memory.
      .check = [](void* o, const BasicNode<S>& n) {
        const Impl& p = *static_cast<const Impl*>(o);
        if (p.value.data() != n.val || p.value.rows() != n.rows || p.value.cols() != n.cols ||
            (n.adj && p.grad.data() != n.adj)) {
          throw StaleVarError(fmt::format(
              "backward: {} was resized from {}x{} to {}x{} (or its storage replaced) after the loss "
              "was recorded; record the loss again",
              describe(p.name), n.rows, n.cols, p.value.rows(), p.value.cols()));
        }
      },
      .lock = [](void* o) { static_cast<Impl*>(o)->grad_lock.lock(); },
      .unlock = [](void* o) { static_cast<Impl*>(o)->grad_lock.unlock(); },
  };
  Tape& t = Tape::current();
  return Var::from_node(t, t.push_external("parameter", p.value.rows(), p.value.cols(), p.value.data(),
                                           p.grad.data(), std::move(owner)));
}

template <TapeScalar S>
BasicVar<S> BasicParameter<S>::var_into_sink() const {
  Impl& p = impl("Parameter::var");
  BasicGradientSink<S>& sink = *BasicGradientSink<S>::current();
  const std::ptrdiff_t k = sink.find(&p);
  if (k < 0) {
    // Not one of the sink's Parameters: the shared grad(), under its lock.
    return var_shared();
  }
  Array& g = (*sink.grads_)[std::size_t(k)];
  if (g.rows() != p.value.rows() || g.cols() != p.value.cols()) {
    throw ShapeError(fmt::format("Parameter::var: {} is {}x{} but its gradient sink holds {}x{}; it was "
                                 "resized after the sink was made",
                                 describe(p.name), p.value.rows(), p.value.cols(), g.rows(), g.cols()));
  }
  // No lock: the buffer belongs to this thread alone. The check still refuses a value
  // resized after recording.
  // The tape keeps the Parameter's storage and the sink's buffers alive until clear().
  struct Both {
    std::shared_ptr<Impl> param;
    std::shared_ptr<std::vector<Array>> grads;
  };
  auto both = std::make_shared<Both>(Both{impl_, sink.grads_});
  BasicExternalOwner<S> owner{
      .owner = std::shared_ptr<void>(both, both->param.get()),
      .check = [](void* o, const BasicNode<S>& n) {
        const Impl& q = *static_cast<const Impl*>(o);
        if (q.value.data() != n.val || q.value.rows() != n.rows || q.value.cols() != n.cols) {
          throw StaleVarError(fmt::format(
              "backward: {} was resized from {}x{} to {}x{} (or its storage replaced) after the loss "
              "was recorded; record the loss again",
              describe(q.name), n.rows, n.cols, q.value.rows(), q.value.cols()));
        }
      },
  };
  Tape& t = Tape::current();
  return Var::from_node(t, t.push_external("parameter", p.value.rows(), p.value.cols(), p.value.data(),
                                           g.data(), std::move(owner)));
}

// ---- GradientSink

template <TapeScalar S>
BasicGradientSink<S>::BasicGradientSink(const std::vector<Parameter*>& params) {
  grads_ = std::make_shared<std::vector<Array>>();
  keys_.reserve(params.size());
  grads_->reserve(params.size());
  for (std::size_t k = 0; k < params.size(); ++k) {
    if (!params[k]) throw std::invalid_argument(fmt::format("GradientSink: parameter {} is a null pointer", k));
    const typename Parameter::Impl& p = params[k]->impl("GradientSink");
    keys_.push_back(std::shared_ptr<const void>(params[k]->impl_, &p));
    grads_->push_back(Array::Zero(p.value.rows(), p.value.cols()));
  }
}

template <TapeScalar S>
void BasicGradientSink<S>::zero() {
  for (Array& g : *grads_) g.setZero();
}

template <TapeScalar S>
std::ptrdiff_t BasicGradientSink<S>::find(const void* impl) const {
  for (std::size_t k = 0; k < keys_.size(); ++k) {
    if (keys_[k].get() == impl) return std::ptrdiff_t(k);
  }
  return -1;
}

template <TapeScalar S>
BasicGradientSink<S>::Scope::Scope(BasicGradientSink& sink) : previous_(current_) { current_ = &sink; }
template <TapeScalar S>
BasicGradientSink<S>::Scope::~Scope() { current_ = previous_; }

// ---- Constant

template <TapeScalar S>
BasicConstant<S>::BasicConstant(Array value) {
  Tape::check_shape("Constant", value.rows(), value.cols());
  value_ = std::make_shared<const Array>(std::move(value));
}

template <TapeScalar S>
const BasicArray<S>& BasicConstant<S>::data(const char* op) const {
  if (!value_) throw StaleVarError(fmt::format("{}: the Constant was moved from", op));
  return *value_;
}

template <TapeScalar S>
BasicVar<S> BasicConstant<S>::var() const {
  const Array& v = data("Constant::var");
  // The tape never writes a leaf's value, so handing it a non-const pointer is safe.
  return Var::from_node(BasicTape<S>::current().push_external(
      "constant", v.rows(), v.cols(), const_cast<S*>(v.data()), nullptr,
      BasicExternalOwner<S>{.owner = std::const_pointer_cast<Array>(value_)}));
}

template class BasicVar<double>;
template class BasicVar<float>;
template class BasicParameter<double>;
template class BasicParameter<float>;
template class BasicGradientSink<double>;
template class BasicGradientSink<float>;
template class BasicConstant<double>;
template class BasicConstant<float>;

}  // namespace autodiff
