// SPDX-License-Identifier: MIT
// The examples' --checkpoint FILE, --checkpoint-every N and --resume: the flags,
// and a small driver that a training loop asks where to start and tells after
// each update, on top of optim::save_checkpoint and optim::load_checkpoint.
#pragma once

#include "optim/checkpoint.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <filesystem>
#include <string>

namespace examples {

struct CheckpointFlags {
  std::filesystem::path file;  // empty: no checkpoints
  std::size_t every = 500;     // updates between two checkpoints
  bool resume = false;
};

// Adds --checkpoint, --checkpoint-every and --resume to app.
void add_checkpoint_flags(CLI::App& app, CheckpointFlags& flags);

class Checkpointer {
 public:
  // Checkpoints of one training loop over params, optimizer and batching to file
  // (nothing when file is empty). The optimizer, the batching and the parameters
  // must outlive the Checkpointer.
  Checkpointer(std::filesystem::path file, std::size_t every, bool resume, optim::ParameterList params,
               optim::Optimizer& optimizer, optim::Batching& batching);

  // Where the loop starts: with --resume and a checkpoint in the file, the saved
  // state (restored into the parameters, the optimizer and the batching; a line
  // says so), else step 0 with the given numbers. Throws optim::CheckpointError.
  optim::LoopState start(std::vector<double> numbers);
  // Saves state after every every-th update and after the last (state.step == last).
  void after_step(const optim::LoopState& state, std::uint64_t last);

 private:
  std::filesystem::path file_;
  std::size_t every_;
  bool resume_;
  optim::ParameterList params_;
  optim::Optimizer& optimizer_;
  optim::Batching& batching_;
};

}  // namespace examples
