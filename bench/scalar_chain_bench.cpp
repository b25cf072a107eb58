// SPDX-License-Identifier: MIT
// A chain of scalar operations (v <- tanh(v * a + b), then exp of a scaled copy
// now and then), recorded on the tape and swept backward, against the same
// chain with a hand-written adjoint loop, and against the leanest tape we could
// write (floor_chain). Reports nanoseconds per operation. Before timing, the
// three must agree on the gradient. The `_lean` pair runs a chain with no libm
// call (v <- v * a + b), where the tape's own work is all there is to measure;
// `--callgrind STEPS` runs it alone, for instruction counts (see main).
#include "autodiff/autodiff.hpp"
#include "bench/ratio_reporter.hpp"

#ifdef DESCENT_BENCH_PEERS
#include "bench/peers/stan_chain.hpp"
#endif

#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

using namespace autodiff;

namespace {

// A step is *, +, tanh, then + (even steps: 4 ops) or * and exp (odd steps: 5 ops),
// so 22,222 steps make 99,999 ops.
constexpr int kSteps = 22'222;
constexpr double kOps = kSteps / 2 * 4.0 + kSteps / 2 * 5.0;
// The chain's inputs, the same in all three versions.
constexpr double kA = 0.9, kB = 0.1, kX = 0.5;

void count_ops(benchmark::State& state) {
  state.counters["time_per_op"] = benchmark::Counter(
      kOps, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// d v_final / d (a, b, x) for the chain of `steps` steps starting from x.
struct Gradient {
  double da = 0.0, db = 0.0, dx = 0.0;
};

Gradient tape_gradient(int steps, Parameter& a, Parameter& b, Parameter& x) {
  tape().clear();
  a.zero_grad();
  b.zero_grad();
  x.zero_grad();
  Var va = a, vb = b;
  Var v = x;
  for (int k = 0; k < steps; ++k) {
    v = tanh(v * va + vb);
    v = (k % 2 == 0) ? v + vb : exp(v * 0.1);
  }
  backward(v);
  return {a.grad()(0), b.grad()(0), x.grad()(0)};
}

// The libm-free chain: v <- v * a + b, two ops a step.
constexpr int kLeanSteps = 50'000;
constexpr double kLeanOps = 2.0 * kLeanSteps;

Gradient lean_tape_gradient(int steps, Parameter& a, Parameter& b, Parameter& x) {
  tape().clear();
  a.zero_grad();
  b.zero_grad();
  x.zero_grad();
  Var va = a, vb = b;
  Var v = x;
  for (int k = 0; k < steps; ++k) v = v * va + vb;
  backward(v);
  return {a.grad()(0), b.grad()(0), x.grad()(0)};
}

Gradient lean_hand_gradient(int steps, std::vector<double>& pre) {
  const double a = kA, b = kB;
  double v = kX;
  for (int k = 0; k < steps; ++k) {
    pre[std::size_t(k)] = v;
    v = v * a + b;
  }
  double dv = 1.0, da = 0.0, db = 0.0;
  for (int k = steps - 1; k >= 0; --k) {
    da += dv * pre[std::size_t(k)];
    db += dv;
    dv *= a;
  }
  return {da, db, dv};
}

// The same chain, forward storing each intermediate, then a reverse loop of
// the adjoints written by hand.
struct HandStorage {
  explicit HandStorage(int steps) : pre(std::size_t(steps)), t(pre.size()), out(pre.size()) {}
  std::vector<double> pre, t, out;
};

Gradient hand_gradient(int steps, HandStorage& s) {
  auto& [pre, t, out] = s;
  const double a = kA, b = kB;
  double v = kX;
  for (int k = 0; k < steps; ++k) {
    pre[k] = v;
    t[k] = std::tanh(v * a + b);
    out[k] = (k % 2 == 0) ? t[k] + b : std::exp(t[k] * 0.1);
    v = out[k];
  }
  double dv = 1.0, da = 0.0, db = 0.0;
  for (int k = steps - 1; k >= 0; --k) {
    double dt = (k % 2 == 0) ? dv : dv * out[k] * 0.1;
    if (k % 2 == 0) db += dv;
    const double dz = dt * (1.0 - t[k] * t[k]);
    da += dz * pre[k];
    db += dz;
    dv = dz * a;
  }
  return {da, db, dv};
}

// A floor for any tape on this machine: the same chain recorded on the leanest
// tape we could write, with none of descent's checks (stale Vars, shapes,
// anomaly mode). Values stay in registers; each op appends its operands'
// indices and its partial derivatives, computed in the forward pass (a Jacobian
// tape, as Adept and CoDiPack record); the reverse sweep is one loop with no calls.
struct FloorTape {
  struct Entry {
    std::int32_t a, b;  // operand slots (slot 0 is a sink for an absent operand)
    double da, db;      // d result / d operand
  };
  // At most 5 slots a step, plus the sink, a, b and x.
  explicit FloorTape(int steps) : entries(std::size_t(steps) * 5 + 4), adj(entries.size()) {}
  std::vector<Entry> entries;
  std::vector<double> adj;
};

Gradient floor_gradient(int steps, FloorTape& f) {
  auto& [tape, adj] = f;
  std::int32_t n = 0;
  auto push = [&](std::int32_t a, double da, std::int32_t b = 0, double db = 0.0) {
    tape[std::size_t(n)] = {a, b, da, db};
    adj[std::size_t(n)] = 0.0;
    return n++;
  };
  const double a = kA, b = kB;
  push(0, 0.0);  // the sink
  const std::int32_t ia = push(0, 0.0), ib = push(0, 0.0), ix = push(0, 0.0);
  std::int32_t iv = ix;
  double v = kX;
  for (int k = 0; k < steps; ++k) {
    const std::int32_t im = push(iv, a, ia, v);
    const double z = v * a + b;
    const std::int32_t iz = push(im, 1.0, ib, 1.0);
    v = std::tanh(z);
    iv = push(iz, 1.0 - v * v);
    if (k % 2 == 0) {
      v = v + b;
      iv = push(iv, 1.0, ib, 1.0);
    } else {
      const std::int32_t ic = push(iv, 0.1);
      v = std::exp(v * 0.1);
      iv = push(ic, v);
    }
  }
  adj[std::size_t(iv)] = 1.0;
  for (std::int32_t k = iv; k > ix; --k) {
    const FloorTape::Entry& e = tape[std::size_t(k)];
    const double g = adj[std::size_t(k)];
    adj[std::size_t(e.a)] += g * e.da;
    adj[std::size_t(e.b)] += g * e.db;
  }
  return {adj[std::size_t(ia)], adj[std::size_t(ib)], adj[std::size_t(ix)]};
}

void tape_chain(benchmark::State& state) {
  Parameter a(kA), b(kB), x(kX);
  for (auto _ : state) benchmark::DoNotOptimize(tape_gradient(kSteps, a, b, x));
  count_ops(state);
}

void hand_chain(benchmark::State& state) {
  HandStorage storage(kSteps);
  for (auto _ : state) benchmark::DoNotOptimize(hand_gradient(kSteps, storage));
  count_ops(state);
}

void floor_chain(benchmark::State& state) {
  FloorTape tape(kSteps);
  for (auto _ : state) benchmark::DoNotOptimize(floor_gradient(kSteps, tape));
  count_ops(state);
}

void tape_chain_lean(benchmark::State& state) {
  Parameter a(kA), b(kB), x(kX);
  for (auto _ : state) benchmark::DoNotOptimize(lean_tape_gradient(kLeanSteps, a, b, x));
  state.counters["time_per_op"] = benchmark::Counter(
      kLeanOps, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void hand_chain_lean(benchmark::State& state) {
  std::vector<double> pre(kLeanSteps);
  for (auto _ : state) benchmark::DoNotOptimize(lean_hand_gradient(kLeanSteps, pre));
  state.counters["time_per_op"] = benchmark::Counter(
      kLeanOps, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// Whether the three chains give one gradient over `steps` steps (within rounding).
bool gradients_agree(int steps) {
  Parameter a(kA), b(kB), x(kX);
  HandStorage storage(steps);
  FloorTape tape(steps);
  const Gradient want = hand_gradient(steps, storage);
  const Gradient got[] = {tape_gradient(steps, a, b, x), floor_gradient(steps, tape)};
  auto close = [](double p, double q) { return std::abs(p - q) <= 1e-12 * (1.0 + std::abs(q)); };
  for (const Gradient& g : got) {
    if (!close(g.da, want.da) || !close(g.db, want.db) || !close(g.dx, want.dx)) {
      fmt::print(stderr, "scalar_chain_bench: gradients disagree over {} steps: ({}, {}, {}) "
                 "against the hand-written ({}, {}, {})\n",
                 steps, g.da, g.db, g.dx, want.da, want.db, want.dx);
      return false;
    }
  }
  std::vector<double> pre(std::size_t(steps) * 2);
  const Gradient lean_want = lean_hand_gradient(2 * steps, pre);
  const Gradient lean = lean_tape_gradient(2 * steps, a, b, x);
  if (!close(lean.da, lean_want.da) || !close(lean.db, lean_want.db) || !close(lean.dx, lean_want.dx)) {
    fmt::print(stderr, "scalar_chain_bench: the libm-free chains disagree over {} steps\n", 2 * steps);
    return false;
  }
  return true;
}

#ifdef DESCENT_BENCH_PEERS
// Stan Math records the same chain on its own arena (bench/peers/stan_chain.cpp).
void stan_chain(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(peers::stan_chain_gradient(kSteps, kA, kB, kX));
  count_ops(state);
}

// The libm-free chain on Stan's tape.
void stan_chain_lean(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(peers::stan_linear_gradient(kLeanSteps, kA, kB, kX));
  state.counters["time_per_op"] = benchmark::Counter(
      kLeanOps, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// Stan's gradients of both chains against the hand-written ones.
bool stan_agrees(int steps) {
  HandStorage storage(steps);
  std::vector<double> pre(static_cast<std::size_t>(steps));
  const Gradient want[] = {hand_gradient(steps, storage), lean_hand_gradient(steps, pre)};
  const peers::StanGradient got[] = {peers::stan_chain_gradient(steps, kA, kB, kX),
                                     peers::stan_linear_gradient(steps, kA, kB, kX)};
  auto close = [](double p, double q) { return std::abs(p - q) <= 1e-12 * (1.0 + std::abs(q)); };
  for (int k = 0; k < 2; ++k) {
    if (!close(got[k].da, want[k].da) || !close(got[k].db, want[k].db) || !close(got[k].dx, want[k].dx)) {
      fmt::print(stderr, "scalar_chain_bench: Stan's gradient of chain {} disagrees over {} steps\n", k, steps);
      return false;
    }
  }
  return true;
}
#endif

}  // namespace

BENCHMARK(tape_chain);
BENCHMARK(hand_chain);
BENCHMARK(floor_chain);
#ifdef DESCENT_BENCH_PEERS
BENCHMARK(stan_chain);
#endif
BENCHMARK(tape_chain_lean);
BENCHMARK(hand_chain_lean);
#ifdef DESCENT_BENCH_PEERS
BENCHMARK(stan_chain_lean);
#endif

int main(int argc, char** argv) {
  // Instructions per op: run the libm-free chain 10 times on a warm tape under
  // valgrind --tool=callgrind at two lengths (after one warm-up run, which counts
  // too): instructions per op = (I(long) - I(short)) / (11 * 2 * step difference).
  if (argc == 3 && std::string_view(argv[1]) == "--callgrind") {
    const int steps = std::atoi(argv[2]);
    Parameter a(kA), b(kB), x(kX);
    lean_tape_gradient(steps, a, b, x);  // the tape's memory, allocated once
    double sink = 0.0;
    for (int r = 0; r < 10; ++r) sink += lean_tape_gradient(steps, a, b, x).da;
    fmt::print("{} steps, 10 runs: da sum {}, tape {} bytes\n", steps, sink, tape().capacity().bytes());
    return 0;
  }
  // Short chains keep d/dx above underflow; the full one checks a and b.
  if (!gradients_agree(10) || !gradients_agree(kSteps)) return 1;
#ifdef DESCENT_BENCH_PEERS
  if (!stan_agrees(10) || !stan_agrees(kSteps)) return 1;
#endif
  benchmark::Initialize(&argc, argv);
#ifdef DESCENT_BENCH_PEERS
  bench::RatioReporter reporter("tape_", "hand_", "stan_");
#else
  bench::RatioReporter reporter("tape_", "hand_");
#endif
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}
