// SPDX-License-Identifier: MIT
// Tests of the IDX reader and the Fashion-MNIST loader on tiny files written
// here (gzip-compressed and plain), and on Debian's real t10k set when installed.
#define BOOST_TEST_MODULE idx
#include <boost/test/unit_test.hpp>

#include "datasets/idx.hpp"
#include "helpers.hpp"

#include <sys/resource.h>
#include <zlib.h>

#include <array>
#include <fstream>
#include <iostream>

using datasets::IdxArray;
using datasets::load_fashion_mnist;
using datasets::parse_idx;
using datasets::read_idx;
using datasets_test::contains;
using datasets_test::data_error_message;
using datasets_test::TempDir;
using Bytes = std::vector<std::uint8_t>;

namespace {

// The IDX encoding of an unsigned-byte array (or of another type byte, for errors).
Bytes idx_bytes(const std::vector<std::int32_t>& dims, const Bytes& data, std::uint8_t type = 0x08) {
  Bytes out{0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (const auto d : dims) {
    const auto u = static_cast<std::uint32_t>(d);
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(u >> shift));
  }
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes counting(std::size_t n) {
  Bytes data(n);
  for (std::size_t k = 0; k < n; ++k) data[k] = static_cast<std::uint8_t>((k * 7) % 256);
  return data;
}

void write_plain(const std::filesystem::path& file, const Bytes& bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_gz(const std::filesystem::path& file, const Bytes& bytes) {
  gzFile out = gzopen(file.string().c_str(), "wb");
  BOOST_REQUIRE(out != nullptr);
  BOOST_REQUIRE(gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size())) ==
                static_cast<int>(bytes.size()));
  BOOST_REQUIRE(gzclose(out) == Z_OK);
}

std::string parse_error(const Bytes& bytes) {
  return data_error_message([&] { parse_idx(bytes, "mem.idx"); });
}

// A Fashion-MNIST-shaped split in folder: n images of 28x28 and the given labels.
void write_split(const std::filesystem::path& folder, const std::string& split, std::int32_t n,
                 const Bytes& labels, std::int32_t side = 28) {
  write_gz(folder / (split + "-images-idx3-ubyte.gz"),
           idx_bytes({n, side, side}, counting(static_cast<std::size_t>(n * side * side))));
  write_gz(folder / (split + "-labels-idx1-ubyte.gz"),
           idx_bytes({static_cast<std::int32_t>(labels.size())}, labels));
}

}  // namespace

BOOST_AUTO_TEST_CASE(parse_reads_dimensions_and_data_in_order) {
  const Bytes data = counting(2 * 2 * 3);
  const IdxArray a = parse_idx(idx_bytes({2, 2, 3}, data), "mem.idx");
  BOOST_TEST(a.dims == (std::vector<std::int32_t>{2, 2, 3}), boost::test_tools::per_element());
  BOOST_TEST(a.data == data, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(big_endian_dimensions_above_255_are_decoded) {
  const IdxArray a = parse_idx(idx_bytes({0x0102}, counting(0x0102)), "mem.idx");
  BOOST_TEST(a.dims[0] == 258);
}

BOOST_AUTO_TEST_CASE(read_gives_the_same_array_from_gzip_and_plain_files) {
  TempDir dir;
  const Bytes bytes = idx_bytes({3, 5}, counting(15));
  write_gz(dir / "a.idx.gz", bytes);
  write_plain(dir / "a.idx", bytes);
  const IdxArray gz = read_idx(dir / "a.idx.gz");
  const IdxArray plain = read_idx(dir / "a.idx");
  BOOST_TEST(gz.dims == (std::vector<std::int32_t>{3, 5}), boost::test_tools::per_element());
  BOOST_TEST(gz.data == counting(15), boost::test_tools::per_element());
  BOOST_TEST(plain.dims == gz.dims, boost::test_tools::per_element());
  BOOST_TEST(plain.data == gz.data, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_error_naming_it) {
  TempDir dir;
  const auto msg = data_error_message([&] { read_idx(dir / "nothing.gz"); });
  BOOST_TEST(contains(msg, "cannot open"));
  BOOST_TEST(contains(msg, (dir / "nothing.gz").string()));
}

BOOST_AUTO_TEST_CASE(a_bad_magic_number_is_reported_with_the_bytes_found) {
  TempDir dir;
  write_plain(dir / "bad.idx", Bytes{0x01, 0x02, 0x08, 0x01, 0, 0, 0, 0});
  const auto msg = data_error_message([&] { read_idx(dir / "bad.idx"); });
  BOOST_TEST(contains(msg, (dir / "bad.idx").string()));
  BOOST_TEST(contains(msg, "bad magic"));
  BOOST_TEST(contains(msg, "found 01 02 08 01"));
}

BOOST_AUTO_TEST_CASE(an_element_type_other_than_unsigned_byte_is_refused_by_name) {
  const auto msg = parse_error(idx_bytes({1}, Bytes{0, 0, 0, 0}, 0x0D));
  BOOST_TEST(contains(msg, "mem.idx"));
  BOOST_TEST(contains(msg, "unsupported element type 0x0d (float32)"));
}

BOOST_AUTO_TEST_CASE(zero_or_absurd_dimension_counts_are_refused) {
  BOOST_TEST(contains(parse_error(Bytes{0, 0, 8, 0}), "0 dimensions"));
  Bytes many{0, 0, 8, 200};
  many.resize(4 + 4 * 200, 1);
  BOOST_TEST(contains(parse_error(many), "200 dimensions"));
}

BOOST_AUTO_TEST_CASE(a_truncated_header_is_reported_with_sizes) {
  BOOST_TEST(contains(parse_error(Bytes{0, 0}), "truncated header: 2 bytes"));
  Bytes cut = idx_bytes({3, 4, 5}, {});
  cut.resize(10);
  const auto msg = parse_error(cut);
  BOOST_TEST(contains(msg, "truncated header"));
  BOOST_TEST(contains(msg, "need 16 bytes, the file has 10"));
}

BOOST_AUTO_TEST_CASE(truncated_data_says_how_many_bytes_were_expected_and_read) {
  Bytes bytes = idx_bytes({4, 5}, counting(20));
  bytes.resize(bytes.size() - 3);
  const auto msg = parse_error(bytes);
  BOOST_TEST(contains(msg, "truncated data"));
  BOOST_TEST(contains(msg, "need 20 bytes, read 17"));
}

BOOST_AUTO_TEST_CASE(trailing_bytes_after_the_data_are_refused) {
  Bytes bytes = idx_bytes({2, 2}, counting(4));
  bytes.push_back(9);
  bytes.push_back(9);
  BOOST_TEST(contains(parse_error(bytes), "2 trailing bytes after the 4 data bytes"));
}

BOOST_AUTO_TEST_CASE(negative_and_huge_dimensions_are_refused) {
  BOOST_TEST(contains(parse_error(idx_bytes({-5}, {})), "dimension 0 is negative (-5)"));
  const auto huge = parse_error(idx_bytes({0x7fffffff, 0x7fffffff}, {}));
  BOOST_TEST(contains(huge, "more than 2^48 bytes"));
}

BOOST_AUTO_TEST_CASE(a_truncated_gzip_file_is_a_gzip_error_naming_the_file) {
  TempDir dir;
  const auto file = dir / "cut.gz";
  write_gz(file, idx_bytes({100, 100}, counting(10000)));
  std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
  const auto msg = data_error_message([&] { read_idx(file); });
  BOOST_TEST(contains(msg, file.string()));
  BOOST_TEST(contains(msg, "gzip"));
}

BOOST_AUTO_TEST_CASE(fashion_mnist_loader_scales_pixels_and_keeps_row_order) {
  TempDir dir;
  write_split(dir.path(), "t10k", 3, Bytes{4, 0, 9});
  const auto set = load_fashion_mnist(dir.path(), "t10k");
  BOOST_TEST(set.images.rows() == 3);
  BOOST_TEST(set.images.cols() == 784);
  BOOST_TEST(set.labels == (std::vector<std::int64_t>{4, 0, 9}), boost::test_tools::per_element());
  const Bytes pixels = counting(3 * 784);
  bool all_match = true;
  for (Eigen::Index i = 0; i < 3; ++i) {
    for (Eigen::Index j = 0; j < 784; ++j) {
      all_match &= set.images(i, j) == pixels[static_cast<std::size_t>(i * 784 + j)] / 255.0;
    }
  }
  BOOST_TEST(all_match);
  BOOST_TEST(set.images.minCoeff() >= 0.0);
  BOOST_TEST(set.images.maxCoeff() == 1.0);  // byte 255 (k = 73: 7 * 73 = 511 = 255 mod 256)
}

BOOST_AUTO_TEST_CASE(fashion_mnist_limit_keeps_the_first_images) {
  TempDir dir;
  write_split(dir.path(), "train", 3, Bytes{4, 0, 9});
  const auto all = load_fashion_mnist(dir.path(), "train");
  const auto two = load_fashion_mnist(dir.path(), "train", 2);
  BOOST_TEST(two.images.rows() == 2);
  BOOST_TEST(two.labels == (std::vector<std::int64_t>{4, 0}), boost::test_tools::per_element());
  BOOST_TEST((two.images == all.images.topRows(2)).all());
  BOOST_TEST(load_fashion_mnist(dir.path(), "train", 10).images.rows() == 3);
}

BOOST_AUTO_TEST_CASE(fashion_mnist_image_and_label_counts_must_match) {
  TempDir dir;
  write_split(dir.path(), "t10k", 3, Bytes{1, 2});
  const auto msg = data_error_message([&] { load_fashion_mnist(dir.path(), "t10k"); });
  BOOST_TEST(contains(msg, "t10k-images-idx3-ubyte.gz' holds 3 images"));
  BOOST_TEST(contains(msg, "t10k-labels-idx1-ubyte.gz' holds 2 labels"));
}

BOOST_AUTO_TEST_CASE(fashion_mnist_labels_outside_0_to_9_are_refused) {
  TempDir dir;
  write_split(dir.path(), "t10k", 3, Bytes{1, 12, 2});
  const auto msg = data_error_message([&] { load_fashion_mnist(dir.path(), "t10k"); });
  BOOST_TEST(contains(msg, "t10k-labels-idx1-ubyte.gz"));
  BOOST_TEST(contains(msg, "label 12 at index 1 is outside 0..9"));
}

BOOST_AUTO_TEST_CASE(fashion_mnist_images_must_be_28_by_28) {
  TempDir dir;
  write_split(dir.path(), "t10k", 2, Bytes{1, 2}, 27);
  const auto msg = data_error_message([&] { load_fashion_mnist(dir.path(), "t10k"); });
  BOOST_TEST(contains(msg, "t10k-images-idx3-ubyte.gz' has dimensions 2x27x27"));
  BOOST_TEST(contains(msg, "N x 28 x 28"));
}

BOOST_AUTO_TEST_CASE(fashion_mnist_split_must_be_train_or_t10k) {
  TempDir dir;
  const auto msg = data_error_message([&] { load_fashion_mnist(dir.path(), "test"); });
  BOOST_TEST(contains(msg, "split 'test' is neither 'train' nor 't10k'"));
}

BOOST_AUTO_TEST_CASE(fashion_mnist_missing_folder_or_file_is_named) {
  TempDir dir;
  const auto no_folder = data_error_message([&] { load_fashion_mnist(dir / "absent", "t10k"); });
  BOOST_TEST(contains(no_folder, (dir / "absent").string()));
  BOOST_TEST(contains(no_folder, "dataset-fashion-mnist"));
  const auto no_file = data_error_message([&] { load_fashion_mnist(dir.path(), "t10k"); });
  BOOST_TEST(contains(no_file, "t10k-images-idx3-ubyte.gz"));
}

namespace {

boost::test_tools::assertion_result fashion_mnist_installed(boost::unit_test::test_unit_id) {
  const auto folder = datasets::default_fashion_mnist_folder();
  boost::test_tools::assertion_result installed = std::filesystem::is_directory(folder);
  if (!installed) {
    // Boost.Test logs the reason only at a verbose log level; say it plainly too.
    std::cerr << "SKIPPED real_fashion_mnist_t10k_has_1000_images_of_each_class: " << folder.string()
              << " is missing (install Debian's dataset-fashion-mnist)\n";
    installed.message() << folder.string() << " is missing";
  }
  return installed;
}

}  // namespace

BOOST_AUTO_TEST_CASE(real_fashion_mnist_t10k_has_1000_images_of_each_class,
                     *boost::unit_test::precondition(fashion_mnist_installed)) {
  const auto set = load_fashion_mnist(datasets::default_fashion_mnist_folder(), "t10k");
  BOOST_TEST(set.images.rows() == 10000);
  BOOST_TEST(set.images.cols() == 784);
  std::array<int, 10> histogram{};
  for (const auto label : set.labels) {
    BOOST_REQUIRE(label >= 0);
    BOOST_REQUIRE(label <= 9);
    ++histogram[static_cast<std::size_t>(label)];
  }
  for (const int count : histogram) BOOST_TEST(count == 1000);
  // The first test image is an ankle boot (class 9), as the dataset's README shows.
  BOOST_TEST(set.labels.front() == 9);
  // Sum of all pixel bytes, computed independently with Python's gzip module.
  BOOST_TEST((set.images * 255.0).round().sum() == 573469082.0);
}

BOOST_AUTO_TEST_CASE(bytes_after_the_gzip_data_are_refused_naming_the_file) {
  TempDir dir;
  const auto file = dir / "garbage.gz";
  write_gz(file, idx_bytes({2, 2}, counting(4)));
  std::ofstream(file, std::ios::binary | std::ios::app) << "garbage";
  const auto msg = data_error_message([&] { read_idx(file); });
  BOOST_TEST(contains(msg, file.string()), msg);
  BOOST_TEST(contains(msg, "trailing bytes after the end of the gzip data"), msg);
}

BOOST_AUTO_TEST_CASE(concatenated_gzip_members_read_as_one_stream) {
  // What `cat a.gz b.gz` makes: gzip itself reads it as the two parts in a row.
  TempDir dir;
  const Bytes whole = idx_bytes({3, 5}, counting(15));
  write_gz(dir / "a.gz", Bytes(whole.begin(), whole.begin() + 10));
  write_gz(dir / "b.gz", Bytes(whole.begin() + 10, whole.end()));
  {
    std::ofstream out(dir / "ab.gz", std::ios::binary);
    out << std::ifstream(dir / "a.gz", std::ios::binary).rdbuf() << std::ifstream(dir / "b.gz", std::ios::binary).rdbuf();
  }
  BOOST_TEST(read_idx(dir / "ab.gz").data == counting(15), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_stream_longer_than_declared_is_refused_without_decompressing_it_all) {
  // 4 declared bytes, then 256 MiB of zeros (256 KiB compressed): reading it whole took the memory of it all.
  TempDir dir;
  const auto file = dir / "long.gz";
  gzFile out = gzopen(file.string().c_str(), "wb1");
  BOOST_REQUIRE(out != nullptr);
  const Bytes head = idx_bytes({2, 2}, counting(4));
  gzwrite(out, head.data(), static_cast<unsigned>(head.size()));
  const Bytes zeros(1 << 20, 0);
  for (int k = 0; k < 256; ++k) gzwrite(out, zeros.data(), static_cast<unsigned>(zeros.size()));
  BOOST_REQUIRE(gzclose(out) == Z_OK);
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const auto msg = data_error_message([&] { read_idx(file); });
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  BOOST_TEST(contains(msg, "more bytes follow the 4 data bytes of dimensions 2x2"), msg);
  BOOST_TEST(after.ru_maxrss - before.ru_maxrss < 64 * 1024, "peak memory grew by " << after.ru_maxrss - before.ru_maxrss << " KiB");
}

BOOST_AUTO_TEST_CASE(a_bad_header_in_a_gzip_file_is_refused_before_its_data) {
  // A 3 MB file of zeros compressed: magic 00 00 00 00 is refused after 4 bytes.
  TempDir dir;
  const auto file = dir / "zeros.gz";
  write_gz(file, Bytes(3'000'000, 0));
  const auto msg = data_error_message([&] { read_idx(file); });
  BOOST_TEST(contains(msg, "unsupported element type 0x00"), msg);
}
