// SPDX-License-Identifier: MIT
// The scalar chains of scalar_chain_bench recorded with Stan Math's reverse mode,
// for a comparison in the same process (-Dbench_peers=true). Stan's headers need
// C++17 and their own flags, so its side is a separate translation unit; this
// header keeps Stan out of the benchmark's.
#pragma once

namespace peers {

struct StanGradient {
  double da = 0.0, db = 0.0, dx = 0.0;
};

// The libm chain: v <- tanh(v * a + b), then + b (even steps) or exp(v * 0.1) (odd steps).
StanGradient stan_chain_gradient(int steps, double a, double b, double x);
// The libm-free chain: v <- v * a + b.
StanGradient stan_linear_gradient(int steps, double a, double b, double x);

}  // namespace peers
