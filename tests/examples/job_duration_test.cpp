// SPDX-License-Identifier: MIT
// Runs build/examples/job_duration (its path is the first argument) and checks
// what a user sees: the same trace whichever gradient drives descent, and a
// clear message with a non-zero exit for each kind of bad data file.
#define BOOST_TEST_MODULE job_duration
#include <boost/test/unit_test.hpp>

#include "run_program.hpp"

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using test_examples::Output;

namespace {

std::string program() { return test_examples::program_argument(1); }

fs::path scratch() { return test_examples::scratch("descent_job_duration_"); }

Output run(const std::string& args, bool with_stderr = true) {
  return test_examples::run_command("'" + program() + "' " + args, with_stderr);
}

fs::path write_file(const fs::path& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name) << text;
  return dir / name;
}

void expect_data_error(const std::string& csv_text, std::initializer_list<std::string> words) {
  const fs::path dir = scratch();
  const fs::path file = write_file(dir, "bad.csv", csv_text);
  const Output out = run("--no-plots --out '" + (dir / "out").string() + "' --data '" + file.string() + "'");
  BOOST_TEST(out.status == 1, "exit status " << out.status << ": " << out.text);
  for (const auto& w : words) BOOST_TEST(out.text.find(w) != std::string::npos, "'" << w << "' not in: " << out.text);
  fs::remove_all(dir);
}

}  // namespace

BOOST_AUTO_TEST_CASE(tape_and_hand_derived_gradients_print_the_same_trace_digit_for_digit) {
  const fs::path dir = scratch();
  for (const std::string runs : {"--optimizer gd --lr 1e-3", "--optimizer gd --lr 1e-5", "--optimizer sgd --lr 1e-3"}) {
    const std::string common = runs + " --no-plots --out '" + (dir / "out").string() + "'";
    const Output tape = run(common + " --gradient tape", false);
    const Output hand = run(common + " --gradient hand", false);
    BOOST_TEST(tape.status == 0);
    BOOST_TEST(hand.status == 0);
    BOOST_TEST(tape.text.find("i = 1            loss") != std::string::npos, tape.text);
    BOOST_TEST(tape.text.find("Learned parameters: [") != std::string::npos);
    BOOST_TEST(tape.text == hand.text, runs);
  }
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(the_default_run_prints_every_section_and_writes_the_traces) {
  const fs::path dir = scratch();
  const Output out = run("--no-plots --out '" + (dir / "out").string() + "'", false);
  BOOST_TEST(out.status == 0);
  for (const std::string section : {"learning rate 1e-05", "learning rate 0.001", "Stochastic gradient descent",
                                    "momentum", "Adam", "Exact least squares", "largest relative difference"}) {
    BOOST_TEST(out.text.find(section) != std::string::npos, section);
  }
  for (const std::string trace : {"gd_lr1e-05", "gd_lr0.001", "sgd_lr0.001", "momentum_lr0.0001", "adam_lr0.01"}) {
    BOOST_TEST(fs::exists(dir / "out" / (trace + ".csv")), trace);
  }
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_missing_data_file_is_named) {
  const Output out = run("--no-plots --data /nonexistent/metrics.csv");
  BOOST_TEST(out.status == 1);
  BOOST_TEST(out.text.find("/nonexistent/metrics.csv") != std::string::npos, out.text);
}

BOOST_AUTO_TEST_CASE(a_missing_column_is_named) {
  expect_data_error("n,time\n1,2\n3,4\n", {"duration"});
}

BOOST_AUTO_TEST_CASE(a_non_numeric_cell_gives_its_line) {
  expect_data_error("n,duration\n1,2\n3,abc\n5,6\n", {"line 3", "abc"});
}

BOOST_AUTO_TEST_CASE(an_empty_file_is_rejected) {
  expect_data_error("", {"empty"});
}

BOOST_AUTO_TEST_CASE(a_column_with_one_distinct_value_is_rejected) {
  expect_data_error("n,duration\n5,1\n5,2\n5,3\n", {"'n'", "single distinct value"});
}

BOOST_AUTO_TEST_CASE(a_column_whose_range_overflows_names_the_file_and_the_column) {
  expect_data_error("n,duration\n-1e308,1\n1e308,2\n0,3\n", {"bad.csv: column 'n'", "overflows a double"});
}

BOOST_AUTO_TEST_CASE(an_unknown_flag_is_named_with_a_pointer_to_help) {
  const Output out = run("--learning-rate 3");
  BOOST_TEST(out.status == 2);
  BOOST_TEST(out.text.find("--learning-rate") != std::string::npos, out.text);
  BOOST_TEST(out.text.find("job_duration --help") != std::string::npos, out.text);
}
