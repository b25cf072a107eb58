// SPDX-License-Identifier: MIT
// The trace CSV: header, full precision, exact round trip through a stream and a
// file, and errors that name the line.
#define BOOST_TEST_MODULE trace
#include <boost/test/unit_test.hpp>

#include "optim/trace.hpp"

#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

optim::Trace sample() {
  optim::Trace t;
  t.record(0, 1.0 / 3.0);
  t.record(1, 0.1);
  t.record(100, 2.2250738585072014e-308);
  t.record(200, 123456789.98765432);
  t.record(12345, std::nextafter(1.0, 2.0));
  return t;
}

auto has(const std::string& text) {
  return [text](const std::exception& e) { return std::string(e.what()).find(text) != std::string::npos; };
}

}  // namespace

BOOST_AUTO_TEST_CASE(csv_has_the_header_and_seventeen_digits) {
  std::ostringstream out;
  sample().write_csv(out);
  const std::string text = out.str();
  BOOST_TEST(text.rfind("iteration,loss\n0,0.33333333333333331\n1,0.10000000000000001\n", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(csv_round_trips_exactly_through_a_stream) {
  std::stringstream io;
  sample().write_csv(io);
  const optim::Trace back = optim::Trace::read_csv(io);
  BOOST_TEST(back.size() == sample().size());
  BOOST_TEST((back == sample()));
}

BOOST_AUTO_TEST_CASE(csv_round_trips_exactly_through_a_file) {
  const auto path = std::filesystem::temp_directory_path() / "descent_optim_trace_test.csv";
  sample().write_csv(path.string());
  const optim::Trace back = optim::Trace::read_csv(path.string());
  std::filesystem::remove(path);
  BOOST_TEST((back == sample()));
}

BOOST_AUTO_TEST_CASE(malformed_csv_throws_naming_the_line) {
  std::istringstream bad_header("step,value\n1,2\n");
  BOOST_CHECK_EXCEPTION(optim::Trace::read_csv(bad_header), std::runtime_error,
                        has("line 1: expected the header 'iteration,loss', got 'step,value'"));
  std::istringstream bad_row("iteration,loss\n0,1.5\n1;0.5\n");
  BOOST_CHECK_EXCEPTION(optim::Trace::read_csv(bad_row), std::runtime_error,
                        has("trace line 3: expected '<iteration>,<loss>', got '1;0.5'"));
  BOOST_CHECK_EXCEPTION(optim::Trace::read_csv(std::string("no/such/dir/trace.csv")), std::runtime_error,
                        has("cannot open 'no/such/dir/trace.csv'"));
}

BOOST_AUTO_TEST_CASE(writing_a_trace_where_it_cannot_go_throws_and_leaves_no_file) {
  BOOST_CHECK_EXCEPTION(sample().write_csv(std::string("no/such/dir/trace.csv")), std::runtime_error,
                        has("Trace::write_csv"));
  BOOST_TEST(!std::filesystem::exists("no/such/dir/trace.csv"));
}

BOOST_AUTO_TEST_CASE(writing_a_trace_replaces_the_file_whole_and_leaves_no_temporary) {
  const auto dir = std::filesystem::temp_directory_path() / "descent_optim_trace_atomic";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  optim::Trace longer = sample();
  longer.record(20000, 4.0);
  longer.write_csv((dir / "trace.csv").string());
  sample().write_csv((dir / "trace.csv").string());
  BOOST_TEST((optim::Trace::read_csv((dir / "trace.csv").string()) == sample()));
  BOOST_TEST(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()) == 1);
  std::filesystem::remove_all(dir);
}
