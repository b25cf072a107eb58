// SPDX-License-Identifier: MIT
// GzipStream on zlib's inflate: a gzip member ends with Z_STREAM_END; what
// follows is either another member (1f 8b, as `cat a.gz b.gz` makes) or an error.
#include "datasets/gzip_stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace datasets {

namespace {

constexpr std::uint8_t kGzip1 = 0x1f, kGzip2 = 0x8b;

}  // namespace

GzipStream::GzipStream(std::istream& in, std::string_view source_name) : in_(in), name_(source_name) {
  refill();
  gzip_ = z_.avail_in >= 2 && input_[0] == kGzip1 && input_[1] == kGzip2;
  // 16 + MAX_WBITS: a gzip wrapper, not zlib's own.
  if (gzip_ && inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) fail("cannot start zlib");
}

GzipStream::~GzipStream() {
  if (gzip_) inflateEnd(&z_);
}

void GzipStream::fail(const std::string& what) const {
  throw DataError(fmt::format("read_idx: '{}': {}", name_, what));
}

bool GzipStream::refill() {
  in_.read(reinterpret_cast<char*>(input_.data()), std::streamsize(input_.size()));
  const auto got = static_cast<std::size_t>(in_.gcount());
  if (in_.bad()) fail("read error");
  z_.next_in = input_.data();
  z_.avail_in = static_cast<uInt>(got);
  consumed_ += got;
  return got > 0;
}

std::size_t GzipStream::read(std::uint8_t* out, std::size_t n) {
  std::size_t done = 0;
  while (done < n && !finished_) {
    if (z_.avail_in == 0 && !refill()) {
      if (gzip_) fail(fmt::format("gzip error after {} compressed bytes: the data ends inside a member", consumed_));
      finished_ = true;
      break;
    }
    if (!gzip_) {
      const std::size_t k = std::min<std::size_t>(n - done, z_.avail_in);
      std::memcpy(out + done, z_.next_in, k);
      z_.next_in += k;
      z_.avail_in -= static_cast<uInt>(k);
      done += k;
      continue;
    }
    z_.next_out = out + done;
    z_.avail_out = static_cast<uInt>(std::min<std::size_t>(n - done, 1u << 30));
    const int rc = inflate(&z_, Z_NO_FLUSH);
    done = static_cast<std::size_t>(z_.next_out - out);
    if (rc == Z_STREAM_END) {
      // Another member, or the end, or bytes that are neither.
      if (z_.avail_in == 0) refill();
      if (z_.avail_in == 0) {
        finished_ = true;
      } else if (z_.avail_in >= 2 && z_.next_in[0] == kGzip1 && z_.next_in[1] == kGzip2) {
        inflateReset(&z_);
      } else {
        fail(fmt::format("trailing bytes after the end of the gzip data, from compressed byte {} on "
                         "(not another gzip member)", consumed_ - z_.avail_in));
      }
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      fail(fmt::format("gzip error after {} compressed bytes: {}", consumed_, z_.msg ? z_.msg : "corrupt data"));
    }
  }
  return done;
}

}  // namespace datasets
