// SPDX-License-Identifier: MIT
// + - * / between Vars (broadcasting), with doubles on either side, and unary minus.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

namespace autodiff {

using detail::binary;
using detail::unary;

// d(a+b) = da + db
Var operator+(const Var& a, const Var& b) {
  return binary("operator+", a, b, [](const auto& s) { return s.a + s.b; },
                [](const auto& s) { return s.g; }, [](const auto& s) { return s.g; });
}

// d(a-b) = da - db
Var operator-(const Var& a, const Var& b) {
  return binary("operator-", a, b, [](const auto& s) { return s.a - s.b; },
                [](const auto& s) { return s.g; }, [](const auto& s) { return -s.g; });
}

// d(a*b) = b da + a db
Var operator*(const Var& a, const Var& b) {
  return binary("operator*", a, b, [](const auto& s) { return s.a * s.b; },
                [](const auto& s) { return s.g * s.b; }, [](const auto& s) { return s.g * s.a; });
}

// d(a/b) = da / b - (a/b) db / b
Var operator/(const Var& a, const Var& b) {
  return binary("operator/", a, b, [](const auto& s) { return s.a / s.b; },
                [](const auto& s) { return s.g / s.b; },
                [](const auto& s) { return -s.g * s.y / s.b; });
}

// With a double c on one side the op records one node; c sits in the node.
// d(a+c) = da
Var operator+(const Var& a, double c) {
  return unary("operator+", a, [](const auto& s) { return s.x + s.c; },
               [](const auto& s) { return s.g; }, c);
}
Var operator+(double c, const Var& a) { return a + c; }

// d(a-c) = da
Var operator-(const Var& a, double c) { return a + (-c); }

// d(c-a) = -da
Var operator-(double c, const Var& a) {
  return unary("operator-", a, [](const auto& s) { return s.c - s.x; },
               [](const auto& s) { return -s.g; }, c);
}

// d(c*a) = c da
Var operator*(const Var& a, double c) {
  return unary("operator*", a, [](const auto& s) { return s.x * s.c; },
               [](const auto& s) { return s.g * s.c; }, c);
}
Var operator*(double c, const Var& a) { return a * c; }

// d(a/c) = da / c
Var operator/(const Var& a, double c) { return a * (1.0 / c); }

// d(c/a) = -c da / a^2 = -y da / a
Var operator/(double c, const Var& a) {
  return unary("operator/", a, [](const auto& s) { return s.c / s.x; },
               [](const auto& s) { return -s.g * s.y / s.x; }, c);
}

// d(-a) = -da
Var operator-(const Var& a) {
  return unary("operator-", a, [](const auto& s) { return -s.x; },
               [](const auto& s) { return -s.g; });
}

}  // namespace autodiff
