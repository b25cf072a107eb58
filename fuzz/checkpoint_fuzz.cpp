// SPDX-License-Identifier: MIT
// libFuzzer target: arbitrary bytes as a checkpoint of two parameters, an Adam
// with amsgrad and mini-batches of 3 out of 8. load_checkpoint reads a file, so
// each input is written to one first. It may only restore all of them or throw
// CheckpointError, leaving every one as it was.
#include "optim/adam.hpp"
#include "optim/checkpoint.hpp"
#include "input_file.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path file = fuzz::input_file(data, size, "checkpoint_fuzz");
  autodiff::Parameter w(autodiff::Array::Constant(2, 1, 7.0), "w");
  autodiff::Parameter b(autodiff::Array::Constant(1, 1, 7.0), "b");
  optim::Adam adam({&w, &b}, {.lr = 0.05, .amsgrad = true});
  optim::Batching batching = optim::Batching::mini_batches(8, 3, 5);
  try {
    optim::load_checkpoint(file, {&w, &b}, adam, batching);
    for (int k = 0; k < 4; ++k) {
      for (const Eigen::Index i : batching.next().indices) {
        if (i < 0 || i >= 8) std::abort();  // a restored batching hands out only real examples
      }
    }
  } catch (const optim::CheckpointError&) {
    // A failed load changes nothing.
    if (!(w.value() == 7.0).all() || b.value()(0) != 7.0 || adam.steps() != 0 || batching.epoch() != 0) std::abort();
  }
  return 0;
}
