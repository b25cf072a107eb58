// SPDX-License-Identifier: MIT
// The four examples' command lines (their paths are the arguments, in the order
// job_duration, two_moons, fashion_mnist, char_lm): --help, typed flags whose
// errors name the flag, and output paths checked before any training.
#define BOOST_TEST_MODULE flags
#include <boost/test/unit_test.hpp>

#include "run_program.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using test_examples::Output;

namespace {

struct Example {
  std::string name;
  std::string short_run;  // flags that make a run quick
};

const std::vector<Example>& examples() {
  static const std::vector<Example> all = {
      {"job_duration", "--optimizer gd --max-iter 50 --no-plots"},
      {"two_moons", "--epochs 2 --points 20"},
      {"fashion_mnist", "--limit 100 --epochs 1 --skip-if-missing"},
      {"char_lm", "--limit 200 --bigram-steps 2 --epochs 1 --samples 1 --skip-if-missing"},
  };
  return all;
}

Output run(std::size_t example, const std::string& args) {
  return test_examples::run_command("'" + test_examples::program_argument(int(example) + 1) + "' " + args);
}

bool contains(const Output& out, const std::string& words) { return out.text.find(words) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(every_example_prints_its_flags_with_help) {
  for (std::size_t k = 0; k < examples().size(); ++k) {
    const Output out = run(k, "--help");
    BOOST_TEST(out.status == 0, examples()[k].name << ": " << out.text);
    BOOST_TEST(contains(out, "--out"), examples()[k].name << ": " << out.text);
    BOOST_TEST(contains(out, "Usage: " + examples()[k].name), examples()[k].name << ": " << out.text);
  }
}

BOOST_AUTO_TEST_CASE(an_unknown_flag_is_refused_naming_it_in_every_example) {
  for (std::size_t k = 0; k < examples().size(); ++k) {
    const Output out = run(k, "--learning-rate 3");
    BOOST_TEST(out.status == 2, examples()[k].name << ": " << out.text);
    BOOST_TEST(contains(out, "--learning-rate"), examples()[k].name << ": " << out.text);
  }
}

BOOST_AUTO_TEST_CASE(a_number_with_trailing_text_is_refused_naming_the_flag) {
  const Output out = run(0, "--lr 1e-3xyz --no-plots");
  BOOST_TEST(out.status == 2, out.text);
  BOOST_TEST(contains(out, "--lr"), out.text);
  BOOST_TEST(contains(out, "'1e-3xyz'"), out.text);
}

BOOST_AUTO_TEST_CASE(a_negative_count_is_refused_rather_than_wrapped) {
  const Output out = run(0, "--max-iter -1 --no-plots");
  BOOST_TEST(out.status == 2, out.text);
  BOOST_TEST(contains(out, "--max-iter"), out.text);
  BOOST_TEST(contains(out, "'-1'"), out.text);
}

BOOST_AUTO_TEST_CASE(a_non_numeric_value_is_refused_naming_the_flag_and_the_value) {
  for (const auto& [example, args] : std::vector<std::pair<std::size_t, std::string>>{
           {1, "--epochs many"}, {2, "--batch 12x"}, {3, "--samples -3"}, {0, "--tol abc"}}) {
    const Output out = run(example, args);
    BOOST_TEST(out.status == 2, args << ": " << out.text);
    BOOST_TEST(contains(out, args.substr(0, args.find(' '))), args << ": " << out.text);
    BOOST_TEST(contains(out, "'" + args.substr(args.find(' ') + 1) + "'"), args << ": " << out.text);
  }
}

BOOST_AUTO_TEST_CASE(an_out_folder_that_cannot_be_created_stops_every_example_before_training) {
  const fs::path dir = test_examples::scratch("descent_flags_");
  std::ofstream(dir / "a_file") << "in the way\n";
  const fs::path out_dir = dir / "a_file" / "out";
  for (std::size_t k = 0; k < examples().size(); ++k) {
    const Output out = run(k, examples()[k].short_run + " --out '" + out_dir.string() + "'");
    BOOST_TEST(out.status == 1, examples()[k].name << ": " << out.text);
    BOOST_TEST(contains(out, "--out " + out_dir.string()), examples()[k].name << ": " << out.text);
    // Nothing was trained: no loss line, no epoch line.
    BOOST_TEST(!contains(out, "loss"), examples()[k].name << ": " << out.text);
    BOOST_TEST(!contains(out, "epoch"), examples()[k].name << ": " << out.text);
  }
  fs::remove_all(dir);
}

// --dtype float32 trains on one thread without checkpoints so far: the two examples
// that take it refuse those flags by name before loading any data.
BOOST_AUTO_TEST_CASE(float32_refuses_checkpoints_and_data_parallelism_naming_the_flag) {
  for (const std::size_t k : {std::size_t(2), std::size_t(3)}) {
    const std::string base = "--dtype float32 " + examples()[k].short_run;
    const Output threads = run(k, base + " --threads 2");
    BOOST_TEST(threads.status == 1, examples()[k].name << ": " << threads.text);
    BOOST_TEST(contains(threads, "--dtype float32 does not support --data-parallel and --threads yet"),
               examples()[k].name << ": " << threads.text);
    const Output checkpoint = run(k, base + " --checkpoint flags_test_float32.ckpt");
    BOOST_TEST(checkpoint.status == 1, examples()[k].name << ": " << checkpoint.text);
    BOOST_TEST(contains(checkpoint, "--dtype float32 does not support --checkpoint yet"),
               examples()[k].name << ": " << checkpoint.text);
    BOOST_TEST(!fs::exists("flags_test_float32.ckpt"));
    const Output wrong = run(k, "--dtype float16");
    BOOST_TEST(wrong.status == 2, examples()[k].name << ": " << wrong.text);
    BOOST_TEST(contains(wrong, "--dtype"), examples()[k].name << ": " << wrong.text);
  }
}
