// SPDX-License-Identifier: MIT
// The encoding helpers and BinaryReader. The reader opens without blocking and
// checks fstat's type and size on the open descriptor, so what it checks is what it reads.
#include "io/binary_file.hpp"

#include "io/file_error.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>

namespace io {

void put_u64(std::string& out, std::uint64_t x) {
  for (int k = 0; k < 8; ++k) out.push_back(char((x >> (8 * k)) & 0xff));
}

void put_f64(std::string& out, double x) { put_u64(out, std::bit_cast<std::uint64_t>(x)); }

void put_text(std::string& out, std::string_view text) {
  put_u64(out, text.size());
  out += text;
}

std::string byte_count(std::uint64_t n) { return fmt::format("{} byte{}", n, n == 1 ? "" : "s"); }

std::string printable(std::string_view bytes) {
  std::string out;
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    out += u >= 0x20 && u < 0x7f ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  return out;
}

BinaryReader::BinaryReader(const std::filesystem::path& file, std::string who)
    : file_(file), who_(std::move(who)), stream_(nullptr, &std::fclose) {
  // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
  const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) fail(fmt::format(": cannot open it: {}", std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(S_ISDIR(st.st_mode) ? " is a folder, not a file" : " is not a regular file (a FIFO, a device?)");
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  stream_.reset(::fdopen(fd, "rb"));
  if (!stream_) {
    ::close(fd);
    fail(fmt::format(": cannot open it: {}", std::strerror(errno)));
  }
  size_ = std::uint64_t(st.st_size);
}

void BinaryReader::fail(const std::string& message) const {
  throw FileError(fmt::format("{}: {}{}", who_, file_.string(), message));
}

void BinaryReader::need(std::uint64_t n, const char* what) {
  if (n > remaining()) {
    fail(fmt::format(" is truncated: it ends at byte {} while reading {} ({} needed, {} left)", size_, what,
                     byte_count(n), byte_count(remaining())));
  }
}

void BinaryReader::read(void* out, std::size_t n, const char* what) {
  if (std::fread(out, 1, n, stream_.get()) != n) {
    fail(fmt::format(": reading {} at byte {} failed (did the file shrink?)", what, pos_));
  }
  pos_ += n;
}

std::uint64_t BinaryReader::u64(const char* what) {
  need(8, what);
  unsigned char b[8];
  read(b, 8, what);
  std::uint64_t x = 0;
  for (int k = 0; k < 8; ++k) x |= std::uint64_t(b[k]) << (8 * k);
  return x;
}

double BinaryReader::f64(const char* what) { return std::bit_cast<double>(u64(what)); }

std::string BinaryReader::bytes(std::uint64_t n, const char* what) {
  need(n, what);
  std::string s(std::size_t(n), '\0');
  read(s.data(), s.size(), what);
  return s;
}

void BinaryReader::f64s(double* out, std::uint64_t n, const char* what) {
  need(n <= ~std::uint64_t{0} / 8 ? n * 8 : ~std::uint64_t{0}, what);
  for (std::uint64_t k = 0; k < n; ++k) out[k] = f64(what);
}

std::uint64_t BinaryReader::count(const char* what, std::uint64_t item_bytes) {
  const std::uint64_t n = u64(what);
  need(n <= ~std::uint64_t{0} / item_bytes ? n * item_bytes : ~std::uint64_t{0}, what);
  return n;
}

void BinaryReader::expect_end(const char* after) {
  // A file that grew after fstat also has bytes left.
  if (remaining() != 0 || std::fgetc(stream_.get()) != EOF) {
    fail(fmt::format(" has {} after {}", byte_count(remaining() != 0 ? remaining() : 1), after));
  }
}

}  // namespace io
