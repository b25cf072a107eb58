// SPDX-License-Identifier: MIT
// libFuzzer target: arbitrary bytes as a model file for a model of two
// parameters. load_parameters reads a file, so each input is written to one
// first. It may only fill the parameters or throw ModelFileError, leaving them
// as they were.
#include "models/model_file.hpp"
#include "input_file.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path file = fuzz::input_file(data, size, "model_file_fuzz");
  autodiff::Parameter w(autodiff::Array::Constant(2, 3, 7.0), "w");
  autodiff::Parameter b(autodiff::Array::Constant(1, 1, 7.0), "b");
  try {
    models::load_parameters(file, {&w, &b});
  } catch (const models::ModelFileError&) {
    if (!(w.value() == 7.0).all() || b.value()(0) != 7.0) std::abort();  // a failed load changed the model
  }
  return 0;
}
