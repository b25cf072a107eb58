// SPDX-License-Identifier: MIT
// The interface every update rule shares: a list of parameters (referenced, not
// owned), zero_grad(), step() and a learning rate that may change between steps.
// A rule only supplies update(): the new value of one parameter from its gradient.
#pragma once

#include "../autodiff/var.hpp"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace optim {

// The parameters an optimizer updates (autodiff's one list type). The caller keeps them alive while the optimizer is used.
using autodiff::ParameterList;

// The base of the update rules over parameters of scalar type S (float or double):
// Optimizer is the double one, f32::Optimizer the float one. Rates and options stay
// doubles; the buffers (m, v, ...) have the parameters' type.
template <autodiff::TapeScalar S>
class BasicOptimizer {
 public:
  using Scalar = S;
  using Array = autodiff::BasicArray<S>;
  using ParameterList = autodiff::BasicParameterList<S>;

  virtual ~BasicOptimizer() = default;
  BasicOptimizer(const BasicOptimizer&) = delete;
  BasicOptimizer& operator=(const BasicOptimizer&) = delete;

  // Sets every parameter's gradient to zero (gradients accumulate, as in PyTorch).
  void zero_grad();
  // Applies one update to every parameter from its grad(). Throws autodiff::ShapeError
  // naming the parameter when a gradient's (or value's) shape is not the parameter's.
  void step();

  double lr() const { return lr_; }
  // The learning rate of the next steps; must be finite and >= 0 (0 leaves the values
  // unchanged, as in torch.optim). Throws std::invalid_argument naming the optimizer.
  void set_lr(double lr);
  // Steps taken so far (t in the formulas is steps() during an update, counting from 1).
  std::size_t steps() const { return t_; }
  const ParameterList& params() const { return params_; }

  // What the next steps depend on besides the values and gradients, for checkpoints:
  // the rate, the step count and every per-parameter buffer of the rule.
  struct State {
    std::string optimizer;  // name(): a state loads only into the same rule
    double lr = 0.0;
    std::size_t steps = 0;
    std::vector<std::vector<Array>> buffers;  // per kind of buffer (m, v, ...), one array per parameter
  };
  State state() const;
  // Restores a state from state(): the same rule, the same kinds of buffers and
  // the parameters' shapes. Throws std::invalid_argument naming what differs, and
  // then changes nothing.
  void load_state(const State& state);
  // "SGD", "Adam", ...: the prefix of every error message.
  const std::string& name() const { return name_; }

 protected:
  // Validates the list (non-empty, no null, no duplicate) and the learning rate (as set_lr).
  BasicOptimizer(std::string name, ParameterList params, double lr);

  // The rule: update parameter k (value theta, gradient g) in place at step t = steps().
  virtual void update(std::size_t k, Array& theta, const Array& g) = 0;

  // The rule's buffers, in a fixed order (an unused one is empty); none by default.
  virtual std::vector<std::vector<Array>*> buffers() { return {}; }

  // Zero state of the shape of each parameter, for a rule's per-parameter buffers.
  std::vector<Array> zeros_like_params(double fill = 0.0) const;

 private:
  std::string name_;
  ParameterList params_;
  std::vector<std::pair<autodiff::Index, autodiff::Index>> shapes_;  // at construction
  double lr_;
  std::size_t t_ = 0;
};

using Optimizer = BasicOptimizer<double>;
namespace f32 {
using Optimizer = BasicOptimizer<float>;
}  // namespace f32
extern template class BasicOptimizer<double>;
extern template class BasicOptimizer<float>;

// Checks of option values; each throws std::invalid_argument
// "<optimizer>: <field> must be <condition>, got <value>".
namespace detail {
void check_positive(const std::string& who, const char* field, double value);      // (0, inf)
void check_non_negative(const std::string& who, const char* field, double value);  // [0, inf)
void check_unit_interval(const std::string& who, const char* field, double value); // [0, 1)
void check_finite(const std::string& who, const char* field, double value);
}  // namespace detail

}  // namespace optim
