// SPDX-License-Identifier: MIT
// Saving a model's parameters to a file and loading them back, bit-exact.
// The binary format is documented at save_parameters below.
#pragma once

#include "../autodiff/var.hpp"

#include <filesystem>
#include <initializer_list>
#include <stdexcept>
#include <vector>

namespace models {

// A model file that cannot be read, or whose contents do not match the model:
// the message names the file and what mismatched.
struct ModelFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Writes the parameters, in order, as
//   "DESCENT1"                                  8 bytes of magic
//   count                                       u64
//   per parameter: name length (u64), name bytes, rows (u64), cols (u64),
//                  rows*cols doubles (IEEE-754 binary64, column-major)
// with every integer and double little-endian, whatever the host. The file is
// replaced atomically (io::write_atomically): a failed save, a full disk
// included, leaves the previous file whole. Throws ModelFileError naming the file.
void save_parameters(const std::filesystem::path& file, const autodiff::ParameterList& params);
// Float parameters are written as doubles (exactly), in the same format.
void save_parameters(const std::filesystem::path& file, const autodiff::f32::ParameterList& params);

// Reads a file written by save_parameters into params. The count, every name
// and every shape must match; nothing is assigned unless the whole file reads
// and matches (a failed load leaves the model as it was). Each declared size is
// checked against the model and the file's size before it is read, so a corrupt
// header cannot make it read without bound; a folder, a FIFO or a device is
// refused unread. Throws ModelFileError naming the file.
void load_parameters(const std::filesystem::path& file, const autodiff::ParameterList& params);
// Into float parameters each value is rounded to the nearest float: a file of a float
// model reads back bit-exact, one of a double model converts, as x.cast<float>() would.
void load_parameters(const std::filesystem::path& file, const autodiff::f32::ParameterList& params);

// A braced list of Parameters ({&w, &b}) picks the overload of its own scalar type here:
// otherwise it would also fit the other type's ParameterList, through std::vector's
// iterator-pair constructor, and the call would be ambiguous.
inline void save_parameters(const std::filesystem::path& file, std::initializer_list<autodiff::Parameter*> params) {
  save_parameters(file, autodiff::ParameterList(params));
}
inline void save_parameters(const std::filesystem::path& file, std::initializer_list<autodiff::f32::Parameter*> params) {
  save_parameters(file, autodiff::f32::ParameterList(params));
}
inline void load_parameters(const std::filesystem::path& file, std::initializer_list<autodiff::Parameter*> params) {
  load_parameters(file, autodiff::ParameterList(params));
}
inline void load_parameters(const std::filesystem::path& file, std::initializer_list<autodiff::f32::Parameter*> params) {
  load_parameters(file, autodiff::f32::ParameterList(params));
}

}  // namespace models
