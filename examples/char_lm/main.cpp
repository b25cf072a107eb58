// SPDX-License-Identifier: MIT
// Character-level language models on a word list, in two steps:
//   1. a bigram table of logits trained by gradient descent reaches the NLL of
//      the counted bigram table;
//   2. an MLP over a learned embedding of the 3 previous characters (Bengio et
//      al. 2003) beats it on held-out words, then invents new words.
//
//   char_lm [--words FILE] [--limit N] [--seed 1] [--bigram-steps 60] [--epochs 8]
//           [--batch 128] [--samples 20] [--out DIR] [--skip-if-missing]
//           [--checkpoint FILE] [--checkpoint-every 500] [--resume]
//           [--data-parallel none|threads|mpi] [--threads N]   (the MLP's mini-batches)
//           [--dtype float64|float32]                         (the MLP's scalar type)
#include "autodiff/autodiff.hpp"
#include "examples/support/checkpointing.hpp"
#include "examples/support/cli.hpp"
#include "examples/support/dtype.hpp"
#include "examples/support/parallel.hpp"
#include "models/bigram.hpp"
#include "models/char_data.hpp"
#include "models/mlp_language_model.hpp"
#include "optim/adam.hpp"
#include "optim/batching.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace {

struct Flags {
  std::filesystem::path words = "/usr/share/dict/words";  // Debian's wamerican
  std::size_t limit = 0;                                  // 0: every word
  std::uint64_t seed = 1;
  int bigram_steps = 60;
  int epochs = 8;
  int batch = 128;
  int samples = 20;
  std::optional<std::filesystem::path> out;
  bool skip_if_missing = false;          // exit with 77 (a skipped meson test) when the word list is absent
  examples::CheckpointFlags checkpoint;  // of the MLP's training, the long part
  examples::ParallelFlags parallel;      // of the MLP's training
  std::string dtype = "float64";         // "float32": the MLP over autodiff::f32 (float parameters and tape)
};

// Fills flags from the command line; returns the exit code when the program should stop.
std::optional<int> parse_flags(int argc, char** argv, Flags& f) {
  CLI::App app("Bigram and MLP character language models on a word list (docs/char_lm.md).", "char_lm");
  app.add_option("--words", f.words, "word list, one word a line")->capture_default_str();
  examples::add_whole_number(app, "--limit", f.limit, 0, examples::kNoLimit, "use N words (0: all)");
  examples::add_whole_number(app, "--seed", f.seed, 0, examples::kNoLimit,
                             "seed of the split, the weights, the batches and the samples");
  examples::add_whole_number(app, "--bigram-steps", f.bigram_steps, 1, 1'000'000'000,
                             "full-batch steps of the bigram model");
  examples::add_whole_number(app, "--epochs", f.epochs, 1, 1'000'000, "epochs of the MLP model");
  examples::add_whole_number(app, "--batch", f.batch, 1, 1'000'000, "examples per step of the MLP model");
  examples::add_whole_number(app, "--samples", f.samples, 0, 1'000'000, "words to sample from the MLP model");
  examples::add_optional(app, "--out", f.out, "save both models in this folder");
  app.add_flag("--skip-if-missing", f.skip_if_missing, "exit with 77 when the word list is absent");
  examples::add_checkpoint_flags(app, f.checkpoint);
  examples::add_parallel_flags(app, f.parallel);
  examples::add_dtype_flag(app, f.dtype, "the MLP language model");
  if (const auto code = examples::parse_command_line(app, argc, argv)) return code;
  return std::nullopt;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The lower-case alphabetic words of the file (proper nouns and possessives dropped).
std::vector<std::string> read_words(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(fmt::format("cannot open the word list {}", file.string()));
  std::vector<std::string> words;
  for (std::string line; std::getline(in, line);) {
    if (models::is_lowercase_word(line)) words.push_back(line);
  }
  if (words.size() < 10) {
    throw std::runtime_error(
        fmt::format("{} holds {} lower-case words; need at least 10", file.string(), words.size()));
  }
  return words;
}

// The model's mean NLL on examples, in chunks so the tape stays small.
template <class Model>
double nll(const Model& model, const models::CharExamples& examples) {
  autodiff::NoGrad no_grad;
  auto& tape = Model::Parameter::Tape::current();  // of the model's scalar type
  const Eigen::Index n = examples.context.rows();
  const Eigen::Index chunk = 8192;
  double total = 0.0;
  for (Eigen::Index first = 0; first < n; first += chunk) {
    const Eigen::Index m = std::min(chunk, n - first);
    const models::IndexArray context = examples.context.middleRows(first, m);
    const std::span<const std::int64_t> next(examples.next.data() + first, std::size_t(m));
    tape.clear();
    if constexpr (std::is_same_v<Model, models::BigramModel>) {
      total += model.loss(std::span<const std::int64_t>(context.data(), std::size_t(m)), next).item() * double(m);
    } else {
      total += double(model.loss(context, next).item()) * double(m);
    }
  }
  tape.clear();
  return total / double(n);
}

// Step 4 of run(): the MLP language model over scalar type S, trained, scored
// against the bigram's validation NLL, sampled and saved. In float it trains on
// one thread without checkpoints (run() refuses those flags).
template <autodiff::TapeScalar S>
void train_mlp(const Flags& flags, examples::Parallel& parallel, const std::vector<std::string>& train_words,
               const std::vector<std::string>& val_words, const std::vector<std::string>& test_words,
               double bigram_val) {
  constexpr bool in_double = std::is_same_v<S, double>;
  // 4. The MLP model: embed the 3 previous characters in 10 dimensions each,
  //    one tanh layer of 200, 27 logits; mini-batch Adam, the rate divided by
  //    10 for the last epoch.
  models::BasicMlpLanguageModel<S> mlp({.context = 3, .embedding = 10, .hidden = 200, .seed = flags.seed});
  const models::CharExamples train_examples = models::make_examples(train_words, 3);
  const models::CharExamples val_examples = models::make_examples(val_words, 3);
  const models::CharExamples test_examples = models::make_examples(test_words, 3);
  optim::AdamRule<false, S> optimizer(mlp.parameters(), {.lr = 3e-3});
  const Eigen::Index n = train_examples.context.rows();
  const Eigen::Index batch_size = std::min<Eigen::Index>(flags.batch, n);
  optim::Batching batching = optim::Batching::mini_batches(n, batch_size, flags.seed);
  const auto steps_per_epoch = std::uint64_t((n + batch_size - 1) / batch_size);
  const std::uint64_t last = std::uint64_t(flags.epochs) * steps_per_epoch;
  const auto record = [&](const optim::Batch& shard) {
    models::IndexArray context(shard.size(), 3);
    for (Eigen::Index r = 0; r < shard.size(); ++r) {
      context.row(r) = train_examples.context.row(shard.indices[std::size_t(r)]);
    }
    return mlp.loss(context, optim::select(train_examples.next, shard));
  };
  // In double, checkpoints and the workers of --data-parallel (one by default).
  std::optional<examples::Checkpointer> checkpointer;
  std::unique_ptr<optim::DataParallel> workers;
  optim::Loss::Record record_double;
  optim::LoopState loop{.numbers = {0.0}};  // the epoch's summed loss so far
  if constexpr (in_double) {
    checkpointer.emplace(flags.checkpoint.file, flags.checkpoint.every, flags.checkpoint.resume, mlp.parameters(),
                         optimizer, batching);
    loop = checkpointer->start({0.0});
    workers = parallel.workers(mlp.parameters());
    record_double = record;
  }
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t step = loop.step; step < last; ++step) {
    const int epoch = int(step / steps_per_epoch) + 1;
    if (step % steps_per_epoch == 0) {
      if (epoch == flags.epochs && epoch > 1) optimizer.set_lr(optimizer.lr() / 10.0);
      loop.numbers = {0.0};
    }
    const optim::Batch batch = batching.next();
    optimizer.zero_grad();
    double loss = 0.0;
    if constexpr (in_double) {
      loss = (*workers)(record_double, batch, true);
    } else {
      autodiff::f32::tape().clear();
      const autodiff::f32::Var batch_loss = record(batch);
      autodiff::backward(batch_loss);
      loss = double(batch_loss.item());
    }
    optimizer.step();
    loop.numbers[0] += loss * double(batch.size());
    loop.step = step + 1;
    if (checkpointer) checkpointer->after_step(loop, last);
    if (loop.step % steps_per_epoch == 0) {
      fmt::print("  MLP epoch {:2}  train loss {:.4f}  validation NLL {:.4f}  ({:.1f} s)\n", epoch,
                 loop.numbers[0] / double(n), nll(mlp, val_examples), seconds_since(start));
      std::fflush(stdout);
    }
  }
  const double mlp_val = nll(mlp, val_examples);
  fmt::print("MLP language model{}: train NLL {:.4f}, validation NLL {:.4f}, test NLL {:.4f}\n",
             in_double ? "" : " (float32)", nll(mlp, train_examples), mlp_val, nll(mlp, test_examples));
  fmt::print("validation NLL: bigram {:.4f}, MLP {:.4f}: the MLP is {}\n", bigram_val, mlp_val,
             mlp_val < bigram_val ? "better" : "NOT better");

  // 5. New words, drawn character by character from the MLP's softmax.
  std::mt19937_64 sampler(flags.seed);
  fmt::print("{} words sampled from the MLP model:\n", flags.samples);
  for (int k = 0; k < flags.samples; ++k) fmt::print("  {}\n", mlp.sample(sampler, 30));
  autodiff::BasicTape<S>::current().clear();
  if (flags.out && parallel.is_root()) mlp.save(*flags.out / "char_lm_mlp.bin");
}

int run(const Flags& flags, examples::Parallel& parallel) {
  parallel.refuse_with_mpi("--checkpoint", !flags.checkpoint.file.empty());
  examples::refuse_with_float32(flags.dtype, flags.checkpoint, flags.parallel);
  // 0. Where the models go, checked before any training.
  if (flags.out && parallel.is_root()) examples::check_output_folder("--out", *flags.out);
  if (!flags.checkpoint.file.empty()) examples::check_output_file("--checkpoint", flags.checkpoint.file);

  // 1. Data: lower-case words, shuffled by the seed and split 80/10/10.
  if (!std::filesystem::exists(flags.words)) {
    fmt::print(stderr, "char_lm: error: the word list {} is missing (give one with --words FILE)\n",
               flags.words.string());
    return flags.skip_if_missing ? 77 : 1;
  }
  std::vector<std::string> words = read_words(flags.words);
  std::vector<Eigen::Index> order(words.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = Eigen::Index(i);
  std::mt19937_64 rng(flags.seed);
  optim::shuffle(order, rng);
  if (flags.limit > 0 && flags.limit < order.size()) order.resize(flags.limit);
  std::vector<std::string> train_words, val_words, test_words;
  for (std::size_t i = 0; i < order.size(); ++i) {
    auto& split = 10 * i < 8 * order.size() ? train_words : 10 * i < 9 * order.size() ? val_words : test_words;
    split.push_back(words[std::size_t(order[i])]);
  }
  fmt::print("{} lower-case words from {}: {} train, {} validation, {} test\n", order.size(), flags.words.string(),
             train_words.size(), val_words.size(), test_words.size());

  // 2. The counted bigram table: P(next | prev) = N(prev, next) / N(prev, .).
  const models::CharExamples train_pairs = models::make_examples(train_words, 1);
  const models::CharExamples val_pairs = models::make_examples(val_words, 1);
  const Eigen::ArrayXXd counts = models::count_bigrams(train_words);
  const double counted_train = models::counted_nll(counts, train_pairs);
  // Validation pairs never seen in training would have P = 0: add-one smoothing there.
  const double counted_val = models::counted_nll(counts, val_pairs, 1.0);
  fmt::print("counted bigram table on {} training pairs: train NLL {:.4f} nats, validation NLL {:.4f} "
             "(add-one smoothed)\n",
             train_pairs.next.size(), counted_train, counted_val);

  // 3. The bigram model: a 27 x 27 logit table trained by full-batch Adam on
  //    the cross-entropy of all training pairs; no smoothing, no L2.
  models::BigramModel bigram;
  optim::Adam bigram_optimizer(bigram.parameters(), {.lr = 0.5});
  const std::span<const std::int64_t> prev(train_pairs.context.data(), train_pairs.next.size());
  auto start = std::chrono::steady_clock::now();
  double bigram_train = 0.0;
  for (int step = 1; step <= flags.bigram_steps; ++step) {
    autodiff::tape().clear();
    bigram_optimizer.zero_grad();
    const autodiff::Var loss = bigram.loss(prev, train_pairs.next);
    loss.backward();
    bigram_optimizer.step();
    bigram_train = loss.item();
    if (step == 1 || step % 10 == 0) {
      fmt::print("  bigram step {:4}  train NLL {:.4f}\n", step, bigram_train);
      std::fflush(stdout);  // show progress as it happens, also through a pipe
    }
  }
  bigram_train = nll(bigram, train_pairs);
  const double bigram_val = nll(bigram, val_pairs);
  fmt::print("bigram by gradient descent ({:.1f} s): train NLL {:.4f}, {:.4f} above the counted table ({}), "
             "validation NLL {:.4f}\n",
             seconds_since(start), bigram_train, bigram_train - counted_train,
             std::abs(bigram_train - counted_train) <= 0.01 ? "agrees to 0.01 nats" : "NOT within 0.01 nats",
             bigram_val);

  if (flags.dtype == "float32") {
    train_mlp<float>(flags, parallel, train_words, val_words, test_words, bigram_val);
  } else {
    train_mlp<double>(flags, parallel, train_words, val_words, test_words, bigram_val);
  }
  if (flags.out && parallel.is_root()) {
    bigram.save(*flags.out / "char_lm_bigram.bin");
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
    if (parallel) return parallel->fail("char_lm", e);
    fmt::print(stderr, "char_lm: error: {}\n", e.what());
    return 1;
  }
}
