// SPDX-License-Identifier: MIT
// conv2d forward and backward on a Fashion-MNIST batch (128 x 1 x 28 x 28, 16
// filters 5x5, padding 2) through the tape, against the same im2col + GEMM
// written by hand in Eigen, in the same run. The ratio of CPU times is what the
// README reports: how much the tape adds around Eigen's matrix products.
#include "autodiff/autodiff.hpp"
#include "ratio_reporter.hpp"

#include <Eigen/Core>
#include <benchmark/benchmark.h>
#include <fmt/core.h>

using namespace autodiff;

namespace {

constexpr Index kBatch = 128, kSide = 28, kFilters = 16, kKernel = 5, kPad = 2;
const Conv2dGeometry kGeometry{.channels = 1, .height = kSide, .width = kSide, .kernel_height = kKernel,
                               .kernel_width = kKernel, .stride = 1, .padding = kPad};

// Data and parameters shared by both versions; the upstream adjoint is a fixed array.
struct Problem {
  Array x = Array::Random(kBatch, kSide * kSide);
  Array w = Array::Random(kFilters, kKernel * kKernel);
  Array b = Array::Random(1, kFilters);
  Array g = Array::Random(kBatch, kFilters * kSide * kSide);
};
const Problem& problem() {
  static const Problem p;
  return p;
}

// The hand-written version: im2col, Y = cols W^T + b, dW = G^T cols, db = column sums
// of G by channel, dcols = G W and col2im into dx. Rows of cols are n + N*p.
struct Hand {
  Eigen::MatrixXd cols{kBatch * kSide * kSide, kKernel * kKernel};
  Eigen::MatrixXd y{kBatch * kSide * kSide, kFilters}, dcols{kBatch * kSide * kSide, kKernel * kKernel};
  Eigen::MatrixXd dw{kFilters, kKernel * kKernel};
  Eigen::VectorXd db{kFilters};
  Eigen::MatrixXd dx{kBatch, kSide * kSide};

  template <class F>
  static void taps(F f) {
    for (Index i = 0; i < kKernel; ++i) {
      for (Index j = 0; j < kKernel; ++j) {
        for (Index p = 0; p < kSide * kSide; ++p) {
          const Index h = p / kSide - kPad + i, w = p % kSide - kPad + j;
          f(i * kKernel + j, p, h >= 0 && h < kSide && w >= 0 && w < kSide ? h * kSide + w : -1);
        }
      }
    }
  }

  void run(const Problem& pr) {
    const auto x = pr.x.matrix();
    taps([&](Index q, Index p, Index pixel) {
      auto run = cols.col(q).segment(kBatch * p, kBatch);
      if (pixel < 0) run.setZero(); else run = x.col(pixel);
    });
    y.noalias() = cols * pr.w.matrix().transpose();
    y.rowwise() += pr.b.matrix().row(0);
    const Eigen::Map<const Eigen::MatrixXd> g(pr.g.data(), kBatch * kSide * kSide, kFilters);
    dw.noalias() = g.transpose() * cols;
    db = g.colwise().sum().transpose();
    dcols.noalias() = g * pr.w.matrix();
    dx.setZero();
    taps([&](Index q, Index p, Index pixel) {
      if (pixel >= 0) dx.col(pixel) += dcols.col(q).segment(kBatch * p, kBatch);
    });
  }
};

void hand_conv2d(benchmark::State& state) {
  Hand hand;
  for (auto _ : state) {
    hand.run(problem());
    benchmark::DoNotOptimize(hand.dx.data());
  }
}

void tape_conv2d(benchmark::State& state) {
  const Problem& pr = problem();
  Parameter x(pr.x), w(pr.w), b(pr.b);
  const Constant g(pr.g);
  for (auto _ : state) {
    tape().clear();
    x.zero_grad();
    w.zero_grad();
    b.zero_grad();
    backward(dot(conv2d(x, w, b, kGeometry), g));
    benchmark::DoNotOptimize(x.grad().data());
  }
}

// Both versions give the same gradients, or the timing compares different work.
bool gradients_agree() {
  Hand hand;
  hand.run(problem());
  const Problem& pr = problem();
  Parameter x(pr.x), w(pr.w), b(pr.b);
  backward(dot(conv2d(x, w, b, kGeometry), Constant(pr.g)));
  const double err = std::max({(x.grad().matrix() - hand.dx).cwiseAbs().maxCoeff(),
                               (w.grad().matrix() - hand.dw).cwiseAbs().maxCoeff(),
                               (b.grad().matrix().transpose() - hand.db).cwiseAbs().maxCoeff()});
  tape().clear();
  if (err > 1e-9) fmt::print("conv_bench: tape and hand-written gradients differ by {}\n", err);
  return err <= 1e-9;
}

}  // namespace

BENCHMARK(hand_conv2d)->Unit(benchmark::kMillisecond);
BENCHMARK(tape_conv2d)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  if (!gradients_agree()) return 1;
  benchmark::Initialize(&argc, argv);
  bench::RatioReporter reporter("tape_", "hand_");
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}
