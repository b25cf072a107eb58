// SPDX-License-Identifier: MIT
// The shared part of every optimizer: validation of the parameter list, the
// shape checks of step(), and the option checks with their messages.
#include "optim/optimizer.hpp"

#include "autodiff/error.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace optim {

namespace {

// "parameter 1 ('W')" or "parameter 1" for an unnamed one.
template <class S>
std::string describe(std::size_t k, const autodiff::BasicParameter<S>& p) {
  return p.name().empty() ? fmt::format("parameter {}", k)
                          : fmt::format("parameter {} ('{}')", k, p.name());
}

}  // namespace

template <autodiff::TapeScalar S>
BasicOptimizer<S>::BasicOptimizer(std::string name, ParameterList params, double lr)
    : name_(std::move(name)), params_(std::move(params)), lr_(lr) {
  if (params_.empty()) {
    throw std::invalid_argument(name_ + ": the parameter list is empty; give it the parameters to optimize");
  }
  for (std::size_t k = 0; k < params_.size(); ++k) {
    if (!params_[k]) throw std::invalid_argument(fmt::format("{}: parameter {} is a null pointer", name_, k));
    for (std::size_t j = 0; j < k; ++j) {
      if (params_[j] == params_[k]) {
        throw std::invalid_argument(fmt::format(
            "{}: parameter {} is the same Parameter as parameter {}; list each parameter once", name_, k, j));
      }
    }
    shapes_.emplace_back(params_[k]->rows(), params_[k]->cols());
  }
  set_lr(lr);
}

template <autodiff::TapeScalar S>
void BasicOptimizer<S>::set_lr(double lr) {
  // 0 is a valid rate (as in torch.optim): a schedule may decay to it and the run goes on.
  detail::check_non_negative(name_, "lr", lr);
  lr_ = lr;
}

template <autodiff::TapeScalar S>
void BasicOptimizer<S>::zero_grad() {
  for (autodiff::BasicParameter<S>* p : params_) p->zero_grad();
}

template <autodiff::TapeScalar S>
void BasicOptimizer<S>::step() {
  // Check every shape before touching any value, so a failed step changes nothing.
  for (std::size_t k = 0; k < params_.size(); ++k) {
    const autodiff::BasicParameter<S>& p = *params_[k];
    const auto [rows, cols] = shapes_[k];
    if (p.rows() != rows || p.cols() != cols) {
      throw autodiff::ShapeError(fmt::format("{}::step: {} changed shape from {}x{} to {}x{} after the "
                                             "optimizer was built; build a new optimizer",
                                             name_, describe(k, p), rows, cols, p.rows(), p.cols()));
    }
    if (p.grad().rows() != rows || p.grad().cols() != cols) {
      throw autodiff::ShapeError(fmt::format("{}::step: the gradient of {} is {}x{} but its value is {}x{}",
                                             name_, describe(k, p), p.grad().rows(), p.grad().cols(),
                                             rows, cols));
    }
  }
  ++t_;
  for (std::size_t k = 0; k < params_.size(); ++k) update(k, params_[k]->value(), params_[k]->grad());
}

template <autodiff::TapeScalar S>
typename BasicOptimizer<S>::State BasicOptimizer<S>::state() const {
  State s{name_, lr_, t_, {}};
  // buffers() hands out pointers that a load may write through; here they are only read.
  for (const auto* b : const_cast<BasicOptimizer*>(this)->buffers()) s.buffers.push_back(*b);
  return s;
}

template <autodiff::TapeScalar S>
void BasicOptimizer<S>::load_state(const State& state) {
  const auto fail = [&](const std::string& what) {
    throw std::invalid_argument(fmt::format("{}::load_state: {}", name_, what));
  };
  if (state.optimizer != name_) fail(fmt::format("the state is of a {}, not of a {}", state.optimizer, name_));
  if (!(state.lr >= 0.0) || !std::isfinite(state.lr)) fail(fmt::format("lr must be non-negative and finite, got {}", state.lr));
  const auto mine = buffers();
  if (state.buffers.size() != mine.size()) {
    fail(fmt::format("the state holds {} kinds of buffers, this {} has {}", state.buffers.size(), name_, mine.size()));
  }
  for (std::size_t b = 0; b < mine.size(); ++b) {
    if (state.buffers[b].size() != mine[b]->size()) {
      fail(fmt::format("buffer {} holds {} arrays in the state, {} here (other options?)", b, state.buffers[b].size(),
                       mine[b]->size()));
    }
    for (std::size_t k = 0; k < mine[b]->size(); ++k) {
      const Array& a = state.buffers[b][k];
      if (a.rows() != (*mine[b])[k].rows() || a.cols() != (*mine[b])[k].cols()) {
        fail(fmt::format("buffer {} of {} is {}x{} in the state but {}x{} here", b, describe(k, *params_[k]),
                         a.rows(), a.cols(), (*mine[b])[k].rows(), (*mine[b])[k].cols()));
      }
    }
  }
  for (std::size_t b = 0; b < mine.size(); ++b) *mine[b] = state.buffers[b];
  lr_ = state.lr;
  t_ = state.steps;
}

template <autodiff::TapeScalar S>
std::vector<typename BasicOptimizer<S>::Array> BasicOptimizer<S>::zeros_like_params(double fill) const {
  std::vector<Array> state;
  state.reserve(params_.size());
  for (const autodiff::BasicParameter<S>* p : params_) state.push_back(Array::Constant(p->rows(), p->cols(), S(fill)));
  return state;
}

template class BasicOptimizer<double>;
template class BasicOptimizer<float>;

namespace detail {

void check_finite(const std::string& who, const char* field, double value) {
  if (!std::isfinite(value)) {
    throw std::invalid_argument(fmt::format("{}: {} must be finite, got {}", who, field, value));
  }
}

void check_positive(const std::string& who, const char* field, double value) {
  if (!(value > 0.0) || !std::isfinite(value)) {
    throw std::invalid_argument(fmt::format("{}: {} must be positive and finite, got {}", who, field, value));
  }
}

void check_non_negative(const std::string& who, const char* field, double value) {
  if (!(value >= 0.0) || !std::isfinite(value)) {
    throw std::invalid_argument(fmt::format("{}: {} must be non-negative and finite, got {}", who, field, value));
  }
}

void check_unit_interval(const std::string& who, const char* field, double value) {
  if (!(value >= 0.0 && value < 1.0)) {
    throw std::invalid_argument(fmt::format("{}: {} must be in [0, 1), got {}", who, field, value));
  }
}

}  // namespace detail

}  // namespace optim
