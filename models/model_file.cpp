// SPDX-License-Identifier: MIT
// The DESCENT1 model file: writer and checked reader. Integers and doubles are
// written byte by byte, least significant first, so files move between hosts.
#include "models/model_file.hpp"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

namespace models {

namespace {

constexpr std::array<char, 8> kMagic = {'D', 'E', 'S', 'C', 'E', 'N', 'T', '1'};

void put_u64(std::string& out, std::uint64_t x) {
  for (int k = 0; k < 8; ++k) out.push_back(char((x >> (8 * k)) & 0xff));
}

// A cursor over the whole file's bytes that throws on reading past the end.
class Reader {
 public:
  Reader(const std::filesystem::path& file, std::string bytes) : file_(file), bytes_(std::move(bytes)) {}

  std::uint64_t u64(const char* what) {
    need(8, what);
    std::uint64_t x = 0;
    for (int k = 0; k < 8; ++k) x |= std::uint64_t(std::uint8_t(bytes_[pos_ + std::size_t(k)])) << (8 * k);
    pos_ += 8;
    return x;
  }

  std::string text(std::uint64_t n, const char* what) {
    need(n, what);
    std::string s = bytes_.substr(pos_, std::size_t(n));
    pos_ += std::size_t(n);
    return s;
  }

  std::size_t remaining() const { return bytes_.size() - pos_; }

 private:
  void need(std::uint64_t n, const char* what) {
    if (n > remaining()) {
      throw ModelFileError(fmt::format("load_parameters: {} is truncated: it ends at byte {} while reading {} "
                                       "({} bytes needed, {} left)",
                                       file_.string(), bytes_.size(), what, n, remaining()));
    }
  }

  const std::filesystem::path& file_;
  std::string bytes_;
  std::size_t pos_ = 0;
};

// The bytes with anything outside printable ASCII shown as \xNN, for messages.
std::string printable(const std::string& bytes) {
  std::string out;
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    out += u >= 0x20 && u < 0x7f ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  return out;
}

}  // namespace

void save_parameters(const std::filesystem::path& file, const autodiff::ParameterList& params) {
  std::string out(kMagic.begin(), kMagic.end());
  put_u64(out, params.size());
  for (const autodiff::Parameter* p : params) {
    put_u64(out, p->name().size());
    out += p->name();
    put_u64(out, std::uint64_t(p->rows()));
    put_u64(out, std::uint64_t(p->cols()));
    for (autodiff::Index k = 0; k < p->size(); ++k) put_u64(out, std::bit_cast<std::uint64_t>(p->value()(k)));
  }
  std::ofstream stream(file, std::ios::binary | std::ios::trunc);
  stream.write(out.data(), std::streamsize(out.size()));
  stream.close();
  if (!stream) throw ModelFileError(fmt::format("save_parameters: cannot write {}", file.string()));
}

void load_parameters(const std::filesystem::path& file, const autodiff::ParameterList& params) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream) throw ModelFileError(fmt::format("load_parameters: cannot open {}", file.string()));
  Reader in(file, std::string(std::istreambuf_iterator<char>(stream), {}));

  const std::string magic = in.text(kMagic.size(), "the magic");
  if (magic != std::string(kMagic.begin(), kMagic.end())) {
    throw ModelFileError(fmt::format("load_parameters: {} is not a descent model file: it starts with \"{}\", "
                                     "expected \"DESCENT1\"",
                                     file.string(), printable(magic)));
  }
  const std::uint64_t count = in.u64("the parameter count");
  if (count != params.size()) {
    throw ModelFileError(fmt::format("load_parameters: {} holds {} parameters, the model has {}", file.string(), count,
                                     params.size()));
  }
  // Read everything first, so that a mismatch late in the file changes nothing.
  std::vector<autodiff::Array> values;
  for (std::size_t q = 0; q < params.size(); ++q) {
    const autodiff::Parameter& p = *params[q];
    const std::string name = in.text(in.u64("a name length"), "a parameter name");
    if (name != p.name()) {
      throw ModelFileError(fmt::format("load_parameters: {}: parameter {} is named '{}' in the file, '{}' in the model",
                                       file.string(), q, name, p.name()));
    }
    const std::uint64_t rows = in.u64("a row count");
    const std::uint64_t cols = in.u64("a column count");
    if (rows != std::uint64_t(p.rows()) || cols != std::uint64_t(p.cols())) {
      throw ModelFileError(fmt::format(
          "load_parameters: {}: parameter {} ('{}') is {}x{} in the file, {}x{} in the model", file.string(), q,
          name, rows, cols, p.rows(), p.cols()));
    }
    autodiff::Array value(p.rows(), p.cols());
    for (autodiff::Index k = 0; k < value.size(); ++k) value(k) = std::bit_cast<double>(in.u64("parameter values"));
    values.push_back(std::move(value));
  }
  if (in.remaining() != 0) {
    throw ModelFileError(fmt::format("load_parameters: {} has {} bytes after its last parameter", file.string(),
                                     in.remaining()));
  }
  // Assign element-wise into the existing storage: a tape may point at it.
  for (std::size_t q = 0; q < params.size(); ++q) params[q]->value() = values[q];
}

}  // namespace models
