// SPDX-License-Identifier: MIT
// Stan Math's side of the scalar-chain comparison: each gradient records the
// chain on Stan's arena, sweeps it (grad) and frees the arena (recover_memory),
// the same work as a descent step with tape().clear().
#include "bench/peers/stan_chain.hpp"

#include <stan/math/rev/core.hpp>
#include <stan/math/rev/scal/fun/exp.hpp>
#include <stan/math/rev/scal/fun/tanh.hpp>

namespace peers {

namespace {
template <class Step>
StanGradient record_and_sweep(int steps, double a0, double b0, double x0, Step step) {
  using stan::math::var;
  StanGradient g;
  {
    var a = a0, b = b0, x = x0;
    var v = x;
    for (int k = 0; k < steps; ++k) v = step(k, v, a, b);
    v.grad();
    g = {a.adj(), b.adj(), x.adj()};
  }
  stan::math::recover_memory();
  return g;
}
}  // namespace

StanGradient stan_chain_gradient(int steps, double a, double b, double x) {
  return record_and_sweep(steps, a, b, x, [](int k, const auto& v, const auto& va, const auto& vb) {
    using stan::math::exp;
    using stan::math::tanh;
    auto t = tanh(v * va + vb);
    return (k % 2 == 0) ? stan::math::var(t + vb) : stan::math::var(exp(t * 0.1));
  });
}

StanGradient stan_linear_gradient(int steps, double a, double b, double x) {
  return record_and_sweep(steps, a, b, x,
                          [](int, const auto& v, const auto& va, const auto& vb) { return v * va + vb; });
}

}  // namespace peers
