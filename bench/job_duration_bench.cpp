// SPDX-License-Identifier: MIT
// The job-duration loss L = sum (y - (t0 + t1 x))^2 and its gradient, through
// the tape and by a hand-written Eigen gradient, at N = 776 (the real data
// set's size) and N = 1,000,000.
#include "autodiff/autodiff.hpp"
#include "bench/ratio_reporter.hpp"
#include "models/linear.hpp"

#include <benchmark/benchmark.h>

using namespace autodiff;

namespace {

struct Data {
  Eigen::ArrayXd x, y;
  explicit Data(Eigen::Index n) : x(Eigen::ArrayXd::LinSpaced(n, 0.0, 1.0)), y(0.3 + 0.7 * x + 0.01 * Eigen::ArrayXd::Random(n)) {}
};

// The example's own model (models/linear.hpp), as examples/job_duration runs it.
void tape_gradient(benchmark::State& state) {
  Data data(state.range(0));
  const Constant x(data.x), y(data.y);
  models::LinearModel model(-1.0, 1.0);
  for (auto _ : state) {
    tape().clear();
    model.theta0.zero_grad();
    model.theta1.zero_grad();
    backward(model.loss(x, y));
    benchmark::DoNotOptimize(model.theta1.grad()(0));
  }
}

void eigen_gradient(benchmark::State& state) {
  Data data(state.range(0));
  double t0 = -1.0, t1 = 1.0;
  for (auto _ : state) {
    // dL/dt0 = sum 2 (yhat - y), dL/dt1 = sum 2 (yhat - y) x: three lazy Eigen
    // reductions, no temporary array, which is how one would write it by hand.
    const auto r = t0 + t1 * data.x - data.y;
    double loss = r.square().sum();
    double g0 = 2.0 * r.sum();
    double g1 = 2.0 * (r * data.x).sum();
    benchmark::DoNotOptimize(loss);
    benchmark::DoNotOptimize(g0);
    benchmark::DoNotOptimize(g1);
  }
}

}  // namespace

BENCHMARK(tape_gradient)->Arg(776)->Arg(1'000'000);
BENCHMARK(eigen_gradient)->Arg(776)->Arg(1'000'000);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  bench::RatioReporter reporter("tape_gradient", "eigen_gradient");
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}
