// SPDX-License-Identifier: MIT
// The floor for an MLP training step: the same step as model_step_bench's
// (784-256-10 and 64-128-128-10 with ReLU, batch 128, softmax cross-entropy,
// Adam) written by hand in Eigen, in double and in float, beside descent's own
// step in each precision in the same run (tape_f32_*: models::f32::Mlp with
// optim::f32::Adam). Each tape step over the hand-written one of its precision is
// descent's overhead there.
#include "autodiff/autodiff.hpp"
#include "bench/ratio_reporter.hpp"
#include "models/mlp.hpp"
#include "optim/adam.hpp"

#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <cmath>
#include <vector>

namespace {

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using RowVector = Eigen::Matrix<T, 1, Eigen::Dynamic>;

// One layer's weight (in x out, so that a batch is X W) and bias, with Adam's moments.
template <class T>
struct Layer {
  Matrix<T> w, dw, mw, vw;
  RowVector<T> b, db, mb, vb;
  Layer(Eigen::Index in, Eigen::Index out)
      : w(Matrix<T>::Random(in, out) * T(std::sqrt(2.0 / double(in)))), dw(in, out),
        mw(Matrix<T>::Zero(in, out)), vw(Matrix<T>::Zero(in, out)), b(RowVector<T>::Zero(out)),
        db(out), mb(RowVector<T>::Zero(out)), vb(RowVector<T>::Zero(out)) {}
};

// Adam (PyTorch's formula) on one array and its moments.
template <class P, class G, class M>
void adam(P& p, const G& g, M& m, M& v, double lr, int t) {
  using T = typename P::Scalar;
  const T b1 = T(0.9), b2 = T(0.999);
  m.array() = b1 * m.array() + (T(1) - b1) * g.array();
  v.array() = b2 * v.array() + (T(1) - b2) * g.array().square();
  const T step = T(lr / (1.0 - std::pow(0.9, t)));
  const T correction = T(std::sqrt(1.0 - std::pow(0.999, t)));
  p.array() -= step * m.array() / (v.array().sqrt() / correction + T(1e-8));
}

// Forward with ReLU between layers, softmax cross-entropy (mean over the batch),
// backward by the chain rule, then one Adam step on every layer.
template <class T>
struct HandMlp {
  std::vector<Layer<T>> layers;
  std::vector<Matrix<T>> acts;  // acts[k] is the input of layer k; the last holds the logits
  int t = 0;

  explicit HandMlp(const std::vector<Eigen::Index>& widths) {
    for (std::size_t k = 0; k + 1 < widths.size(); ++k) layers.emplace_back(widths[k], widths[k + 1]);
    acts.resize(widths.size());
  }

  T step(const Matrix<T>& x, const std::vector<int>& labels) {
    const auto n = x.rows();
    acts[0] = x;
    for (std::size_t k = 0; k < layers.size(); ++k) {
      acts[k + 1].noalias() = acts[k] * layers[k].w;
      acts[k + 1].rowwise() += layers[k].b;
      if (k + 1 < layers.size()) acts[k + 1] = acts[k + 1].cwiseMax(T(0));
    }
    Matrix<T>& z = acts.back();
    const auto max = z.rowwise().maxCoeff().eval();
    Matrix<T> p = (z.colwise() - max).array().exp().matrix();
    const auto total = p.rowwise().sum().eval();
    T loss = 0;
    for (Eigen::Index i = 0; i < n; ++i) loss -= std::log(p(i, labels[std::size_t(i)]) / total(i));
    p.array().colwise() /= total.array();
    for (Eigen::Index i = 0; i < n; ++i) p(i, labels[std::size_t(i)]) -= T(1);
    Matrix<T> grad = p / T(n);  // d loss / d logits
    for (std::size_t k = layers.size(); k-- > 0;) {
      layers[k].dw.noalias() = acts[k].transpose() * grad;
      layers[k].db = grad.colwise().sum();
      if (k > 0) {
        Matrix<T> below = grad * layers[k].w.transpose();
        // Branch-free, as the tape's relu rule: Eigen's select() branches on each sign.
        grad = below.binaryExpr(acts[k], [](T g, T a) { return a > T(0) ? g : T(0); });
      }
    }
    ++t;
    for (Layer<T>& l : layers) {
      adam(l.w, l.dw, l.mw, l.vw, 1e-3, t);
      adam(l.b, l.db, l.mb, l.vb, 1e-3, t);
    }
    return loss / T(n);
  }
};

std::vector<int> labels(Eigen::Index n, int classes) {
  std::vector<int> l(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) l[std::size_t(i)] = int(i % classes);
  return l;
}

template <class T>
void hand_step(benchmark::State& state, std::vector<Eigen::Index> widths) {
  HandMlp<T> mlp(widths);
  const Matrix<T> x = Matrix<T>::Random(128, widths.front());
  const auto y = labels(128, int(widths.back()));
  for (auto _ : state) benchmark::DoNotOptimize(mlp.step(x, y));
}

// descent's step over parameters of type T: models::Mlp and optim::Adam, or their
// float twins models::f32::Mlp and optim::f32::Adam on the float tape.
template <class T>
void tape_step(benchmark::State& state, std::vector<Eigen::Index> widths) {
  using namespace autodiff;
  models::BasicMlp<T> mlp(widths, {models::Activation::relu}, 1);
  optim::AdamRule<false, T> adam(mlp.parameters(), {.lr = 1e-3});
  const BasicConstant<T> x(BasicArray<T>::Random(128, widths.front()));
  std::vector<std::int64_t> y(128);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::int64_t(i) % widths.back();
  for (auto _ : state) {
    BasicTape<T>::current().clear();
    adam.zero_grad();
    backward(mlp.loss(x, y));
    adam.step();
  }
}

void tape_f64_784_256_10(benchmark::State& s) { tape_step<double>(s, {784, 256, 10}); }
void hand_f64_784_256_10(benchmark::State& s) { hand_step<double>(s, {784, 256, 10}); }
void tape_f32_784_256_10(benchmark::State& s) { tape_step<float>(s, {784, 256, 10}); }
void hand_f32_784_256_10(benchmark::State& s) { hand_step<float>(s, {784, 256, 10}); }
void tape_f64_64_128_128_10(benchmark::State& s) { tape_step<double>(s, {64, 128, 128, 10}); }
void hand_f64_64_128_128_10(benchmark::State& s) { hand_step<double>(s, {64, 128, 128, 10}); }
void tape_f32_64_128_128_10(benchmark::State& s) { tape_step<float>(s, {64, 128, 128, 10}); }
void hand_f32_64_128_128_10(benchmark::State& s) { hand_step<float>(s, {64, 128, 128, 10}); }

}  // namespace

BENCHMARK(tape_f64_784_256_10)->Unit(benchmark::kMicrosecond);
BENCHMARK(hand_f64_784_256_10)->Unit(benchmark::kMicrosecond);
BENCHMARK(tape_f32_784_256_10)->Unit(benchmark::kMicrosecond);
BENCHMARK(hand_f32_784_256_10)->Unit(benchmark::kMicrosecond);
BENCHMARK(tape_f64_64_128_128_10)->Unit(benchmark::kMicrosecond);
BENCHMARK(hand_f64_64_128_128_10)->Unit(benchmark::kMicrosecond);
BENCHMARK(tape_f32_64_128_128_10)->Unit(benchmark::kMicrosecond);
BENCHMARK(hand_f32_64_128_128_10)->Unit(benchmark::kMicrosecond);

// A floor that does not learn would time the wrong work: fifty steps on one batch
// must take the loss from about log(10) most of the way to 0, in both precisions.
template <class T>
bool hand_step_learns() {
  HandMlp<T> mlp({64, 128, 128, 10});
  const Matrix<T> x = Matrix<T>::Random(128, 64);
  const auto y = labels(128, 10);
  const T first = mlp.step(x, y);
  T last = first;
  for (int k = 0; k < 50; ++k) last = mlp.step(x, y);
  if (std::abs(double(first) - std::log(10.0)) < 0.5 && last < first / 4) return true;
  fmt::print(stderr, "mlp_floor_bench: the hand-written step does not learn: loss {} then {}\n", first, last);
  return false;
}

int main(int argc, char** argv) {
  if (!hand_step_learns<double>() || !hand_step_learns<float>()) return 1;
  benchmark::Initialize(&argc, argv);
  bench::RatioReporter reporter("tape_", "hand_");
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}
