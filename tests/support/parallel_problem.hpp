// SPDX-License-Identifier: MIT
// The training run that the data-parallel tests repeat with different workers:
// a small MLP, mean cross-entropy, 12 Adam steps on mini-batches of 13 out of 40
// examples (so one batch of an epoch has 1 example), and comparisons of results.
#pragma once

#include "autodiff/autodiff.hpp"
#include "models/mlp.hpp"
#include "optim/optim.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace parallel_problem {

// 40 examples of 5 features in 3 classes, from a formula (the same on every platform).
struct Data {
  Eigen::ArrayXXd x = Eigen::ArrayXXd::NullaryExpr(40, 5, [](Eigen::Index i, Eigen::Index j) {
    return std::sin(double(7 * i + 3 * j + 1));
  });
  std::vector<std::int64_t> y = [] {
    std::vector<std::int64_t> labels;
    for (int i = 0; i < 40; ++i) labels.push_back((i * 5) % 3);
    return labels;
  }();
};

// The mean cross-entropy of an MLP on the examples of a batch.
inline optim::Loss::Record mean_loss(const models::Mlp& mlp, const Data& data) {
  return [&mlp, &data](const optim::Batch& batch) {
    return mlp.loss(optim::select_rows(data.x, batch), optim::select(data.y, batch));
  };
}

// The parameters after the run: serially (threads 0), or through DataParallel with
// that many threads in this process and, given a communicator, every process's.
// seed picks the starting weights; DataParallel broadcasts rank 0's first.
inline std::vector<autodiff::Array> train(std::size_t threads, optim::Communicator* communicator = nullptr,
                                          std::uint64_t seed = 3) {
  const Data data;
  models::Mlp mlp({5, 8, 3}, models::Activation::tanh, seed);
  optim::Adam adam(mlp.parameters(), {.lr = 1e-2});
  const optim::StopRule stop{.tolerance = 0.0, .max_iterations = 12};
  const optim::LoopOptions options{.full_loss_every = 0};
  const auto batching = optim::Batching::mini_batches(40, 13, 7);
  if (threads == 0) {
    return optim::minimize(optim::Loss::recorded(mean_loss(mlp, data)), mlp.parameters(), adam, batching, stop, options)
        .values;
  }
  optim::DataParallel parallel(mlp.parameters(), {.threads = threads, .communicator = communicator});
  parallel.broadcast_parameters();
  return optim::minimize(parallel.loss(mean_loss(mlp, data)), mlp.parameters(), adam, batching, stop, options).values;
}

inline bool bit_identical(const std::vector<autodiff::Array>& a, const std::vector<autodiff::Array>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].rows() != b[k].rows() || a[k].cols() != b[k].cols() || !(a[k] == b[k]).all()) return false;
  }
  return true;
}

inline double max_relative_difference(const std::vector<autodiff::Array>& a, const std::vector<autodiff::Array>& b) {
  double worst = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    worst = std::max(worst, ((a[k] - b[k]).abs() / (a[k].abs().max(b[k].abs()).max(1e-300))).maxCoeff());
  }
  return worst;
}

}  // namespace parallel_problem
