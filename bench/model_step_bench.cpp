// SPDX-License-Identifier: MIT
// One training step of each shipped model (record the loss, backward, an Adam
// step), and the job-duration loss written with Var operands, where every op
// is a Var op and only expressions keep the chain in one pass. Read the CPU column.
#include "autodiff/autodiff.hpp"
#include "models/mlp.hpp"
#include "models/mlp_language_model.hpp"
#include "optim/adam.hpp"

#include <benchmark/benchmark.h>

#include <random>

using namespace autodiff;

namespace {

std::vector<std::int64_t> labels(Index n, Index classes) {
  std::vector<std::int64_t> l(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) l[std::size_t(i)] = i % classes;
  return l;
}

void mlp_step(benchmark::State& state, std::vector<Index> widths, models::Activation act, Index batch) {
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

// The job-duration loss with Var operands (no Constant).
void job_duration_vars(benchmark::State& state) {
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

BENCHMARK(fashion_mnist_mlp)->Unit(benchmark::kMicrosecond);
BENCHMARK(two_moons_mlp)->Unit(benchmark::kMicrosecond);
BENCHMARK(char_lm_mlp)->Unit(benchmark::kMicrosecond);
BENCHMARK(job_duration_vars)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
