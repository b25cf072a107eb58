// SPDX-License-Identifier: MIT
// A chain of scalar operations (v <- tanh(v * a + b), then exp of a scaled copy
// now and then), recorded on the tape and swept backward, against the same
// chain with a hand-written adjoint loop. Reports nanoseconds per operation.
#include "autodiff/autodiff.hpp"
#include "bench/ratio_reporter.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

using namespace autodiff;

namespace {

// A step is *, +, tanh, then + (even steps: 4 ops) or * and exp (odd steps: 5 ops),
// so 22,222 steps make 99,999 ops.
constexpr int kSteps = 22'222;
constexpr double kOps = kSteps / 2 * 4.0 + kSteps / 2 * 5.0;

void count_ops(benchmark::State& state) {
  state.counters["time_per_op"] = benchmark::Counter(
      kOps, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void tape_chain(benchmark::State& state) {
  Parameter a(0.9), b(0.1), x(0.5);
  for (auto _ : state) {
    tape().clear();
    a.zero_grad();
    b.zero_grad();
    x.zero_grad();
    Var va = a, vb = b;
    Var v = x;
    for (int k = 0; k < kSteps; ++k) {
      v = tanh(v * va + vb);
      v = (k % 2 == 0) ? v + vb : exp(v * 0.1);
    }
    backward(v);
    benchmark::DoNotOptimize(x.grad()(0));
  }
  count_ops(state);
}

// The same chain, forward storing each intermediate, then a reverse loop of
// the adjoints written by hand.
void hand_chain(benchmark::State& state) {
  std::vector<double> pre(kSteps), t(kSteps), out(kSteps);
  for (auto _ : state) {
    const double a = 0.9, b = 0.1;
    double v = 0.5;
    for (int k = 0; k < kSteps; ++k) {
      pre[k] = v;
      t[k] = std::tanh(v * a + b);
      out[k] = (k % 2 == 0) ? t[k] + b : std::exp(t[k] * 0.1);
      v = out[k];
    }
    double dv = 1.0, da = 0.0, db = 0.0;
    for (int k = kSteps - 1; k >= 0; --k) {
      double dt = (k % 2 == 0) ? dv : dv * out[k] * 0.1;
      if (k % 2 == 0) db += dv;
      const double dz = dt * (1.0 - t[k] * t[k]);
      da += dz * pre[k];
      db += dz;
      dv = dz * a;
    }
    benchmark::DoNotOptimize(dv);
    benchmark::DoNotOptimize(da);
    benchmark::DoNotOptimize(db);
  }
  count_ops(state);
}

}  // namespace

BENCHMARK(tape_chain);
BENCHMARK(hand_chain);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  bench::RatioReporter reporter("tape_chain", "hand_chain");
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}
