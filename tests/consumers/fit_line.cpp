// SPDX-License-Identifier: MIT
// The program every consumer project builds: it fits y = 2x + 1 by gradient
// descent with descent, found through that project's build system, and exits
// non-zero unless the fit is right. run.sh copies it into each project as main.cpp.
#include <descent/descent.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

int main() {
  const Eigen::ArrayXd xs = Eigen::ArrayXd::LinSpaced(20, 0.0, 1.0);
  const autodiff::Constant x(xs), y(2.0 * xs + 1.0);
  autodiff::Parameter a(0.0, "a"), b(0.0, "b");
  const autodiff::ParameterList params = {&a, &b};

  optim::SGD sgd(params, {.lr = 0.02, .momentum = 0.9});
  const auto loss = optim::Loss::recorded([&](const optim::Batch&) { return autodiff::sum(autodiff::square(y - (a + b * x))); });
  const optim::Result r = optim::minimize(loss, params, sgd, optim::Batching::full(xs.size()), {.tolerance = 1e-14});

  const double slope = b.value()(0), intercept = a.value()(0);
  fmt::print("descent {}: y = {:.6f} x + {:.6f} after {} iterations ({})\n", DESCENT_VERSION, slope, intercept,
             r.iterations, r.message);
  if (std::abs(slope - 2.0) > 1e-4 || std::abs(intercept - 1.0) > 1e-4) {
    std::fprintf(stderr, "fit_line: expected y = 2x + 1\n");
    return 1;
  }
  return 0;
}
