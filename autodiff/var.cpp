// SPDX-License-Identifier: MIT
#include "autodiff/var.hpp"

#include "autodiff/error.hpp"
#include "autodiff/ops.hpp"

#include <fmt/format.h>

#include <cstring>

namespace autodiff {

namespace {

// Records a constant leaf holding a copy of data.
std::int32_t push_copy(const char* op, Index rows, Index cols, const double* data) {
  Tape& t = Tape::current();
  std::int32_t k = t.push(op, rows, cols, false);
  if (rows * cols > 0) std::memcpy(t.node(k).val, data, std::size_t(rows * cols) * sizeof(double));
  return k;
}

}  // namespace

Var::Var(double value) : Var(from_node(push_copy("constant", 1, 1, &value))) {}

Var::Var(const Array& value)
    : Var(from_node(push_copy("constant", value.rows(), value.cols(), value.data()))) {}

void Var::throw_invalid(Var v, const char* op) {
  if (v.empty()) {
    throw StaleVarError(fmt::format("{}: the Var is empty (default-constructed); assign it the "
                                    "result of an operation first",
                                    op));
  }
  // Another thread's tape is not ours to read: its serial number tells it apart.
  Tape& here = Tape::current();
  if (v.tape_ != here.serial()) {
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

Index Var::rows() const { return Tape::current().node(index_lazy("Var::rows")).rows; }
Index Var::cols() const { return Tape::current().node(index_lazy("Var::cols")).cols; }
bool Var::requires_grad() const {
  return Tape::current().node(index_lazy("Var::requires_grad")).needs_grad();
}

Var Var::eval() const {
  index("Var::eval");
  return *this;
}

ConstMap Var::value() const {
  const Node& n = Tape::current().node(index("Var::value"));
  return {n.val, n.rows, n.cols};
}

double Var::item() const {
  const Node& n = Tape::current().node(index("Var::item"));
  if (n.size() != 1) {
    throw ShapeError(fmt::format("Var::item: needs a 1x1 Var, got {}x{}", n.rows, n.cols));
  }
  return n.val[0];
}

Array Var::grad() const {
  const Node& n = Tape::current().node(index_lazy("Var::grad"));
  if ((n.lazy && n.lazy_grad) || n.grad_dropped) {
    throw BackwardError(fmt::format(
        "Var::grad: this {}x{} result of {} was fused into the ops that used it, so its "
        "gradient was not stored; call .eval() on it before backward to keep it",
        n.rows, n.cols, n.op));
  }
  if (!n.adj || n.fresh) return Array::Zero(n.rows, n.cols);
  return n.grad();
}

void Var::backward() const { autodiff::backward(*this); }

Var Var::operator()(Index i, Index j) const { return element(*this, i, j); }

Var Var::operator()(Index i) const {
  const Index r = rows();
  const Index c = cols();
  if (r != 1 && c != 1) {
    throw ShapeError(fmt::format("Var::operator(): one index needs a vector, got {}x{}; use (i, j)", r, c));
  }
  return r == 1 ? element(*this, 0, i) : element(*this, i, 0);
}

void backward(Var loss) {
  Tape& t = Tape::current();
  const std::int32_t k = loss.index("backward");
  const Node& n = t.node(k);
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

// ---- Parameter

Parameter::Parameter(double value, std::string name)
    : Parameter(Array::Constant(1, 1, value), std::move(name)) {}

Parameter::Parameter(Array value, std::string name)
    : impl_(std::make_unique<Impl>(Impl{std::move(value), Array(), std::move(name)})) {
  impl_->grad = Array::Zero(impl_->value.rows(), impl_->value.cols());
}

Parameter::~Parameter() = default;

Var Parameter::var() const {
  if (!impl_) throw StaleVarError("Parameter::var: the Parameter was moved from");
  Impl& p = *impl_;
  // A value given a new shape makes the old gradient meaningless.
  if (p.grad.rows() != p.value.rows() || p.grad.cols() != p.value.cols()) {
    p.grad = Array::Zero(p.value.rows(), p.value.cols());
  }
  Tape& t = Tape::current();
  const std::int32_t k = t.push_external("parameter", p.value.rows(), p.value.cols(),
                                         p.value.data(), p.grad.data());
  Node& n = t.node(k);
  if (p.value.size() == 1) {
    // A copy costs nothing for a scalar, and lets fused ops read it at any time
    // after an optimizer step has changed the Parameter.
    n.val = t.allocate_values(1);
    n.val[0] = p.value(0, 0);
  } else {
    n.mutable_value = true;
  }
  return Var::from_node(t, k);
}

// ---- Constant

Constant::Constant(Array value) : value_(std::make_unique<Array>(std::move(value))) {}

Var Constant::var() const {
  // The tape never writes a leaf's value, so handing it a non-const pointer is safe.
  return Var::from_node(Tape::current().push_external("constant", value_->rows(), value_->cols(),
                                                      const_cast<double*>(value_->data()), nullptr));
}

}  // namespace autodiff
