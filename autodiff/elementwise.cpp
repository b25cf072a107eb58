// SPDX-License-Identifier: MIT
// One-argument functions applied to every element.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

namespace autodiff {

using detail::unary;

// d(a^p) = p a^(p-1) da; for p = 0 the derivative is 0 everywhere, also at a = 0
// where p a^(p-1) would be 0 * inf (as PyTorch).
Var pow(const Var& a, double p) {
  if (p == 0.0) {
    return unary("pow", a, [](const auto& s) { return s.x.pow(0.0); },
                 [](const auto& s) { return s.g * 0.0; }, p);
  }
  return unary("pow", a, [](const auto& s) { return s.x.pow(s.c); },
               [](const auto& s) { return s.g * s.c * s.x.pow(s.c - 1.0); }, p);
}

// d(a^2) = 2a da
Var square(const Var& a) {
  return unary("square", a, [](const auto& s) { return s.x.square(); },
               [](const auto& s) { return 2.0 * s.g * s.x; });
}

// d(sqrt a) = da / (2 sqrt a)
Var sqrt(const Var& a) {
  return unary("sqrt", a, [](const auto& s) { return s.x.sqrt(); },
               [](const auto& s) { return s.g / (2.0 * s.y); });
}

// d(exp a) = exp(a) da
Var exp(const Var& a) {
  return unary("exp", a, [](const auto& s) { return s.x.exp(); },
               [](const auto& s) { return s.g * s.y; });
}

// d(log a) = da / a
Var log(const Var& a) {
  return unary("log", a, [](const auto& s) { return s.x.log(); },
               [](const auto& s) { return s.g / s.x; });
}

// d(tanh a) = (1 - tanh(a)^2) da
Var tanh(const Var& a) {
  return unary("tanh", a, [](const auto& s) { return s.x.tanh(); },
               [](const auto& s) { return s.g * (1.0 - s.y.square()); });
}

// d(sigmoid a) = sigmoid(a) (1 - sigmoid(a)) da; written with exp(-|a|) so that
// neither branch overflows for large |a|.
Var sigmoid(const Var& a) {
  return unary("sigmoid", a,
               [](const auto& s) {
                 return (s.x >= 0.0).select(1.0 / (1.0 + (-s.x).exp()),
                                            s.x.exp() / (1.0 + s.x.exp()));
               },
               [](const auto& s) { return s.g * s.y * (1.0 - s.y); });
}

// d(relu a) = [a > 0] da
Var relu(const Var& a) {
  return unary("relu", a, [](const auto& s) { return s.x.max(0.0); },
               [](const auto& s) { return (s.x > 0.0).select(s.g, 0.0); });
}

// d|a| = sign(a) da (0 at a = 0, as PyTorch)
Var abs(const Var& a) {
  return unary("abs", a, [](const auto& s) { return s.x.abs(); },
               [](const auto& s) { return s.g * s.x.sign(); });
}

}  // namespace autodiff
