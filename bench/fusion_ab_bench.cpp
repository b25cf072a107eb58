// SPDX-License-Identifier: MIT
// Runtime fusion on and off (FusionThreshold), one training step of each shipped
// workload, in one run with random interleaving: the measurement behind issue 12's
// choice to keep one lazy mechanism. Read the CPU column.
#include "autodiff/autodiff.hpp"
#include "models/mlp.hpp"
#include "models/mlp_language_model.hpp"
#include "optim/adam.hpp"

#include <benchmark/benchmark.h>

#include <limits>
#include <optional>
#include <random>

using namespace autodiff;

namespace {

std::optional<FusionThreshold> fusion(benchmark::State& state) {
  if (state.range(0)) return std::nullopt;
  return std::optional<FusionThreshold>(std::in_place, std::numeric_limits<Index>::max());
}

std::vector<std::int64_t> labels(Index n, Index classes) {
  std::vector<std::int64_t> l(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) l[std::size_t(i)] = i % classes;
  return l;
}

void mlp_step(benchmark::State& state, std::vector<Index> widths, models::Activation act, Index batch) {
  auto scope = fusion(state);
  models::Mlp mlp(widths, {act}, 1);
  optim::Adam adam(mlp.parameters(), {.lr = 1e-3});
  const Constant x(Array::Random(batch, widths.front()));
  const auto y = labels(batch, widths.back());
  for (auto _ : state) {
    tape().clear();
    adam.zero_grad();
    backward(mlp.loss(x, y));
    adam.step();
  }
}

void fashion_mnist_mlp(benchmark::State& state) { mlp_step(state, {784, 256, 10}, models::Activation::relu, 128); }
void two_moons_mlp(benchmark::State& state) { mlp_step(state, {2, 16, 16, 2}, models::Activation::tanh, 20); }

void char_lm_mlp(benchmark::State& state) {
  auto scope = fusion(state);
  models::MlpLanguageModel lm({.context = 3, .embedding = 10, .hidden = 200, .seed = 1});
  optim::Adam adam(lm.parameters(), {.lr = 1e-3});
  models::IndexArray context(128, 3);
  std::mt19937_64 rng(1);
  for (Index i = 0; i < context.size(); ++i) context(i) = std::int64_t(rng() % 27);
  const auto next = labels(128, 27);
  for (auto _ : state) {
    tape().clear();
    adam.zero_grad();
    backward(lm.loss(context, next));
    adam.step();
  }
}

// The job-duration loss with Var operands (no Constant), where fusion applies.
void job_duration_vars(benchmark::State& state) {
  auto scope = fusion(state);
  const Index n = 1'000'000;
  const Constant cx(Eigen::ArrayXd::LinSpaced(n, 0.0, 1.0));
  const Constant cy(0.3 + 0.7 * cx.value());
  Parameter t0(-1.0), t1(1.0);
  for (auto _ : state) {
    tape().clear();
    t0.zero_grad();
    t1.zero_grad();
    const Var x = cx, y = cy;
    backward(sum(square(y - (t0 + t1 * x))));
    benchmark::DoNotOptimize(t1.grad()(0));
  }
}

}  // namespace

BENCHMARK(fashion_mnist_mlp)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK(two_moons_mlp)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK(char_lm_mlp)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK(job_duration_vars)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
