// SPDX-License-Identifier: MIT
#include "examples/support/dtype.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace examples {

void add_dtype_flag(CLI::App& app, std::string& dtype, const std::string& what) {
  app.add_option("--dtype", dtype,
                 "float64, or float32: " + what + " in float, on one thread (no checkpoints or data parallelism yet)")
      ->check(CLI::IsMember({"float64", "float32"}))
      ->capture_default_str();
}

void refuse_with_float32(const std::string& dtype, const CheckpointFlags& checkpoint, const ParallelFlags& parallel) {
  if (dtype != "float32") return;
  const bool split = (!parallel.mode.empty() && parallel.mode != "none") || parallel.threads;
  const char* refused = !checkpoint.file.empty() ? "--checkpoint" : split ? "--data-parallel and --threads" : nullptr;
  if (refused) throw std::invalid_argument(fmt::format("--dtype float32 does not support {} yet", refused));
}

}  // namespace examples
