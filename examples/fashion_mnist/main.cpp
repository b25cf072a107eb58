// SPDX-License-Identifier: MIT
// Fashion-MNIST: softmax regression and an MLP (or, with --model cnn, a small
// convolutional network) trained with mini-batch Adam on 60,000 28x28 clothing
// images, then scored on the 10,000 test images.
// Data, models, loss, optimizer, loop, result, top to bottom.
//
//   fashion_mnist [--model mlp|cnn] [--dtype float64|float32] [--data DIR] [--epochs E] [--limit N]
//                 [--batch 128] [--hidden 256] [--lr LR]
//                 [--seed 1] [--out DIR] [--skip-if-missing]
//                 [--checkpoint FILE] [--checkpoint-every 500] [--resume]
//                 [--data-parallel none|threads|mpi] [--threads N]
//   mpirun -np 2 fashion_mnist --data-parallel mpi   (docs/distributed.md)
#include "autodiff/autodiff.hpp"
#include "datasets/idx.hpp"
#include "examples/support/checkpointing.hpp"
#include "examples/support/cli.hpp"
#include "examples/support/dtype.hpp"
#include "models/cnn.hpp"
#include "examples/support/parallel.hpp"
#include "models/metrics.hpp"
#include "models/mlp.hpp"
#include "models/softmax_regression.hpp"
#include "optim/adam.hpp"
#include "optim/batching.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace {

struct Flags {
  std::string model = "mlp";  // "mlp": softmax regression, then the MLP; "cnn": the CNN
  std::string dtype = "float64";  // "float32": the MLP alone, or the CNN, over autodiff::f32
  std::filesystem::path data = datasets::default_fashion_mnist_folder();
  std::optional<int> epochs;  // default: 10 for softmax regression, 15 for the MLP, 6 for the CNN
  std::optional<double> lr;   // default: 3e-3, 1e-3 and 1e-3
  std::size_t limit = 0;      // 0: every image
  int batch = 128;
  int hidden = 256;
  std::uint64_t seed = 1;
  std::optional<std::filesystem::path> out;
  bool skip_if_missing = false;  // exit with 77 (a skipped meson test) when the files are absent
  examples::CheckpointFlags checkpoint;  // FILE.softmax, FILE.mlp or FILE.cnn, one per model
  examples::ParallelFlags parallel;
};

// Fills flags from the command line; returns the exit code when the program should stop.
std::optional<int> parse_flags(int argc, char** argv, Flags& f) {
  CLI::App app("Softmax regression and an MLP, or a CNN, on Fashion-MNIST (docs/fashion_mnist.md).",
               "fashion_mnist");
  app.add_option("--model", f.model, "mlp: softmax regression and the MLP; cnn: the convolutional network")
      ->check(CLI::IsMember({"mlp", "cnn"}))
      ->capture_default_str();
  examples::add_dtype_flag(app, f.dtype, "the MLP alone (no softmax regression) or the CNN");
  app.add_option("--data", f.data, "folder of the four .gz files")->capture_default_str();
  examples::add_optional(app, "--epochs", f.epochs, "epochs of each model (default: 10 and 15, 6 for the CNN)")
      ->check(examples::integer_in(1, 1'000'000));
  examples::add_whole_number(app, "--limit", f.limit, 0, examples::kNoLimit,
                             "use the first N images of each split (0: all)");
  examples::add_whole_number(app, "--batch", f.batch, 1, 1'000'000, "images per step");
  examples::add_whole_number(app, "--hidden", f.hidden, 1, 100'000, "hidden units of the MLP");
  examples::add_optional(app, "--lr", f.lr, "Adam's learning rate (default: 3e-3 and 1e-3, 1e-3 for the CNN)")
      ->check(CLI::Range(0.0, 1.0));
  examples::add_whole_number(app, "--seed", f.seed, 0, examples::kNoLimit, "seed of the weights and the batches");
  examples::add_optional(app, "--out", f.out, "save both models in this folder");
  app.add_flag("--skip-if-missing", f.skip_if_missing, "exit with 77 when the data files are absent");
  examples::add_checkpoint_flags(app, f.checkpoint);
  examples::add_parallel_flags(app, f.parallel);
  if (const auto code = examples::parse_command_line(app, argc, argv)) return code;
  return std::nullopt;
}

constexpr std::array<const char*, 10> kClassNames = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                     "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// Trains any model with logits(x) and parameters() by mini-batch Adam on the
// cross-entropy, printing one line per epoch; the learning rate drops to lr / 10
// for the last fifth of the epochs. With --checkpoint the state goes to
// FILE.<tag> every --checkpoint-every updates, and --resume continues from it.
// Each batch is split over the workers of --data-parallel. A model over floats
// (--dtype float32) trains the same way on one thread, without checkpoints (run()
// refuses those flags). Returns the seconds spent.
template <class Model>
double train(Model& model, const datasets::ImageSet& data, int epochs, const Flags& flags, double lr,
             const std::string& tag, examples::Parallel& parallel) {
  using S = typename Model::Parameter::Scalar;
  constexpr bool in_double = std::is_same_v<S, double>;
  optim::AdamRule<false, S> optimizer(model.parameters(), {.lr = lr});
  // The images in the model's scalar type: converted once in float, used as they are in double.
  const autodiff::BasicArray<S> converted = in_double ? autodiff::BasicArray<S>() : data.images.template cast<S>();
  const autodiff::BasicArray<S>& images = [&]() -> const autodiff::BasicArray<S>& {
    if constexpr (in_double) return data.images;
    else return converted;
  }();
  const Eigen::Index n = images.rows();
  // Whether each example was predicted right, written by the one shard that holds it.
  std::vector<std::uint8_t> right(std::size_t(n), 0);
  const auto record = [&](const optim::Batch& shard) {
    const std::vector<std::int64_t> labels = optim::select(data.labels, shard);
    const autodiff::BasicVar<S> logits = model.logits(optim::select_rows(images, shard));
    // The shard's predictions from the logits already computed (before the step).
    const auto predicted = models::argmax_rows(logits.value().template cast<double>());
    for (std::size_t i = 0; i < labels.size(); ++i) right[std::size_t(shard.indices[i])] = predicted[i] == labels[i];
    return autodiff::cross_entropy(logits, labels);
  };
  const Eigen::Index batch_size = std::min<Eigen::Index>(flags.batch, n);
  optim::Batching batching = optim::Batching::mini_batches(n, batch_size, flags.seed);
  const auto steps_per_epoch = std::uint64_t((n + batch_size - 1) / batch_size);
  const std::uint64_t last = std::uint64_t(epochs) * steps_per_epoch;
  // In double, checkpoints and the workers of --data-parallel (one by default).
  std::optional<examples::Checkpointer> checkpointer;
  std::unique_ptr<optim::DataParallel> workers;
  optim::Loss::Record record_double;
  optim::LoopState loop{.numbers = {0.0, 0.0}};  // the epoch's summed loss and right answers so far
  if constexpr (in_double) {
    const std::filesystem::path file = flags.checkpoint.file.empty()
                                           ? flags.checkpoint.file
                                           : std::filesystem::path(flags.checkpoint.file.string() + "." + tag);
    checkpointer.emplace(file, flags.checkpoint.every, flags.checkpoint.resume, model.parameters(), optimizer,
                         batching);
    loop = checkpointer->start({0.0, 0.0});
    workers = parallel.workers(model.parameters());
    record_double = record;
  }
  const auto start = std::chrono::steady_clock::now();
  auto epoch_start = start;
  for (std::uint64_t step = loop.step; step < last; ++step) {
    const int epoch = int(step / steps_per_epoch) + 1;
    if (step % steps_per_epoch == 0) {
      if (epoch == epochs - epochs / 5 + 1) optimizer.set_lr(lr / 10.0);
      epoch_start = std::chrono::steady_clock::now();
      loop.numbers = {0.0, 0.0};
    }
    const optim::Batch batch = batching.next();
    optimizer.zero_grad();
    double loss = 0.0;
    if constexpr (in_double) {
      loss = (*workers)(record_double, batch, true);
    } else {
      autodiff::BasicTape<S>::current().clear();
      const autodiff::BasicVar<S> batch_loss = record(batch);
      autodiff::backward(batch_loss);
      loss = double(batch_loss.item());
    }
    optimizer.step();
    // This process's shards' right answers, then every process's.
    double correct = 0.0;
    for (const Eigen::Index i : batch.indices) {
      correct += double(right[std::size_t(i)]);
      right[std::size_t(i)] = 0;
    }
    loop.numbers[1] += parallel.sum(correct);
    loop.numbers[0] += loss * double(batch.size());
    loop.step = step + 1;
    if (checkpointer) checkpointer->after_step(loop, last);
    if (loop.step % steps_per_epoch == 0) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
      fmt::print("  epoch {:2}  loss {:.4f}  train accuracy {:.4f}  {:7.0f} examples/s\n", epoch,
                 loop.numbers[0] / double(n), loop.numbers[1] / double(n), double(n) / seconds);
      std::fflush(stdout);  // show progress as it happens, also through a pipe
    }
  }
  autodiff::BasicTape<S>::current().clear();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (workers) {
    fmt::print("  {}: {:.1f}% of the time reducing gradients\n", parallel.describe(),
               100.0 * workers->reduce_seconds() / std::max(seconds, 1e-9));
  }
  return seconds;
}

// Test accuracy and the confusion matrix (rows: true class, columns: predicted).
double report(const char* title, const std::vector<std::int64_t>& predicted,
              const std::vector<std::int64_t>& test_labels, double seconds) {
  const double accuracy = models::accuracy(predicted, test_labels);
  fmt::print("{}: test accuracy {:.4f} on {} images (trained in {:.1f} s)\n", title, accuracy, test_labels.size(),
             seconds);
  const auto confusion = models::confusion_matrix(predicted, test_labels, 10);
  fmt::print("  {:>12}", "true \\ pred");
  for (int c = 0; c < 10; ++c) fmt::print(" {:>5}", c);
  fmt::print("\n");
  for (int t = 0; t < 10; ++t) {
    fmt::print("  {:>9} {:>2}", kClassNames[std::size_t(t)], t);
    for (int c = 0; c < 10; ++c) fmt::print(" {:>5}", confusion(t, c));
    fmt::print("\n");
  }
  return accuracy;
}

// The CNN of docs/fashion_mnist.md: conv 5x5 (1 -> 16) -> relu -> max_pool 2 ->
// conv 5x5 (16 -> 32) -> relu -> max_pool 2 -> linear (32*7*7 -> 10).
// In float with --dtype float32.
template <autodiff::TapeScalar S>
int run_cnn(const Flags& flags, const datasets::ImageSet& train_set, const datasets::ImageSet& test_set,
            examples::Parallel& parallel) {
  models::BasicCnn<S> cnn(
      {.channels = 1, .height = 28, .width = 28, .conv1 = 16, .conv2 = 32, .kernel = 5, .classes = 10}, flags.seed);
  const int epochs = flags.epochs.value_or(6);
  const double lr = flags.lr.value_or(1e-3);
  fmt::print("CNN conv5x5(16)-pool-conv5x5(32)-pool-linear(1568 -> 10) in {}, {} parameters, Adam lr {:g} "
             "(a tenth for the last fifth), batch {}, {} epochs\n",
             flags.dtype,
             [&] {
               autodiff::Index n = 0;
               for (const auto* p : cnn.parameters()) n += p->size();
               return n;
             }(),
             lr, flags.batch, epochs);
  const double seconds = train(cnn, train_set, epochs, flags, lr, "cnn", parallel);
  // 1,000 test images at a time, so that the activations stay within memory.
  report(std::is_same_v<S, double> ? "CNN" : "CNN (float32)", cnn.predict(test_set.images, 1000), test_set.labels,
         seconds);
  if (flags.out && parallel.is_root()) {
    cnn.save(*flags.out / "fashion_mnist_cnn.bin");
    fmt::print("saved the model in {}\n", flags.out->string());
  }
  return 0;
}

int run(const Flags& flags, examples::Parallel& parallel) {
  // 0. Where the models go, checked before any training; rank 0 alone writes them.
  parallel.refuse_with_mpi("--checkpoint", !flags.checkpoint.file.empty());
  examples::refuse_with_float32(flags.dtype, flags.checkpoint, flags.parallel);
  if (flags.out && parallel.is_root()) examples::check_output_folder("--out", *flags.out);
  if (!flags.checkpoint.file.empty()) examples::check_output_file("--checkpoint", flags.checkpoint.file);

  // 1. Data: N x 784 pixel rows in [0, 1] and labels 0..9.
  for (const char* file : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                           "t10k-labels-idx1-ubyte.gz"}) {
    if (!std::filesystem::exists(flags.data / file)) {
      fmt::print(stderr, "fashion_mnist: error: {} is missing (give the folder with --data DIR)\n",
                 (flags.data / file).string());
      return flags.skip_if_missing ? 77 : 1;
    }
  }
  const datasets::ImageSet train_set = datasets::load_fashion_mnist(flags.data, "train", flags.limit);
  const datasets::ImageSet test_set = datasets::load_fashion_mnist(flags.data, "t10k", flags.limit);
  const autodiff::Constant test_images(test_set.images);  // used as is, never copied onto the tape
  fmt::print("Fashion-MNIST from {}: {} training images, {} test images; workers: {}\n", flags.data.string(),
             train_set.images.rows(), test_set.images.rows(), parallel.describe());

  if (flags.model == "cnn") {
    return flags.dtype == "float32" ? run_cnn<float>(flags, train_set, test_set, parallel)
                                    : run_cnn<double>(flags, train_set, test_set, parallel);
  }

  if (flags.dtype == "float32") {
    // 2'. The MLP in float: 784 -> hidden ReLU -> 10, the double run's weights rounded.
    models::f32::Mlp mlp({784, flags.hidden, 10}, models::Activation::relu, flags.seed);
    const int epochs = flags.epochs.value_or(15);
    fmt::print("MLP 784-{}-10 ReLU in float32, Adam lr {:g} (a tenth for the last fifth), batch {}, {} epochs\n",
               flags.hidden, flags.lr.value_or(1e-3), flags.batch, epochs);
    const double seconds = train(mlp, train_set, epochs, flags, flags.lr.value_or(1e-3), "mlp", parallel);
    const autodiff::f32::Constant test_f32(test_set.images.cast<float>());
    report("MLP (float32)", mlp.predict(test_f32), test_set.labels, seconds);
    autodiff::f32::tape().clear();
    if (flags.out && parallel.is_root()) {
      mlp.save(*flags.out / "fashion_mnist_mlp.bin");  // the DESCENT1 format: floats written as doubles
      fmt::print("saved the model in {}\n", flags.out->string());
    }
    return 0;
  }

  // 2. Softmax regression: logits = x W + b, W 784 x 10.
  models::SoftmaxRegression softmax(784, 10);
  const int softmax_epochs = flags.epochs.value_or(10);
  fmt::print("softmax regression, Adam lr {:g} (a tenth for the last fifth), batch {}, {} epochs\n",
             flags.lr.value_or(3e-3), flags.batch, softmax_epochs);
  const double softmax_seconds = train(softmax, train_set, softmax_epochs, flags, flags.lr.value_or(3e-3), "softmax",
                                       parallel);
  report("softmax regression", softmax.predict(test_images), test_set.labels, softmax_seconds);
  autodiff::tape().clear();

  // 3. MLP: 784 -> hidden ReLU -> 10, He-uniform weights.
  models::Mlp mlp({784, flags.hidden, 10}, models::Activation::relu, flags.seed);
  const int mlp_epochs = flags.epochs.value_or(15);
  fmt::print("MLP 784-{}-10 ReLU, Adam lr {:g} (a tenth for the last fifth), batch {}, {} epochs\n", flags.hidden,
             flags.lr.value_or(1e-3), flags.batch, mlp_epochs);
  const double mlp_seconds = train(mlp, train_set, mlp_epochs, flags, flags.lr.value_or(1e-3), "mlp", parallel);
  report("MLP", mlp.predict(test_images), test_set.labels, mlp_seconds);
  autodiff::tape().clear();

  if (flags.out && parallel.is_root()) {
    softmax.save(*flags.out / "fashion_mnist_softmax.bin");
    mlp.save(*flags.out / "fashion_mnist_mlp.bin");
    fmt::print("saved both models in {}\n", flags.out->string());
  }
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
    if (parallel) return parallel->fail("fashion_mnist", e);
    fmt::print(stderr, "fashion_mnist: error: {}\n", e.what());
    return 1;
  }
}
