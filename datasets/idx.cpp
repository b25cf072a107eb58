// SPDX-License-Identifier: MIT
// parse_idx and read_idx (GzipStream reads gzip and plain files alike, header
// first, then no more than the header declares), and load_fashion_mnist on top.
#include "datasets/idx.hpp"

#include "datasets/gzip_stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace datasets {

namespace {

constexpr std::uint8_t unsigned_byte_type = 0x08;
// Real IDX files have 1 to 3 dimensions; more than this is a corrupt header.
constexpr int max_dims = 16;
// No IDX file of unsigned bytes is anywhere near this size (256 TiB).
constexpr std::uint64_t max_elements = std::uint64_t{1} << 48;

const char* type_name(std::uint8_t type) {
  switch (type) {
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return "unknown";
  }
}

std::string hex_bytes(std::span<const std::uint8_t> bytes) {
  std::string out;
  for (const auto b : bytes) out += fmt::format("{}{:02x}", out.empty() ? "" : " ", b);
  return out.empty() ? "nothing" : out;
}

std::int64_t big_endian_int32(const std::uint8_t* p) {
  const std::uint32_t u = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                          (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
  return static_cast<std::int32_t>(u);
}

std::string dims_text(const std::vector<std::int32_t>& dims) {
  return fmt::format("{}", fmt::join(dims, "x"));
}

// The size of the header that the first 4 bytes announce; throws on a bad magic,
// type or dimension count, or fewer than 4 bytes.
std::size_t header_size(std::span<const std::uint8_t> bytes, std::string_view source_name) {
  if (bytes.size() < 4) {
    throw DataError(fmt::format("parse_idx: {}: truncated header: {} bytes, the magic number alone "
                                "needs 4", source_name, bytes.size()));
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    throw DataError(fmt::format("parse_idx: {}: bad magic number: expected 00 00 <type> <dims>, "
                                "found {}", source_name, hex_bytes(bytes.first(4))));
  }
  const std::uint8_t type = bytes[2];
  if (type != unsigned_byte_type) {
    throw DataError(fmt::format("parse_idx: {}: unsupported element type 0x{:02x} ({}); only 0x08 "
                                "(unsigned byte) is supported", source_name, type,
                                type_name(type)));
  }
  const int ndims = bytes[3];
  if (ndims == 0 || ndims > max_dims) {
    throw DataError(fmt::format("parse_idx: {}: {} dimensions in the header; expected 1 to {}",
                                source_name, ndims, max_dims));
  }
  return 4 + 4 * static_cast<std::size_t>(ndims);
}

// The dimensions of a whole header (header_size bytes) and the data bytes they need.
std::uint64_t read_dims(std::span<const std::uint8_t> bytes, std::string_view source_name,
                        std::vector<std::int32_t>& dims) {
  const std::size_t size = header_size(bytes, source_name);
  if (bytes.size() < size) {
    throw DataError(fmt::format("parse_idx: {}: truncated header: {} dimensions need {} bytes, the "
                                "file has {}", source_name, bytes[3], size, bytes.size()));
  }
  std::uint64_t elements = 1;
  for (std::size_t k = 0; 4 + 4 * k < size; ++k) {
    const std::int64_t dim = big_endian_int32(bytes.data() + 4 + 4 * k);
    if (dim < 0) {
      throw DataError(fmt::format("parse_idx: {}: dimension {} is negative ({})", source_name, k,
                                  dim));
    }
    dims.push_back(static_cast<std::int32_t>(dim));
    // Each factor is < 2^31 and the running product stays <= 2^48, so no overflow.
    elements *= static_cast<std::uint64_t>(dim);
    if (elements > max_elements) {
      throw DataError(fmt::format("parse_idx: {}: dimensions {}... describe more than 2^48 bytes",
                                  source_name, dims_text(dims)));
    }
  }
  return elements;
}

}  // namespace

IdxArray parse_idx(std::span<const std::uint8_t> bytes, std::string_view source_name) {
  IdxArray array;
  const std::uint64_t elements = read_dims(bytes, source_name, array.dims);
  const std::size_t header = header_size(bytes, source_name);
  const std::size_t available = bytes.size() - header;
  if (available < elements) {
    throw DataError(fmt::format("parse_idx: {}: truncated data: dimensions {} need {} bytes, read "
                                "{}", source_name, dims_text(array.dims), elements, available));
  }
  if (available > elements) {
    throw DataError(fmt::format("parse_idx: {}: {} trailing bytes after the {} data bytes of "
                                "dimensions {}", source_name, available - elements, elements,
                                dims_text(array.dims)));
  }
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return array;
}

IdxArray read_idx(std::istream& in, std::string_view source_name) {
  GzipStream stream(in, source_name);
  std::vector<std::uint8_t> bytes(4);
  // Reads up to n more bytes onto bytes; returns how many came.
  const auto read_more = [&](std::size_t n) {
    const std::size_t old_size = bytes.size();
    bytes.resize(old_size + n);
    const std::size_t got = stream.read(bytes.data() + old_size, n);
    bytes.resize(old_size + got);
    return got;
  };
  bytes.resize(stream.read(bytes.data(), 4));
  // The header first: a bad one is refused before any data is decompressed.
  const std::size_t header = header_size(bytes, source_name);
  read_more(header - 4);
  std::vector<std::int32_t> dims;
  const std::uint64_t elements = read_dims(bytes, source_name, dims);
  // Then the data in chunks, so memory follows what the file really holds, not what it claims.
  constexpr std::size_t chunk = 1u << 20;
  for (std::uint64_t left = elements; left > 0;) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk));
    const std::size_t got = read_more(want);
    left -= got;
    if (got < want) break;  // parse_idx reports the truncation
  }
  std::uint8_t extra = 0;
  if (bytes.size() == header + elements && stream.read(&extra, 1) == 1) {
    throw DataError(fmt::format("read_idx: '{}': more bytes follow the {} data bytes of dimensions {}",
                                source_name, elements, dims_text(dims)));
  }
  return parse_idx(bytes, source_name);
}

IdxArray read_idx(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw DataError(fmt::format("read_idx: cannot open '{}': {}", name,
                                std::filesystem::exists(file, ec) ? "not a regular file"
                                                                  : "no such file"));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError(fmt::format("read_idx: cannot open '{}'", name));
  return read_idx(in, name);
}

ImageSet load_fashion_mnist(const std::filesystem::path& folder, std::string_view split,
                            std::size_t limit) {
  if (split != "train" && split != "t10k") {
    throw DataError(fmt::format("load_fashion_mnist: split '{}' is neither 'train' nor 't10k'",
                                split));
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    throw DataError(fmt::format("load_fashion_mnist: folder '{}' does not exist (Debian's "
                                "dataset-fashion-mnist installs the files in '{}')",
                                folder.string(), default_fashion_mnist_folder().string()));
  }
  const auto image_file = folder / fmt::format("{}-images-idx3-ubyte.gz", split);
  const auto label_file = folder / fmt::format("{}-labels-idx1-ubyte.gz", split);
  const IdxArray images = read_idx(image_file);
  const IdxArray labels = read_idx(label_file);

  if (images.dims.size() != 3 || images.dims[1] != 28 || images.dims[2] != 28) {
    throw DataError(fmt::format("load_fashion_mnist: '{}' has dimensions {}; images must be "
                                "N x 28 x 28", image_file.string(), dims_text(images.dims)));
  }
  if (labels.dims.size() != 1) {
    throw DataError(fmt::format("load_fashion_mnist: '{}' has dimensions {}; labels must be one "
                                "dimension N", label_file.string(), dims_text(labels.dims)));
  }
  if (images.dims[0] != labels.dims[0]) {
    throw DataError(fmt::format("load_fashion_mnist: '{}' holds {} images but '{}' holds {} labels",
                                image_file.string(), images.dims[0], label_file.string(),
                                labels.dims[0]));
  }
  for (std::size_t k = 0; k < labels.data.size(); ++k) {
    if (labels.data[k] > 9) {
      throw DataError(fmt::format("load_fashion_mnist: '{}': label {} at index {} is outside 0..9",
                                  label_file.string(), labels.data[k], k));
    }
  }

  constexpr Eigen::Index pixels = 28 * 28;
  std::size_t n = static_cast<std::size_t>(images.dims[0]);
  if (limit > 0 && limit < n) n = limit;
  ImageSet set;
  // The bytes are row-major (image after image); Eigen's default storage is column-major.
  using RowMajorBytes = Eigen::Array<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const RowMajorBytes> bytes(images.data.data(), static_cast<Eigen::Index>(n),
                                              pixels);
  set.images = bytes.cast<double>() / 255.0;
  set.labels.assign(labels.data.begin(), labels.data.begin() + static_cast<std::ptrdiff_t>(n));
  return set;
}

std::filesystem::path default_fashion_mnist_folder() { return "/usr/share/datasets/fashion-mnist"; }

}  // namespace datasets
