// SPDX-License-Identifier: MIT
// Test problems shared by the optim tests: a separable quadratic over parameters
// of several shapes (with a scalar reference runner for update rules), the
// Rosenbrock function, a small linear least-squares fit in tape and objective form, and
// a double and a float optimizer run side by side.
#pragma once

#include "autodiff/autodiff.hpp"
#include "optim/optim.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

namespace optim_problems {

using autodiff::Array;

// loss = Σ_k Σ c_k ⊙ (θ_k − a_k)² over a 1x1, a 3x1 and a 2x3 parameter. Every
// element's gradient 2 c (θ − a) depends on that element alone, so an update rule
// can be checked element by element against a scalar formula.
struct SeparableQuadratic {
  std::vector<autodiff::Parameter> params;
  std::vector<Array> c, a;

  SeparableQuadratic() {
    Array v0(1, 1), c0(1, 1), a0(1, 1);
    v0 << 0.8;
    c0 << 1.5;
    a0 << -0.4;
    Array v1(3, 1), c1(3, 1), a1(3, 1);
    v1 << -1.2, 0.3, 2.5;
    c1 << 0.5, 2.0, 1.0;
    a1 << 0.7, -1.1, 0.2;
    Array v2(2, 3), c2(2, 3), a2(2, 3);
    v2 << 0.1, -0.6, 1.9, -2.2, 0.45, 3.0;
    c2 << 3.0, 0.75, 1.25, 0.6, 2.5, 0.9;
    a2 << 1.0, 0.5, -0.3, 0.8, -1.5, 2.0;
    params.emplace_back(v0, "bias");
    params.emplace_back(v1, "w");
    params.emplace_back(v2, "W");
    c = {c0, c1, c2};
    a = {a0, a1, a2};
  }

  autodiff::ParameterList list() {
    autodiff::ParameterList out;
    for (auto& p : params) out.push_back(&p);
    return out;
  }

  static double gradient(double c, double a, double theta) { return 2.0 * c * (theta - a); }

  void add_gradient() {
    for (std::size_t k = 0; k < params.size(); ++k) {
      for (Eigen::Index e = 0; e < params[k].size(); ++e) {
        params[k].grad()(e) += gradient(c[k](e), a[k](e), params[k].value()(e));
      }
    }
  }

  double loss() const {
    double total = 0.0;
    for (std::size_t k = 0; k < params.size(); ++k) total += (c[k] * (params[k].value() - a[k]).square()).sum();
    return total;
  }

  // The largest |θ − a| over all elements: 0 at the minimum.
  double distance_to_minimum() const {
    double worst = 0.0;
    for (std::size_t k = 0; k < params.size(); ++k) {
      worst = std::max(worst, (params[k].value() - a[k]).abs().maxCoeff());
    }
    return worst;
  }
};

// Runs `steps` updates of `optimizer` on `problem` and, for every element on its
// own, `steps` updates of the scalar reference `Ref` (a copy of `reference` per
// element, with a member `double step(double theta, double g, int t)`); the two
// must agree to 1e-12 relative. Returns the reference values, in parameter order.
template <class Ref>
std::vector<Array> check_against_reference(SeparableQuadratic& problem, optim::Optimizer& optimizer,
                                           const Ref& reference, int steps = 3) {
  std::vector<Array> expected;
  for (std::size_t k = 0; k < problem.params.size(); ++k) {
    Array theta = problem.params[k].value();
    for (Eigen::Index e = 0; e < theta.size(); ++e) {
      Ref r = reference;
      for (int t = 1; t <= steps; ++t) {
        const double g = SeparableQuadratic::gradient(problem.c[k](e), problem.a[k](e), theta(e));
        theta(e) = r.step(theta(e), g, t);
      }
    }
    expected.push_back(theta);
  }
  for (int t = 1; t <= steps; ++t) {
    optimizer.zero_grad();
    problem.add_gradient();
    optimizer.step();
  }
  for (std::size_t k = 0; k < problem.params.size(); ++k) {
    for (Eigen::Index e = 0; e < expected[k].size(); ++e) {
      BOOST_TEST_CONTEXT("parameter " << k << " element " << e) {
        BOOST_TEST(problem.params[k].value()(e) == expected[k](e), boost::test_tools::tolerance(1e-12));
      }
    }
  }
  return expected;
}

// Runs the optimizer on the quadratic until every element is within tol of its minimum.
inline bool reaches_minimum(SeparableQuadratic& problem, optim::Optimizer& optimizer, int max_steps,
                            double tol = 1e-8) {
  for (int t = 0; t < max_steps; ++t) {
    optimizer.zero_grad();
    problem.add_gradient();
    optimizer.step();
    if (problem.distance_to_minimum() < tol) return true;
  }
  return false;
}

// f(x, y) = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1).
inline autodiff::Var rosenbrock(const autodiff::Parameter& x, const autodiff::Parameter& y) {
  return autodiff::square(1.0 - x) + 100.0 * autodiff::square(y - autodiff::square(x));
}

// y ≈ X w + b on eight examples; the loss is the mean squared residual.
struct LeastSquares {
  Array X{8, 2};
  Array y{8, 1};
  autodiff::Parameter w{Array::Zero(2, 1), "w"};
  autodiff::Parameter b{0.0, "b"};

  LeastSquares() {
    X << 0.5, 1.0, 1.5, -0.5, 2.0, 0.25, -1.0, 0.75, 0.0, -1.5, 2.5, 1.25, -0.5, -0.25, 1.0, 2.0;
    y << 2.1, 1.4, 3.3, -0.2, -1.9, 5.0, -0.6, 4.2;
  }

  autodiff::ParameterList list() { return {&w, &b}; }

  // (a) on the tape: mean((X_B w + b − y_B)²)
  autodiff::Var record(const optim::Batch& batch) const {
    const autodiff::Var residual =
        autodiff::matmul(optim::select_rows(X, batch), w) + b - optim::select_rows(y, batch);
    return autodiff::mean(autodiff::square(residual));
  }

  // (b) by hand: the same loss; d/dw = Xᵀ (2 r / n), d/db = Σ 2 r / n, written in the
  // order the tape's reverse sweep uses so that both give the same doubles.
  double objective(const optim::Batch& batch, bool add_gradient) {
    const Array Xb = optim::select_rows(X, batch);
    const Array yb = optim::select_rows(y, batch);
    Array prediction(Xb.rows(), 1);
    prediction.matrix().noalias() = Xb.matrix() * w.value().matrix();
    const Array residual = (prediction + b.value()(0)) - yb;
    const double scale = 1.0 / double(residual.size());
    const double loss = residual.square().sum() * scale;
    if (add_gradient) {
      const Array dr = 2.0 * scale * residual;
      w.grad().matrix().noalias() += Xb.matrix().transpose() * dr.matrix();
      b.grad()(0) += dr.sum();
    }
    return loss;
  }
};

// `steps` steps of d on wd and of f on wf, each on sum((w - 1)^2 w), whose gradient
// (w - 1)(3w - 1) is written by hand in the parameter's own type: the float
// optimizers' tests compare the two.
template <class DoubleOptimizer, class FloatOptimizer>
void step_side_by_side(autodiff::Parameter& wd, DoubleOptimizer& d, autodiff::f32::Parameter& wf, FloatOptimizer& f,
                       int steps = 5) {
  for (int step = 0; step < steps; ++step) {
    wd.grad() = (wd.value() - 1.0) * (3.0 * wd.value() - 1.0);
    wf.grad() = (wf.value() - 1.0f) * (3.0f * wf.value() - 1.0f);
    d.step();
    f.step();
  }
}

}  // namespace optim_problems
