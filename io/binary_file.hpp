// SPDX-License-Identifier: MIT
// The little-endian binary encoding of descent's own files (model files and
// checkpoints): writers that append to a byte string, and a reader that checks
// every declared size against what the file holds before it reads anything.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace io {

// Appends x least significant byte first, whatever the host.
void put_u64(std::string& out, std::uint64_t x);
// Appends the IEEE-754 binary64 bits of x as put_u64 does.
void put_f64(std::string& out, double x);
// Appends the length (u64) then the bytes.
void put_text(std::string& out, std::string_view text);

// "1 byte", "2 bytes": for messages.
std::string byte_count(std::uint64_t n);
// The bytes with anything outside printable ASCII shown as \xNN, for messages.
std::string printable(std::string_view bytes);

// A checked reader of one regular file. Every error is an io::FileError whose
// message starts "<who>: <file>". It refuses a folder, a FIFO or a device before
// reading (they have no size to check against and may never end), and it never
// reads past what the file holds, so a lying header cannot make it allocate.
class BinaryReader {
 public:
  BinaryReader(const std::filesystem::path& file, std::string who);

  std::uint64_t u64(const char* what);
  double f64(const char* what);
  // n bytes; throws "truncated" without reading when fewer are left.
  std::string bytes(std::uint64_t n, const char* what);
  // Reads n doubles into out.
  void f64s(double* out, std::uint64_t n, const char* what);
  // A count of items of item_bytes each that must follow; throws "truncated"
  // when the file is too short for them, so a caller may allocate count items.
  std::uint64_t count(const char* what, std::uint64_t item_bytes);
  std::uint64_t remaining() const { return size_ - pos_; }
  // Throws unless the whole file has been read: "<who>: <file> has 3 bytes after <after>".
  void expect_end(const char* after);
  // Throws io::FileError "<who>: <file><message>" (message starts with ": " or " ").
  [[noreturn]] void fail(const std::string& message) const;

 private:
  void need(std::uint64_t n, const char* what);
  void read(void* out, std::size_t n, const char* what);

  std::filesystem::path file_;
  std::string who_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> stream_;
  std::uint64_t size_ = 0;
  std::uint64_t pos_ = 0;
};

}  // namespace io
