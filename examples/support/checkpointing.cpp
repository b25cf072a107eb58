// SPDX-License-Identifier: MIT
// The checkpoint flags and Checkpointer: a missing file under --resume starts
// the loop afresh, since a run killed in its first loop has none for the later ones.
#include "examples/support/checkpointing.hpp"

#include "examples/support/cli.hpp"

#include <fmt/format.h>

#include <limits>

namespace examples {

void add_checkpoint_flags(CLI::App& app, CheckpointFlags& flags) {
  app.add_option("--checkpoint", flags.file, "save the training state to FILE, atomically, to resume from it");
  app.add_option("--checkpoint-every", flags.every, "updates between two checkpoints")
      ->check(integer_in(1, kNoLimit))
      ->capture_default_str();
  app.add_flag("--resume", flags.resume, "continue from the --checkpoint file when it exists");
}

Checkpointer::Checkpointer(std::filesystem::path file, std::size_t every, bool resume, optim::ParameterList params,
                           optim::Optimizer& optimizer, optim::Batching& batching)
    : file_(std::move(file)), every_(every), resume_(resume), params_(std::move(params)), optimizer_(optimizer),
      batching_(batching) {}

optim::LoopState Checkpointer::start(std::vector<double> numbers) {
  if (file_.empty() || !resume_) return {0, std::move(numbers), {}};
  if (!std::filesystem::exists(file_)) {
    fmt::print("no checkpoint in {} yet: this loop starts from the beginning\n", file_.string());
    return {0, std::move(numbers), {}};
  }
  optim::LoopState state = optim::load_checkpoint(file_, params_, optimizer_, batching_);
  if (state.numbers.size() != numbers.size()) {
    throw optim::CheckpointError(fmt::format("{} holds {} numbers of the loop, this loop keeps {}: another loop's "
                                             "checkpoint?", file_.string(), state.numbers.size(), numbers.size()));
  }
  fmt::print("resumed from {} after update {}\n", file_.string(), state.step);
  return state;
}

void Checkpointer::after_step(const optim::LoopState& state, std::uint64_t last) {
  if (file_.empty() || (state.step % every_ != 0 && state.step != last)) return;
  optim::save_checkpoint(file_, params_, optimizer_, batching_, state);
}

}  // namespace examples
