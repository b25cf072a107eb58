// SPDX-License-Identifier: MIT
// Tests of read_csv: the accepted variations of the format, every error with
// the file, line and column it names, and the project's data/metrics.csv.
#define BOOST_TEST_MODULE csv
#include <boost/test/unit_test.hpp>

#include "datasets/csv.hpp"
#include "helpers.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

using datasets::read_csv;
using datasets::Table;
using datasets_test::contains;
using datasets_test::data_error_message;

namespace {

Table parse(const std::string& text) {
  std::istringstream in(text);
  return read_csv(in, "test.csv");
}

std::string error_of(const std::string& text) {
  return data_error_message([&] { parse(text); });
}

}  // namespace

BOOST_AUTO_TEST_CASE(reads_named_columns_in_header_order) {
  const Table t = parse("a,b\n1,2\n3,4.5\n-6,1e-3\n");
  BOOST_TEST(t.names == (std::vector<std::string>{"a", "b"}), boost::test_tools::per_element());
  BOOST_TEST(t.rows() == 3);
  BOOST_TEST(t.column("a")[0] == 1.0);
  BOOST_TEST(t.column("a")[1] == 3.0);
  BOOST_TEST(t.column("a")[2] == -6.0);
  BOOST_TEST(t.column("b")[1] == 4.5);
  BOOST_TEST(t.column("b")[2] == 1e-3);
}

BOOST_AUTO_TEST_CASE(crlf_endings_and_a_missing_final_newline_read_like_lf) {
  const Table lf = parse("x,y\n1,2\n3,4\n");
  const Table crlf = parse("x,y\r\n1,2\r\n3,4");
  BOOST_TEST(crlf.names == lf.names, boost::test_tools::per_element());
  BOOST_TEST(crlf.rows() == 2);
  BOOST_TEST((crlf.column("y") == lf.column("y")).all());
  BOOST_TEST((crlf.column("x") == lf.column("x")).all());
}

BOOST_AUTO_TEST_CASE(spaces_around_cells_and_names_are_ignored) {
  const Table t = parse(" n , duration \n 3 ,\t0.25\n+7,  8 \n");
  BOOST_TEST(t.names == (std::vector<std::string>{"n", "duration"}), boost::test_tools::per_element());
  BOOST_TEST(t.column("n")[0] == 3.0);
  BOOST_TEST(t.column("n")[1] == 7.0);
  BOOST_TEST(t.column("duration")[0] == 0.25);
  BOOST_TEST(t.column("duration")[1] == 8.0);
}

BOOST_AUTO_TEST_CASE(blank_lines_at_the_end_are_ignored) {
  const Table t = parse("a\n1\n2\n\n  \r\n");
  BOOST_TEST(t.rows() == 2);
}

BOOST_AUTO_TEST_CASE(a_blank_line_before_more_data_is_an_error_naming_its_line) {
  const auto msg = error_of("a\n1\n\n2\n");
  BOOST_TEST(contains(msg, "test.csv"));
  BOOST_TEST(contains(msg, "line 3 is blank"));
  BOOST_TEST(contains(msg, "line 4"));
}

BOOST_AUTO_TEST_CASE(the_file_overload_reads_a_file_and_names_it_in_errors) {
  datasets_test::TempDir dir;
  const auto good = dir / "good.csv";
  std::ofstream(good) << "u,v\n1,2\n";
  BOOST_TEST(read_csv(good).column("v")[0] == 2.0);

  const auto bad = dir / "bad.csv";
  std::ofstream(bad) << "u,v\n1,x\n";
  const auto msg = data_error_message([&] { read_csv(bad); });
  BOOST_TEST(contains(msg, bad.string()));
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_error_naming_it) {
  datasets_test::TempDir dir;
  const auto missing = dir / "missing.csv";
  const auto msg = data_error_message([&] { read_csv(missing); });
  BOOST_TEST(contains(msg, "cannot open"));
  BOOST_TEST(contains(msg, missing.string()));
}

BOOST_AUTO_TEST_CASE(a_folder_given_as_the_file_is_an_error_naming_it) {
  datasets_test::TempDir dir;
  const auto msg = data_error_message([&] { read_csv(dir.path()); });
  BOOST_TEST(contains(msg, "cannot open"));
  BOOST_TEST(contains(msg, "it is a folder"));
}

BOOST_AUTO_TEST_CASE(an_empty_file_is_an_error_saying_there_is_no_header) {
  const auto msg = error_of("");
  BOOST_TEST(contains(msg, "test.csv is empty"));
  BOOST_TEST(contains(msg, "no header"));
}

BOOST_AUTO_TEST_CASE(a_header_without_data_rows_is_an_error) {
  const auto msg = error_of("n,duration\n");
  BOOST_TEST(contains(msg, "test.csv"));
  BOOST_TEST(contains(msg, "no data rows"));
}

BOOST_AUTO_TEST_CASE(a_non_numeric_cell_is_quoted_with_its_line_and_column) {
  const auto msg = error_of("n,duration\n1,2\n3,abc\n");
  BOOST_TEST(contains(msg, "test.csv line 3"));
  BOOST_TEST(contains(msg, "column 'duration'"));
  BOOST_TEST(contains(msg, "'abc' is not a number"));
}

BOOST_AUTO_TEST_CASE(a_number_followed_by_text_is_not_a_number) {
  const auto msg = error_of("n\n12kg\n");
  BOOST_TEST(contains(msg, "'12kg' is not a number"));
}

BOOST_AUTO_TEST_CASE(an_empty_cell_is_an_error_with_its_line_and_column) {
  const auto msg = error_of("n,duration\n1,2\n , 3\n");
  BOOST_TEST(contains(msg, "line 3"));
  BOOST_TEST(contains(msg, "column 'n'"));
  BOOST_TEST(contains(msg, "empty cell"));
}

BOOST_AUTO_TEST_CASE(a_row_with_the_wrong_number_of_cells_says_expected_and_got) {
  const auto too_many = error_of("a,b\n1,2\n3,4,5\n");
  BOOST_TEST(contains(too_many, "line 3"));
  BOOST_TEST(contains(too_many, "expected 2 cells"));
  BOOST_TEST(contains(too_many, "got 3"));
  const auto too_few = error_of("a,b\n1\n");
  BOOST_TEST(contains(too_few, "line 2"));
  BOOST_TEST(contains(too_few, "got 1"));
}

BOOST_AUTO_TEST_CASE(a_duplicated_column_name_is_an_error) {
  const auto msg = error_of("a,b,a\n1,2,3\n");
  BOOST_TEST(contains(msg, "line 1"));
  BOOST_TEST(contains(msg, "'a' appears twice"));
}

BOOST_AUTO_TEST_CASE(an_empty_column_name_is_an_error) {
  const auto msg = error_of("a,,c\n1,2,3\n");
  BOOST_TEST(contains(msg, "column 2 has an empty name"));
}

BOOST_AUTO_TEST_CASE(asking_for_an_unknown_column_lists_the_columns_there_are) {
  const Table t = parse("n,duration\n1,2\n");
  const auto msg = data_error_message([&] { t.column("x"); });
  BOOST_TEST(contains(msg, "no column 'x'"));
  BOOST_TEST(contains(msg, "n, duration"));
  BOOST_TEST(contains(msg, "test.csv"));
}

BOOST_AUTO_TEST_CASE(nan_and_infinities_are_rejected_with_line_and_column) {
  for (const std::string cell : {"nan", "NaN", "inf", "-inf", "infinity"}) {
    const auto msg = error_of("a,b\n1,2\n3," + cell + "\n");
    BOOST_TEST(contains(msg, "line 3"), cell);
    BOOST_TEST(contains(msg, "column 'b'"), cell);
    BOOST_TEST(contains(msg, "not finite"), cell);
  }
}

BOOST_AUTO_TEST_CASE(a_number_beyond_the_range_of_double_is_rejected) {
  const auto msg = error_of("a\n1e999\n");
  BOOST_TEST(contains(msg, "'1e999'"));
  BOOST_TEST(contains(msg, "out of the range"));
}

BOOST_AUTO_TEST_CASE(the_project_metrics_file_has_776_integer_rows_of_n_and_duration) {
  const Table t = read_csv(std::filesystem::path(DESCENT_DATA_DIR) / "metrics.csv");
  BOOST_TEST(t.names == (std::vector<std::string>{"n", "duration"}), boost::test_tools::per_element());
  BOOST_TEST(t.rows() == 776);
  for (const auto& column : t.columns) {
    BOOST_TEST((column == column.floor()).all());
    BOOST_TEST((column >= 0).all());
  }
}

BOOST_AUTO_TEST_CASE(a_long_cell_is_cut_in_the_message_which_gives_its_length) {
  // A 3 MB cell used to come back whole in the message.
  const std::string cell(3'000'000, 'z');
  const auto msg = error_of("n\n" + cell + "\n");
  BOOST_TEST(msg.size() < 300u, msg.size());
  BOOST_TEST(contains(msg, "'" + std::string(40, 'z') + "'... (the first 40 of 3000000 bytes) is not a number"));
}

BOOST_AUTO_TEST_CASE(control_bytes_of_a_cell_are_escaped_in_the_message) {
  const auto msg = error_of("n\n1\x1b[2J\x07\n");
  BOOST_TEST(contains(msg, "'1\\x1b[2J\\x07' is not a number"), msg);
  BOOST_TEST(msg.find('\x1b') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_stray_carriage_return_is_visible_in_the_message) {
  // "2\r\r\n": the CRLF's CR is dropped, the other one made the cell "2" + CR, shown as '2'.
  const auto msg = error_of("n,duration\n1,2\r\r\n");
  BOOST_TEST(contains(msg, "column 'duration': '2\\r' is not a number"), msg);
}
