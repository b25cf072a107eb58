// SPDX-License-Identifier: MIT
// Checkpoints of a training run: the parameters, the optimizer's state, the
// batching's position and the loop's own numbers in one file, written
// atomically, so a run that is stopped can resume and end bit for bit as if it never was.
#pragma once

#include "batching.hpp"
#include "optimizer.hpp"
#include "trace.hpp"

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace optim {

// A checkpoint that cannot be written or read, or that belongs to another run:
// the message names the file and what mismatched.
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What a training loop keeps besides the parameters, the optimizer and the batching.
struct LoopState {
  std::uint64_t step = 0;        // updates done: the loop continues with the next one
  std::vector<double> numbers{};  // the loop's own: running sums, the previous loss, ...
  Trace trace{};                 // the trace so far
};

// Writes, little-endian, "DESCCKP1", the parameters (name, shape, values, as in a
// model file), the optimizer's State, the batching's State and the LoopState, to
// file atomically (io::write_atomically). Throws CheckpointError naming the file.
void save_checkpoint(const std::filesystem::path& file, const ParameterList& params, const Optimizer& optimizer,
                     const Batching& batching, const LoopState& loop);

// Reads a checkpoint of these parameters, this kind of optimizer and this
// batching into them and returns the LoopState. The header, every name, shape,
// size and bound is checked before anything is assigned; on any mismatch it
// throws CheckpointError naming the file and leaves every argument as it was.
LoopState load_checkpoint(const std::filesystem::path& file, const ParameterList& params, Optimizer& optimizer,
                          Batching& batching);

}  // namespace optim
