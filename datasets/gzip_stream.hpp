// SPDX-License-Identifier: MIT
// Reading a stream that is gzip-compressed (one or more members) or plain, a
// few bytes at a time, so a reader can stop as soon as it has what it needs.
// Bytes after the last gzip member that are not another member are an error.
#pragma once

#include "error.hpp"

#include <zlib.h>

#include <array>
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>

namespace datasets {

class GzipStream {
 public:
  // Reads from in (kept by reference); source_name goes into every message.
  GzipStream(std::istream& in, std::string_view source_name);
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // Up to n bytes into out; fewer only at the end of the data. Throws DataError
  // "read_idx: '<source>': gzip error ..." on corrupt or cut data, and on bytes
  // after the last member that do not start another member.
  std::size_t read(std::uint8_t* out, std::size_t n);

 private:
  bool refill();  // more compressed bytes into input_; false at the end of in
  [[noreturn]] void fail(const std::string& what) const;

  std::istream& in_;
  std::string name_;
  z_stream z_{};
  std::array<std::uint8_t, 1 << 16> input_{};
  bool gzip_ = false;      // false: a plain file, passed through
  bool finished_ = false;  // every byte has been delivered
  std::uint64_t consumed_ = 0;  // compressed bytes taken from in, for messages
};

}  // namespace datasets
