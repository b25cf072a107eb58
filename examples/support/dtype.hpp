// SPDX-License-Identifier: MIT
// The examples' --dtype float64|float32: the flag, and the flags that float training
// does not take yet, refused by name rather than ignored.
#pragma once

#include "examples/support/checkpointing.hpp"
#include "examples/support/parallel.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace examples {

// Adds --dtype (float64, the default, or float32) to app; `what` says what float32 trains.
void add_dtype_flag(CLI::App& app, std::string& dtype, const std::string& what);

// Float training runs on one thread without checkpoints so far: with dtype "float32",
// throws std::invalid_argument naming --checkpoint, or --data-parallel and --threads,
// when one of them is given.
void refuse_with_float32(const std::string& dtype, const CheckpointFlags& checkpoint, const ParallelFlags& parallel);

}  // namespace examples
