// SPDX-License-Identifier: MIT
#include "autodiff/gradcheck.hpp"

#include "autodiff/error.hpp"

#include <fmt/format.h>

#include <cmath>

namespace autodiff {

namespace {

// Puts the parameters back as they were when gradcheck returns, and also when f
// throws: their gradients, and the element being nudged by a finite difference.
struct Restore {
  const ParameterList& params;
  std::vector<Array> grads;
  double* nudged = nullptr;  // the element being perturbed, if any
  double original = 0.0;

  ~Restore() {
    if (nudged) *nudged = original;
    for (std::size_t q = 0; q < grads.size(); ++q) params[q]->grad() = grads[q];
  }
};

}  // namespace

std::string GradcheckResult::summary() const {
  return fmt::format("gradcheck {}: {} elements; worst at {}: analytic {:.10g}, numeric {:.10g}, "
                     "relative error {:.3g} ({:.3g} of the tolerance)",
                     passed ? "passed" : "FAILED", checked, where, analytic, numeric,
                     relative_error, worst_ratio);
}

GradcheckResult gradcheck(const std::function<Var()>& f, const ParameterList& params,
                          GradcheckOptions options) {
  if (params.empty()) throw Error("gradcheck: no parameters to check");
  for (std::size_t q = 0; q < params.size(); ++q) {
    if (!params[q]) throw Error(fmt::format("gradcheck: parameter {} of the list is a null pointer", q));
  }
  Tape& t = Tape::current();
  Restore restore{params, {}};
  for (Parameter* p : params) {
    restore.grads.push_back(p->grad());
    p->zero_grad();
  }

  t.clear();
  backward(f());
  std::vector<Array> analytic;
  for (Parameter* p : params) analytic.push_back(p->grad());

  auto loss_at = [&](Parameter& p, Index k, double x) {
    restore.nudged = &p.value()(k);
    p.value()(k) = x;
    t.clear();
    NoGrad no_grad;
    return f().item();
  };

  GradcheckResult result;
  result.worst_ratio = -1.0;
  for (std::size_t q = 0; q < params.size(); ++q) {
    Parameter& p = *params[q];
    for (Index k = 0; k < p.size(); ++k) {
      const double x = p.value()(k);
      restore.original = x;
      const double numeric =
          (loss_at(p, k, x + options.eps) - loss_at(p, k, x - options.eps)) / (2.0 * options.eps);
      p.value()(k) = x;
      restore.nudged = nullptr;
      const double a = analytic[q](k);
      const double diff = std::abs(a - numeric);
      double ratio = diff / (options.atol + options.rtol * std::abs(numeric));
      if (std::isnan(ratio)) ratio = INFINITY;  // a NaN on either side is a failure
      ++result.checked;
      if (ratio > result.worst_ratio) {
        result.worst_ratio = ratio;
        result.analytic = a;
        result.numeric = numeric;
        result.relative_error = diff / std::max({std::abs(numeric), std::abs(a), 1e-12});
        result.parameter = q;
        result.row = k % p.rows();
        result.col = k / p.rows();
      }
    }
  }
  result.passed = result.worst_ratio <= 1.0;
  const Parameter& worst = *params[result.parameter];
  result.where = fmt::format("parameter {}{} element ({}, {})", result.parameter,
                             worst.name().empty() ? "" : fmt::format(" ('{}')", worst.name()),
                             result.row, result.col);
  t.clear();
  return result;
}

}  // namespace autodiff
