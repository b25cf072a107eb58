// SPDX-License-Identifier: MIT
// One self-attention block, written out of descent's ops: layer_norm, matmul,
// transpose and softmax, over one short sequence (T tokens of d features) at a time.
//
// The toy task: in each sequence one token is marked (its feature 0 is 4, the
// others' is 0), and every position must output the marked token's other
// features. No position can know them from its own token: it has to find the
// marked one and copy from it, which is what attention is for.
// Data, parameters, model, loss, optimizer, loop, result, top to bottom.
//
//   attention [--steps 600] [--batch 16] [--lr 0.01] [--seed 1]
#include "autodiff/autodiff.hpp"
#include "examples/support/cli.hpp"
#include "models/init.hpp"
#include "optim/adam.hpp"

#include <fmt/format.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

using autodiff::Array;
using autodiff::Index;
using autodiff::Parameter;
using autodiff::Var;

constexpr Index kTokens = 6;    // T: tokens in a sequence
constexpr Index kFeatures = 8;  // d: features of a token (feature 0 is the mark)
// The mark stands out of the N(0, 1) content even after layer_norm rescales each token.
constexpr double kMark = 4.0;

// One sequence: T x d tokens and the T x d target (each row the marked token's
// features, with the mark itself set to 0, so that only the content counts).
struct Example {
  Array tokens, target;
};

Example make_example(std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  Example e{Array(kTokens, kFeatures), Array(kTokens, kFeatures)};
  for (Index k = 0; k < e.tokens.size(); ++k) e.tokens(k) = normal(rng);
  const Index marked = Index(rng() % std::uint64_t(kTokens));
  e.tokens.col(0).setZero();
  e.tokens(marked, 0) = kMark;
  e.target = e.tokens.row(marked).replicate(kTokens, 1);
  e.target.col(0).setZero();
  return e;
}

// The block's parameters: layer norm's gain and shift, and the query, key, value
// and output projections (d x d each), small random numbers to start.
struct Attention {
  Parameter gamma, beta, wq, wk, wv, wo;

  explicit Attention(std::mt19937_64& rng)
      : gamma(Array::Ones(1, kFeatures), "ln.gamma"),
        beta(Array::Zero(1, kFeatures), "ln.beta"),
        wq(models::glorot_uniform(kFeatures, kFeatures, rng), "wq"),
        wk(models::glorot_uniform(kFeatures, kFeatures, rng), "wk"),
        wv(models::glorot_uniform(kFeatures, kFeatures, rng), "wv"),
        wo(models::glorot_uniform(kFeatures, kFeatures, rng), "wo") {}

  autodiff::ParameterList parameters() { return {&gamma, &beta, &wq, &wk, &wv, &wo}; }

  // x: T x d -> T x d.
  Var operator()(const Var& x) const {
    const Var h = layer_norm(x, gamma, beta);                   // each token normalised: T x d
    // Queries and keys compare normalised tokens; the values read the raw ones, since the
    // task asks for the marked token's own numbers, whose scale normalising would remove.
    const Var q = matmul(h, wq), k = matmul(h, wk), v = matmul(x, wv);  // T x d each
    // scores(i, j): how much token i attends to token j, scaled as in the Transformer.
    const Var scores = matmul(q, transpose(k)) / std::sqrt(double(kFeatures));  // T x T
    const Var weights = softmax(scores);                        // each row sums to 1
    return matmul(matmul(weights, v), wo);                      // a mix of tokens per row
  }
};

// Mean squared error over the batch's positions and features.
Var batch_loss(const Attention& block, const std::vector<Example>& batch) {
  Var total(0.0);
  for (const Example& e : batch) total = total + mean(square(block(e.tokens) - e.target));
  return total / double(batch.size());
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 600, batch_size = 16;
  double lr = 0.01;
  std::uint64_t seed = 1;
  CLI::App app("One self-attention block learns to copy the marked token.", "attention");
  examples::add_whole_number(app, "--steps", steps, 1, 1'000'000, "Adam steps");
  examples::add_whole_number(app, "--batch", batch_size, 1, 100'000, "sequences per step");
  app.add_option("--lr", lr, "Adam's learning rate")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  examples::add_whole_number(app, "--seed", seed, 0, examples::kNoLimit, "seed of the data and the weights");
  if (const auto code = examples::parse_command_line(app, argc, argv)) return *code;

  // 1. Data: fresh sequences every step, and a fixed set to measure on.
  std::mt19937_64 rng(seed);
  std::vector<Example> held_out;
  for (int i = 0; i < 200; ++i) held_out.push_back(make_example(rng));

  // 2. Model and optimizer.
  Attention block(rng);
  optim::Adam adam(block.parameters(), {.lr = lr});
  auto held_out_loss = [&] {
    autodiff::NoGrad no_grad;
    const double loss = batch_loss(block, held_out).item();
    autodiff::tape().clear();
    return loss;
  };
  // Copying nothing (outputting 0) scores the mean square of the content: about 7/8.
  fmt::print("self-attention, T = {} tokens of d = {}, Adam lr {:g}, {} sequences a step\n", kTokens, kFeatures,
             lr, batch_size);
  fmt::print("  step {:4}  held-out loss {:.4f}\n", 0, held_out_loss());

  // 3. Loop: a new batch each step, loss, backward, Adam.
  for (int step = 1; step <= steps; ++step) {
    std::vector<Example> batch;
    for (int i = 0; i < batch_size; ++i) batch.push_back(make_example(rng));
    autodiff::tape().clear();
    adam.zero_grad();
    batch_loss(block, batch).backward();
    adam.step();
    if (step % (steps >= 6 ? steps / 6 : 1) == 0 || step == steps) {
      fmt::print("  step {:4}  held-out loss {:.4f}\n", step, held_out_loss());
    }
  }

  // 4. Result: where the first held-out sequence's positions look.
  const Example& e = held_out.front();
  autodiff::NoGrad no_grad;
  const Var h = layer_norm(Var(e.tokens), block.gamma, block.beta);
  const Var weights = softmax(matmul(matmul(h, block.wq), transpose(matmul(h, block.wk))) /
                              std::sqrt(double(kFeatures)));
  Index marked = 0;
  e.tokens.col(0).maxCoeff(&marked);
  fmt::print("attention weights of a held-out sequence (token {} is marked):\n", marked);
  for (Index i = 0; i < kTokens; ++i) {
    fmt::print("  ");
    for (Index j = 0; j < kTokens; ++j) fmt::print(" {:.2f}", weights.value()(i, j));
    fmt::print("\n");
  }
  return 0;
}
