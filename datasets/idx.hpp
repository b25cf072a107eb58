// SPDX-License-Identifier: MIT
// The IDX format of MNIST and Fashion-MNIST (gzip-compressed or not), and a
// loader that turns a Fashion-MNIST split into an N x 784 matrix and labels.
#pragma once

#include "error.hpp"

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <span>
#include <string_view>
#include <vector>

namespace datasets {

// An IDX array of unsigned bytes: dims (outermost first) and the data in row-major order.
struct IdxArray {
  std::vector<std::int32_t> dims;
  std::vector<std::uint8_t> data;
};

// Parses IDX bytes: 00 00, a type byte (only 0x08, unsigned byte), a byte with
// the number of dimensions, each dimension as a big-endian int32, then exactly
// the product of the dimensions in data bytes. Throws DataError naming
// source_name on any deviation.
IdxArray parse_idx(std::span<const std::uint8_t> bytes, std::string_view source_name);

// Reads an IDX file, gunzipping it if it is gzip-compressed, then parse_idx. It
// reads the header first, then at most the data it declares and one byte more:
// a corrupt header or a longer stream is refused without decompressing the rest.
// Bytes after the last gzip member are refused too. Throws DataError naming the file.
IdxArray read_idx(const std::filesystem::path& file);
// The same from a stream (gzip or plain); source_name goes into the messages.
IdxArray read_idx(std::istream& in, std::string_view source_name);

// Images and their labels.
struct ImageSet {
  Eigen::ArrayXXd images;             // N x 784, one 28x28 image per row (row-major pixels), in [0, 1]
  std::vector<std::int64_t> labels;   // N labels in 0..9
};

// Loads <split>-images-idx3-ubyte.gz and <split>-labels-idx1-ubyte.gz from
// folder; split is "train" or "t10k"; limit > 0 keeps only the first limit
// images. Throws DataError naming the file on a mismatch of counts or shapes
// or a label outside 0..9.
ImageSet load_fashion_mnist(const std::filesystem::path& folder, std::string_view split,
                            std::size_t limit = 0);

// Where Debian's package dataset-fashion-mnist installs the files.
std::filesystem::path default_fashion_mnist_folder();

}  // namespace datasets
