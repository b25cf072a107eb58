// SPDX-License-Identifier: MIT
// The DESCENT1 model file: writer and checked reader over io/'s little-endian
// encoding, so files move between hosts. The reader checks each declared size
// against the model before reading it, and the writer replaces a file atomically.
#include "models/model_file.hpp"

#include "io/atomic_write.hpp"
#include "io/binary_file.hpp"
#include "io/file_error.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include <cstdint>
#include <string>

namespace models {

namespace {

constexpr std::string_view kMagic = "DESCENT1";

// Reads the whole file into values, checking it against params; throws io::FileError.
template <class S>
std::vector<autodiff::Array> read_values(const std::filesystem::path& file,
                                         const std::vector<autodiff::BasicParameter<S>*>& params) {
  io::BinaryReader in(file, "load_parameters");
  const std::string magic = in.bytes(kMagic.size(), "the magic");
  if (magic != kMagic) {
    in.fail(fmt::format(" is not a descent model file: it starts with \"{}\", expected \"DESCENT1\"",
                        io::printable(magic)));
  }
  const std::uint64_t count = in.u64("the parameter count");
  if (count != params.size()) in.fail(fmt::format(" holds {} parameters, the model has {}", count, params.size()));
  std::vector<autodiff::Array> values;
  for (std::size_t q = 0; q < params.size(); ++q) {
    const autodiff::BasicParameter<S>& p = *params[q];
    const std::string name = in.bytes(in.u64("a name length"), "a parameter name");
    if (name != p.name()) {
      in.fail(fmt::format(": parameter {} is named '{}' in the file, '{}' in the model", q, io::printable(name),
                          p.name()));
    }
    const std::uint64_t rows = in.u64("a row count");
    const std::uint64_t cols = in.u64("a column count");
    if (rows != std::uint64_t(p.rows()) || cols != std::uint64_t(p.cols())) {
      in.fail(fmt::format(": parameter {} ('{}') is {}x{} in the file, {}x{} in the model", q, name, rows, cols,
                          p.rows(), p.cols()));
    }
    autodiff::Array value(p.rows(), p.cols());
    in.f64s(value.data(), std::uint64_t(value.size()), "parameter values");
    values.push_back(std::move(value));
  }
  in.expect_end("its last parameter");
  return values;
}

// A null entry would be dereferenced: refuse the list first, naming its position.
template <class S>
void check_list(const char* op, const autodiff::BasicParameterList<S>& params) {
  for (std::size_t q = 0; q < params.size(); ++q) {
    if (!params[q]) throw std::invalid_argument(fmt::format("{}: parameter {} of the list is a null pointer", op, q));
  }
}

template <class S>
void save(const std::filesystem::path& file, const autodiff::BasicParameterList<S>& params) {
  check_list("save_parameters", params);
  std::string out(kMagic);
  io::put_u64(out, params.size());
  for (const autodiff::BasicParameter<S>* p : params) {
    io::put_text(out, p->name());
    io::put_u64(out, std::uint64_t(p->rows()));
    io::put_u64(out, std::uint64_t(p->cols()));
    for (autodiff::Index k = 0; k < p->size(); ++k) io::put_f64(out, double(p->value()(k)));
  }
  try {
    io::write_atomically(file, out, "save_parameters");
  } catch (const io::FileError& e) {
    throw ModelFileError(e.what());
  }
}

template <class S>
void load(const std::filesystem::path& file, const autodiff::BasicParameterList<S>& params) {
  check_list("load_parameters", params);
  std::vector<autodiff::Array> values;
  try {
    values = read_values(file, params);  // everything first, so a late mismatch changes nothing
  } catch (const io::FileError& e) {
    throw ModelFileError(e.what());
  }
  // Assign element-wise into the existing storage: a tape may point at it.
  for (std::size_t q = 0; q < params.size(); ++q) params[q]->value() = values[q].template cast<S>();
}

}  // namespace

void save_parameters(const std::filesystem::path& file, const autodiff::ParameterList& params) { save(file, params); }
void save_parameters(const std::filesystem::path& file, const autodiff::f32::ParameterList& params) {
  save(file, params);
}
void load_parameters(const std::filesystem::path& file, const autodiff::ParameterList& params) { load(file, params); }
void load_parameters(const std::filesystem::path& file, const autodiff::f32::ParameterList& params) {
  load(file, params);
}

}  // namespace models
