// SPDX-License-Identifier: MIT
// Helpers for the tests of models/: a plain full-batch gradient-descent loop
// (so that these tests depend on no optimizer), the two-moons data set,
// temporary file names and the float-against-double check of a model.
#pragma once

#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"
#include "models/init.hpp"
#include "temp_files.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <numbers>
#include <random>
#include <string>
#include <vector>

namespace test_models {

// steps of theta <- theta - lr * grad loss(theta); returns the last loss.
inline double gradient_descent(const autodiff::ParameterList& params,
                               const std::function<autodiff::Var()>& loss, int steps, double lr) {
  double last = 0.0;
  for (int s = 0; s < steps; ++s) {
    autodiff::tape().clear();
    for (autodiff::Parameter* p : params) p->zero_grad();
    const autodiff::Var l = loss();
    last = l.item();
    l.backward();
    for (autodiff::Parameter* p : params) p->value() -= lr * p->grad();
  }
  autodiff::tape().clear();
  return last;
}

// A standard normal draw by Box-Muller from two uniforms.
inline double normal(std::mt19937_64& rng) {
  const double u1 = 1.0 - models::uniform01(rng);  // in (0, 1]: log stays finite
  const double u2 = models::uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

struct Points {
  autodiff::Array x;                  // n x 2
  std::vector<std::int64_t> labels;  // n
};

// Two interleaved half circles, class 0 on top and class 1 below, each point
// moved by N(0, noise^2) noise in both coordinates.
inline Points two_moons(int n, double noise, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Points p{autodiff::Array(n, 2), std::vector<std::int64_t>(std::size_t(n))};
  for (int i = 0; i < n; ++i) {
    const int label = i % 2;
    const double t = std::numbers::pi * models::uniform01(rng);
    const double x = label == 0 ? std::cos(t) : 1.0 - std::cos(t);
    const double y = label == 0 ? std::sin(t) : 0.5 - std::sin(t);
    p.x(i, 0) = x + noise * normal(rng);
    p.x(i, 1) = y + noise * normal(rng);
    p.labels[std::size_t(i)] = label;
  }
  return p;
}

// A path in the temporary directory, unique to this process and name.
inline std::filesystem::path temp_path(const std::string& name) { return support::temp_path("models", name); }

using support::RemoveOnExit;

// A float model (models::f32::...) against the same model in double, both after
// backward: each float parameter starts as the double one rounded, and its gradient is
// nonzero and agrees with the double gradient to float's precision.
template <class Wide, class Narrow>
void check_float_model_agrees(const Wide& wide, const Narrow& narrow) {
  BOOST_TEST_REQUIRE(narrow.parameters().size() == wide.parameters().size());
  for (std::size_t q = 0; q < wide.parameters().size(); ++q) {
    const autodiff::Parameter& d = *wide.parameters()[q];
    const autodiff::f32::Parameter& f = *narrow.parameters()[q];
    BOOST_TEST((f.value() == d.value().cast<float>()).all(), "parameter " << q);
    const Eigen::ArrayXXd g = f.grad().cast<double>();
    BOOST_TEST(g.abs().maxCoeff() > 0.0, "parameter " << q);
    BOOST_TEST((g - d.grad()).abs().maxCoeff() <= 1e-4 * std::max(1.0, d.grad().abs().maxCoeff()), "parameter " << q);
  }
}

}  // namespace test_models
