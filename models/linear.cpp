// SPDX-License-Identifier: MIT
#include "models/linear.hpp"

#include "autodiff/ops.hpp"

#include <Eigen/Dense>
#include <fmt/format.h>

#include <stdexcept>

namespace models {

using autodiff::Var;

LinearModel::LinearModel(double t0, double t1) : theta0(t0, "theta0"), theta1(t1, "theta1") {
  register_parameters({&theta0, &theta1});
}

namespace {

// The model as one expression, whatever form its data takes.
template <class X>
auto line(const LinearModel& m, const X& x) {
  return m.theta0 + m.theta1 * x;
}
template <class X, class Y>
Var squared_error(const LinearModel& m, const X& x, const Y& y) {
  return sum(square(y - line(m, x)));
}

}  // namespace

Var LinearModel::predict(const autodiff::Constant& x) const { return line(*this, x); }
Var LinearModel::predict(const Eigen::ArrayXd& x) const { return line(*this, x); }

Var LinearModel::loss(const autodiff::Constant& x, const autodiff::Constant& y) const {
  return squared_error(*this, x, y);
}
Var LinearModel::loss(const Eigen::ArrayXd& x, const Eigen::ArrayXd& y) const {
  return squared_error(*this, x, y);
}

double LinearModel::loss_value(const Eigen::ArrayXd& x, const Eigen::ArrayXd& y) const {
  return (y - (theta0.value()(0) + theta1.value()(0) * x)).square().sum();
}

Eigen::Array2d LinearModel::gradient(const Eigen::ArrayXd& x, const Eigen::ArrayXd& y) const {
  const Eigen::ArrayXd residual = theta0.value()(0) + theta1.value()(0) * x - y;  // ŷ − y
  return {2.0 * residual.sum(), 2.0 * (residual * x).sum()};
}

Eigen::Array2d LinearModel::theta() const { return {theta0.value()(0), theta1.value()(0)}; }

void LinearModel::set_theta(const Eigen::Array2d& theta) {
  theta0.value()(0) = theta(0);
  theta1.value()(0) = theta(1);
}


Eigen::Array2d least_squares(const Eigen::ArrayXd& x, const Eigen::ArrayXd& y) {
  if (x.size() != y.size()) {
    throw std::invalid_argument(fmt::format("least_squares: {} x values but {} y values", x.size(), y.size()));
  }
  if (x.size() < 2 || x.maxCoeff() == x.minCoeff()) {
    throw std::invalid_argument("least_squares: x needs at least two distinct values");
  }
  Eigen::MatrixXd design(x.size(), 2);
  design.col(0).setOnes();
  design.col(1) = x.matrix();
  const Eigen::Matrix2d normal = design.transpose() * design;
  const Eigen::Vector2d rhs = design.transpose() * y.matrix();
  return normal.ldlt().solve(rhs).array();
}

}  // namespace models
