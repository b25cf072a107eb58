// SPDX-License-Identifier: MIT
// Two moons: a small MLP learns to separate two interleaved half circles.
// Data, model, loss, optimizer, loop, result, top to bottom; the decision
// boundary is drawn as a PNG when gnuplot is installed.
//
//   two_moons [--epochs 300] [--seed 1] [--points 200] [--lr 0.1] [--batch 20] [--out DIR]
//             [--checkpoint FILE] [--checkpoint-every 500] [--resume]
//             [--data-parallel none|threads|mpi] [--threads N]
#include "autodiff/autodiff.hpp"
#include "examples/support/checkpointing.hpp"
#include "examples/support/cli.hpp"
#include "examples/support/parallel.hpp"
#include "examples/support/plot.hpp"
#include "models/init.hpp"
#include "models/metrics.hpp"
#include "models/mlp.hpp"
#include "optim/batching.hpp"
#include "optim/sgd.hpp"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>
#include <numbers>
#include <string>

namespace {

struct Flags {
  int epochs = 300;
  std::uint64_t seed = 1;
  int points = 200;
  double lr = 0.1;
  int batch = 20;
  std::filesystem::path out = ".";
  examples::CheckpointFlags checkpoint;
  examples::ParallelFlags parallel;
};

// Fills flags from the command line; returns the exit code when the program should stop.
std::optional<int> parse_flags(int argc, char** argv, Flags& f) {
  CLI::App app("An MLP learns to separate two half circles (docs/two_moons.md).", "two_moons");
  examples::add_whole_number(app, "--epochs", f.epochs, 1, 1'000'000, "passes over the training points");
  examples::add_whole_number(app, "--seed", f.seed, 0, examples::kNoLimit,
                             "seed of the points, the weights and the batches");
  examples::add_whole_number(app, "--points", f.points, 2, 10'000'000, "points in each of the training and test sets");
  app.add_option("--lr", f.lr, "learning rate of SGD with momentum 0.9")
      ->check(examples::positive_real())
      ->capture_default_str();
  examples::add_whole_number(app, "--batch", f.batch, 1, 10'000'000, "examples per step");
  app.add_option("--out", f.out, "folder for the model file and the picture")->capture_default_str();
  examples::add_checkpoint_flags(app, f.checkpoint);
  examples::add_parallel_flags(app, f.parallel);
  return examples::parse_command_line(app, argc, argv);
}

// A standard normal draw (Box-Muller), from our uniform so every library agrees.
double normal(std::mt19937_64& rng) {
  const double u1 = 1.0 - models::uniform01(rng);
  const double u2 = models::uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

struct Points {
  Eigen::ArrayXXd x;                 // n x 2
  std::vector<std::int64_t> labels;  // 0: upper moon, 1: lower moon
};

// Two half circles of radius 1, the lower one shifted by (1, -0.5) and
// flipped, with N(0, noise^2) noise on both coordinates.
Points make_moons(int n, double noise, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Points p{Eigen::ArrayXXd(n, 2), std::vector<std::int64_t>(std::size_t(n))};
  for (int i = 0; i < n; ++i) {
    const int label = i % 2;
    const double t = std::numbers::pi * models::uniform01(rng);
    p.x(i, 0) = (label == 0 ? std::cos(t) : 1.0 - std::cos(t)) + noise * normal(rng);
    p.x(i, 1) = (label == 0 ? std::sin(t) : 0.5 - std::sin(t)) + noise * normal(rng);
    p.labels[std::size_t(i)] = label;
  }
  return p;
}

int run(const Flags& flags, examples::Parallel& parallel) {
  parallel.refuse_with_mpi("--checkpoint", !flags.checkpoint.file.empty());
  // 0. Where the results go, checked before any training.
  const auto model_file = flags.out / "two_moons_mlp.bin";
  examples::check_output_file("--out", model_file);
  if (!flags.checkpoint.file.empty()) examples::check_output_file("--checkpoint", flags.checkpoint.file);

  // 1. Data: a training set and, from another seed, a test set of the same size.
  const Points train = make_moons(flags.points, 0.1, flags.seed);
  const Points test = make_moons(flags.points, 0.1, flags.seed + 1000);
  fmt::print("two moons: {} training and {} test points, noise 0.1\n", flags.points, flags.points);

  // 2. Model: 2 inputs -> 16 tanh -> 16 tanh -> 2 logits, Glorot-uniform weights.
  models::Mlp model({2, 16, 16, 2}, models::Activation::tanh, flags.seed);

  // 3. Optimizer: SGD with momentum, on shuffled mini-batches.
  optim::SGD optimizer(model.parameters(), {.lr = flags.lr, .momentum = 0.9});
  const auto batch_size = std::min<Eigen::Index>(flags.batch, flags.points);
  optim::Batching batching = optim::Batching::mini_batches(flags.points, batch_size, flags.seed);
  const auto steps_per_epoch = std::uint64_t((flags.points + batch_size - 1) / batch_size);
  const std::uint64_t last = std::uint64_t(flags.epochs) * steps_per_epoch;

  // 4. Loop: record the loss of a batch, backward, step (from a checkpoint with --resume).
  examples::Checkpointer checkpointer(flags.checkpoint.file, flags.checkpoint.every, flags.checkpoint.resume,
                                      model.parameters(), optimizer, batching);
  optim::LoopState loop = checkpointer.start({0.0});  // the epoch's summed loss so far
  // Each batch is split over the workers of --data-parallel (one by default).
  const auto workers = parallel.workers(model.parameters());
  const optim::Loss::Record record = [&](const optim::Batch& shard) {
    return model.loss(optim::select_rows(train.x, shard), optim::select(train.labels, shard));
  };
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t step = loop.step; step < last; ++step) {
    if (step % steps_per_epoch == 0) loop.numbers = {0.0};
    const optim::Batch batch = batching.next();
    optimizer.zero_grad();
    const double loss = (*workers)(record, batch, true);
    optimizer.step();
    loop.numbers[0] += loss * double(batch.size());
    loop.step = step + 1;
    checkpointer.after_step(loop, last);
    const auto epoch = int(loop.step / steps_per_epoch);
    if (loop.step % steps_per_epoch == 0 && (epoch == 1 || epoch % 50 == 0 || epoch == flags.epochs)) {
      autodiff::tape().clear();
      fmt::print("epoch {:4}  loss {:.4f}  train accuracy {:.3f}\n", epoch, loop.numbers[0] / flags.points,
                 models::accuracy(model.predict(train.x), train.labels));
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // 5. Result: accuracy on both sets.
  autodiff::tape().clear();
  const double train_accuracy = models::accuracy(model.predict(train.x), train.labels);
  const double test_accuracy = models::accuracy(model.predict(test.x), test.labels);
  fmt::print("trained in {:.2f} s: train accuracy {:.3f}, test accuracy {:.3f}\n", seconds, train_accuracy,
             test_accuracy);

  // 6. The model's parameters in a file, and the decision boundary in a picture (rank 0 alone writes).
  if (!parallel.is_root()) return 0;
  model.save(model_file);
  fmt::print("saved the model to {}\n", model_file.string());
  if (!examples::gnuplot_available()) {
    fmt::print("gnuplot not found: skipped the decision-boundary plot\n");
    return 0;
  }
  examples::ClassGrid grid{.x0 = -1.5, .x1 = 2.5, .y0 = -1.0, .y1 = 1.5, .nx = 200, .ny = 125, .classes = {}};
  grid.classes = model.predict(grid.points());
  autodiff::tape().clear();
  const auto png = flags.out / "two_moons.png";
  examples::plot_classes(png, train.x, train.labels, grid,
                         {.title = fmt::format("2-16-16-2 tanh MLP, test accuracy {:.3f}", test_accuracy),
                          .x = "x1", .y = "x2"},
                         {"upper moon", "lower moon"});
  fmt::print("drew the decision boundary in {}\n", png.string());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (const auto code = parse_flags(argc, argv, flags)) return *code;
  std::unique_ptr<examples::Parallel> parallel;
  try {
    parallel = std::make_unique<examples::Parallel>(flags.parallel, argc, argv);
    return run(flags, *parallel);
  } catch (const std::exception& e) {
    if (parallel) return parallel->fail("two_moons", e);
    fmt::print(stderr, "two_moons: error: {}\n", e.what());
    return 1;
  }
}
