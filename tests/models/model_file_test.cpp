// SPDX-License-Identifier: MIT
// Tests of the DESCENT1 model file: bit-exact round trips for every model,
// the byte layout, and each way a file can fail to match a model.
#define BOOST_TEST_MODULE model_file
#include <boost/test/unit_test.hpp>

#include "model_helpers.hpp"
#include "models/bigram.hpp"
#include "models/logistic_regression.hpp"
#include "models/mlp.hpp"
#include "models/mlp_language_model.hpp"
#include "models/model_file.hpp"
#include "models/softmax_regression.hpp"

#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include <sys/resource.h>
#include <sys/stat.h>

using autodiff::Array;
using models::ModelFileError;
using test_models::RemoveOnExit;

namespace {

// Values that a text format or a careless writer would not keep bit for bit.
void fill_awkward(const autodiff::ParameterList& params) {
  for (autodiff::Parameter* p : params) {
    p->value() = Array::Random(p->rows(), p->cols()) * 1e3;
    p->value()(0) = -0.0;
    if (p->size() > 1) p->value()(1) = std::numeric_limits<double>::denorm_min();
    if (p->size() > 2) p->value()(2) = 1.0 / 3.0;
  }
}

bool bit_equal(const Array& a, const Array& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), std::size_t(a.size()) * sizeof(double)) == 0;
}

template <class Model>
void check_round_trip(Model& saved, Model& loaded, const std::string& name) {
  fill_awkward(saved.parameters());
  RemoveOnExit file{test_models::temp_path(name)};
  saved.save(file.path);
  loaded.load(file.path);
  const auto a = saved.parameters();
  const auto b = loaded.parameters();
  BOOST_TEST_REQUIRE(a.size() == b.size());
  for (std::size_t q = 0; q < a.size(); ++q) {
    BOOST_TEST(bit_equal(a[q]->value(), b[q]->value()), name << " parameter " << q);
  }
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
}

// Checks that f throws ModelFileError whose message holds every part.
template <class F>
void check_error(F f, std::initializer_list<std::string> parts) {
  try {
    f();
    BOOST_ERROR("no ModelFileError thrown");
  } catch (const ModelFileError& e) {
    for (const std::string& part : parts) {
      BOOST_TEST(std::string(e.what()).find(part) != std::string::npos, e.what() << " lacks " << part);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(logistic_regression_round_trip_is_bit_exact) {
  models::LogisticRegression a(5), b(5);
  check_round_trip(a, b, "logistic.bin");
}

BOOST_AUTO_TEST_CASE(softmax_regression_round_trip_is_bit_exact) {
  models::SoftmaxRegression a(6, 4), b(6, 4);
  check_round_trip(a, b, "softmax.bin");
}

BOOST_AUTO_TEST_CASE(mlp_round_trip_is_bit_exact) {
  models::Mlp a({4, 7, 5, 3}, models::Activation::relu, 1), b({4, 7, 5, 3}, models::Activation::relu, 2);
  check_round_trip(a, b, "mlp.bin");
}

BOOST_AUTO_TEST_CASE(bigram_round_trip_is_bit_exact) {
  models::BigramModel a, b;
  check_round_trip(a, b, "bigram.bin");
}

BOOST_AUTO_TEST_CASE(mlp_language_model_round_trip_is_bit_exact) {
  models::MlpLanguageModel a({.context = 3, .embedding = 4, .hidden = 6, .seed = 1});
  models::MlpLanguageModel b({.context = 3, .embedding = 4, .hidden = 6, .seed = 2});
  check_round_trip(a, b, "mlp_lm.bin");
}

BOOST_AUTO_TEST_CASE(file_layout_is_magic_count_then_little_endian_records) {
  autodiff::Parameter w(Array::Constant(1, 1, 1.0), "w");
  RemoveOnExit file{test_models::temp_path("layout.bin")};
  models::save_parameters(file.path, {&w});
  const std::string bytes = read_bytes(file.path);
  // 8 magic + 8 count + 8 name length + 1 name + 8 rows + 8 cols + 8 value
  BOOST_TEST_REQUIRE(bytes.size() == 49u);
  BOOST_TEST(bytes.substr(0, 8) == "DESCENT1");
  BOOST_TEST(bytes.substr(8, 8) == std::string("\x01\0\0\0\0\0\0\0", 8));
  BOOST_TEST(bytes.substr(16, 9) == std::string("\x01\0\0\0\0\0\0\0w", 9));
  // 1.0 is 0x3FF0000000000000: least significant byte first.
  BOOST_TEST(bytes.substr(41, 8) == std::string("\0\0\0\0\0\0\xf0\x3f", 8));
}

BOOST_AUTO_TEST_CASE(a_missing_file_names_the_file) {
  models::BigramModel model;
  const auto path = test_models::temp_path("missing.bin");
  check_error([&] { model.load(path); }, {"cannot open", path.filename().string()});
}

BOOST_AUTO_TEST_CASE(a_wrong_magic_is_rejected) {
  models::BigramModel model;
  RemoveOnExit file{test_models::temp_path("magic.bin")};
  model.save(file.path);
  std::string bytes = read_bytes(file.path);
  bytes[7] = '2';
  write_bytes(file.path, bytes);
  check_error([&] { model.load(file.path); }, {"not a descent model file", "DESCENT2", file.path.filename().string()});
}

BOOST_AUTO_TEST_CASE(every_truncation_is_rejected_and_leaves_the_model_unchanged) {
  models::SoftmaxRegression saved(2, 2), model(2, 2);
  fill_awkward(saved.parameters());
  model.weights().value().setConstant(7.0);
  RemoveOnExit file{test_models::temp_path("truncated.bin")};
  saved.save(file.path);
  const std::string bytes = read_bytes(file.path);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    write_bytes(file.path, bytes.substr(0, n));
    check_error([&] { model.load(file.path); }, {"truncated", file.path.filename().string()});
  }
  BOOST_TEST((model.weights().value() == 7.0).all());
}

BOOST_AUTO_TEST_CASE(trailing_bytes_are_rejected) {
  models::BigramModel model;
  RemoveOnExit file{test_models::temp_path("trailing.bin")};
  model.save(file.path);
  write_bytes(file.path, read_bytes(file.path) + "x");
  check_error([&] { model.load(file.path); }, {"has 1 byte after its last parameter"});
}

BOOST_AUTO_TEST_CASE(messages_count_bytes_grammatically) {
  models::BigramModel model;
  RemoveOnExit file{test_models::temp_path("grammar.bin")};
  model.save(file.path);
  const std::string bytes = read_bytes(file.path);
  write_bytes(file.path, bytes + "xy");
  check_error([&] { model.load(file.path); }, {"has 2 bytes after its last parameter"});
  autodiff::Parameter w(Array::Constant(1, 1, 1.0), "w");
  models::save_parameters(file.path, {&w});
  write_bytes(file.path, read_bytes(file.path).substr(0, 42));  // one byte of the value is left
  check_error([&] { models::load_parameters(file.path, {&w}); }, {"(8 bytes needed, 1 byte left)"});
}

BOOST_AUTO_TEST_CASE(a_folder_given_as_the_file_is_a_model_file_error) {
  models::BigramModel model;
  const auto dir = test_models::temp_path("a_folder.bin");
  std::filesystem::create_directories(dir);
  check_error([&] { model.load(dir); }, {"load_parameters", dir.string(), "is a folder"});
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_device_or_a_fifo_is_refused_without_reading_it) {
  models::BigramModel model;
  // /dev/zero never ends: reading it whole grew without bound.
  check_error([&] { model.load("/dev/zero"); }, {"/dev/zero", "not a regular file"});
  // A FIFO without a writer: opening it for reading used to wait forever.
  const auto fifo = test_models::temp_path("model.fifo");
  std::filesystem::remove(fifo);
  BOOST_TEST_REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  check_error([&] { model.load(fifo); }, {"model.fifo", "not a regular file"});
  std::filesystem::remove(fifo);
}

BOOST_AUTO_TEST_CASE(a_huge_declared_name_length_is_refused_before_reading) {
  models::BigramModel model;
  RemoveOnExit file{test_models::temp_path("huge_name.bin")};
  model.save(file.path);
  std::string bytes = read_bytes(file.path);
  bytes.replace(16, 8, std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8));  // the first name's length
  write_bytes(file.path, bytes);
  check_error([&] { model.load(file.path); }, {"truncated", "while reading a parameter name"});
}

BOOST_AUTO_TEST_CASE(a_failed_save_leaves_the_previous_file_whole) {
  models::SoftmaxRegression saved(20, 10), other(20, 10), loaded(20, 10);
  fill_awkward(saved.parameters());
  RemoveOnExit file{test_models::temp_path("atomic.bin")};
  saved.save(file.path);
  const std::string before = read_bytes(file.path);
  BOOST_TEST_REQUIRE(before.size() > 1024u);
  // A file-size limit makes the write fail part-way, as a full disk does (as root too).
  ::signal(SIGXFSZ, SIG_IGN);
  rlimit old_limit{};
  BOOST_TEST_REQUIRE(getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  rlimit small = old_limit;
  small.rlim_cur = 1024;
  BOOST_TEST_REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  bool threw = false;
  try {
    other.save(file.path);
  } catch (const ModelFileError& e) {
    threw = std::string(e.what()).find("save_parameters: cannot write " + file.path.string()) != std::string::npos;
    BOOST_TEST_MESSAGE(e.what());
  }
  setrlimit(RLIMIT_FSIZE, &old_limit);
  BOOST_TEST(threw);
  BOOST_TEST(read_bytes(file.path) == before);
  loaded.load(file.path);
  BOOST_TEST(bit_equal(loaded.weights().value(), saved.weights().value()));
  // The temporary file is gone: only the model file is left in the folder.
  for (const auto& entry : std::filesystem::directory_iterator(file.path.parent_path())) {
    BOOST_TEST(!entry.path().filename().string().starts_with("." + file.path.filename().string() + ".tmp"),
               entry.path());
  }
}

BOOST_AUTO_TEST_CASE(saving_over_a_file_keeps_its_permissions) {
  models::BigramModel model;
  RemoveOnExit file{test_models::temp_path("mode.bin")};
  model.save(file.path);
  std::filesystem::permissions(file.path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                              std::filesystem::perms::group_read);
  model.save(file.path);
  const auto mode = std::filesystem::status(file.path).permissions() & std::filesystem::perms::all;
  BOOST_TEST(unsigned(mode) == 0640u);
}

BOOST_AUTO_TEST_CASE(a_parameter_count_mismatch_names_both_counts) {
  models::Mlp two_layers({3, 4, 2}, models::Activation::tanh, 0);
  models::Mlp three_layers({3, 4, 4, 2}, models::Activation::tanh, 0);
  RemoveOnExit file{test_models::temp_path("count.bin")};
  two_layers.save(file.path);
  check_error([&] { three_layers.load(file.path); }, {"holds 4 parameters, the model has 6"});
}

BOOST_AUTO_TEST_CASE(a_name_mismatch_names_both_names_and_leaves_the_model_unchanged) {
  // A logistic regression file read as a bigram table: same count, other name.
  models::LogisticRegression logistic(2);
  autodiff::Parameter other(Array::Zero(27, 27), "weights");
  RemoveOnExit file{test_models::temp_path("name.bin")};
  models::save_parameters(file.path, {&other});
  models::BigramModel bigram;
  bigram.table().value().setConstant(2.0);
  check_error([&] { bigram.load(file.path); }, {"parameter 0 is named 'weights' in the file, 'table' in the model"});
  BOOST_TEST((bigram.table().value() == 2.0).all());
}

BOOST_AUTO_TEST_CASE(a_shape_mismatch_names_both_shapes) {
  models::SoftmaxRegression four_by_three(4, 3), four_by_two(4, 2);
  RemoveOnExit file{test_models::temp_path("shape.bin")};
  four_by_three.save(file.path);
  check_error([&] { four_by_two.load(file.path); }, {"parameter 0 ('weight') is 4x3 in the file, 4x2 in the model"});
}

BOOST_AUTO_TEST_CASE(an_unwritable_path_is_reported) {
  models::BigramModel model;
  const auto dir = test_models::temp_path("no_such_dir");
  check_error([&] { model.save(dir / "model.bin"); }, {"cannot write"});
}

BOOST_AUTO_TEST_CASE(a_null_parameter_in_the_list_is_refused_naming_its_position) {
  autodiff::Parameter p(1.0, "p");
  RemoveOnExit file{test_models::temp_path("null_list")};
  for (auto call : {+[](const std::filesystem::path& f, const autodiff::ParameterList& l) { models::save_parameters(f, l); },
                    +[](const std::filesystem::path& f, const autodiff::ParameterList& l) { models::load_parameters(f, l); }}) {
    try {
      call(file.path, {&p, nullptr});
      BOOST_ERROR("no exception for a null pointer in the list");
    } catch (const std::invalid_argument& e) {
      BOOST_TEST(std::string(e.what()).find("parameter 1 of the list is a null pointer") != std::string::npos, e.what());
    }
  }
}

// A float model's file is the same format (its values written as doubles, exactly):
// it reads back bit-exact into a float model, and into a double model as the same
// numbers; a double model's file converts into a float model as cast<float>() would.
BOOST_AUTO_TEST_CASE(a_float_model_saves_and_loads_bit_exact_and_converts_to_and_from_double) {
  models::f32::Mlp saved({3, 4, 2}, models::Activation::tanh, 1), loaded({3, 4, 2}, models::Activation::tanh, 2);
  models::Mlp wide({3, 4, 2}, models::Activation::tanh, 3);
  RemoveOnExit file{test_models::temp_path("float_mlp")};
  saved.save(file.path);
  loaded.load(file.path);
  wide.load(file.path);
  for (std::size_t q = 0; q < saved.parameters().size(); ++q) {
    const autodiff::f32::Array& a = saved.parameters()[q]->value();
    BOOST_TEST(std::memcmp(a.data(), loaded.parameters()[q]->value().data(), std::size_t(a.size()) * sizeof(float)) == 0);
    BOOST_TEST((wide.parameters()[q]->value() == a.cast<double>()).all());
  }
  fill_awkward(wide.parameters());
  wide.save(file.path);
  loaded.load(file.path);
  for (std::size_t q = 0; q < wide.parameters().size(); ++q) {
    BOOST_TEST((loaded.parameters()[q]->value() == wide.parameters()[q]->value().cast<float>()).all());
  }
}

// {&w, &b} would also fit the other scalar type's ParameterList (std::vector's
// iterator-pair constructor); the initializer_list overloads keep the call unambiguous.
BOOST_AUTO_TEST_CASE(save_and_load_take_a_braced_list_of_two_parameters_of_either_scalar_type) {
  autodiff::Parameter w(Array::Constant(2, 1, 1.5), "w"), b(Array::Constant(1, 1, -2.0), "b");
  RemoveOnExit file{test_models::temp_path("braced.bin")};
  models::save_parameters(file.path, {&w, &b});
  autodiff::Parameter w2(Array::Zero(2, 1), "w"), b2(Array::Zero(1, 1), "b");
  models::load_parameters(file.path, {&w2, &b2});
  BOOST_TEST((w2.value() == 1.5).all());
  BOOST_TEST(b2.value()(0) == -2.0);
  autodiff::f32::Parameter wf(Eigen::ArrayXXf::Zero(2, 1), "w"), bf(Eigen::ArrayXXf::Zero(1, 1), "b");
  models::load_parameters(file.path, {&wf, &bf});
  BOOST_TEST((wf.value() == 1.5f).all());
  BOOST_TEST(bf.value()(0) == -2.0f);
}
