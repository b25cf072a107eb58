// SPDX-License-Identifier: MIT
// The job-duration model of the tutorial: a straight line through scaled data,
//   ŷ = θ0 + θ1·x,   L(θ) = Σ_i (y_i − ŷ_i)²   (a sum, not a mean),
// written once as an expression on the tape and once with its gradient derived
// by hand, so that each checks the other.
#pragma once

#include "../autodiff/var.hpp"
#include "module.hpp"

#include <Eigen/Core>

#include <vector>

namespace models {

class LinearModel : public Module {
 public:
  explicit LinearModel(double theta0 = -1.0, double theta1 = 1.0);

  // ŷ = θ0 + θ1·x, recorded on the tape. The data comes as Constants (on the tape
  // without a copy) or Eigen arrays (copied): with data among the operands the
  // whole loss is one expression, one node and one pass over the data (expr.hpp).
  autodiff::Var predict(const autodiff::Constant& x) const;
  autodiff::Var predict(const Eigen::ArrayXd& x) const;
  // L = Σ (y − ŷ)², recorded on the tape.
  autodiff::Var loss(const autodiff::Constant& x, const autodiff::Constant& y) const;
  autodiff::Var loss(const Eigen::ArrayXd& x, const Eigen::ArrayXd& y) const;

  // The same loss in plain Eigen, and its gradient by hand:
  //   ∂L/∂θ0 = Σ 2(ŷ_i − y_i),   ∂L/∂θ1 = Σ 2(ŷ_i − y_i)·x_i
  double loss_value(const Eigen::ArrayXd& x, const Eigen::ArrayXd& y) const;
  Eigen::Array2d gradient(const Eigen::ArrayXd& x, const Eigen::ArrayXd& y) const;

  // [θ0, θ1]
  Eigen::Array2d theta() const;
  void set_theta(const Eigen::Array2d& theta);

  // parameters(): θ0, θ1, named "theta0", "theta1".

  autodiff::Parameter theta0;
  autodiff::Parameter theta1;
};

// The θ that minimises L exactly: the normal equations (XᵀX)θ = Xᵀy with X = [1 x].
// Throws std::invalid_argument when x has fewer than two distinct values.
Eigen::Array2d least_squares(const Eigen::ArrayXd& x, const Eigen::ArrayXd& y);

}  // namespace models
