// SPDX-License-Identifier: MIT
// read_csv: splits lines on commas and parses each cell with std::from_chars,
// which ignores the locale, so "1.5" means 1.5 whatever LC_NUMERIC says.
#include "datasets/csv.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <string>
#include <system_error>

namespace datasets {

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

// The cells of one line, trimmed; a line without commas is one cell.
std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      cells.push_back(trim(line.substr(start)));
      return cells;
    }
    cells.push_back(trim(line.substr(start, comma - start)));
    start = comma + 1;
  }
}

// A cell as an error message shows it: control bytes escaped (\x1b, \r), so no
// byte of the file reaches the terminal raw, and at most 40 bytes of it, so a
// 3 MB cell does not become a 3 MB message.
std::string shown(std::string_view cell) {
  constexpr std::size_t kLongest = 40;
  std::string out = "'";
  for (const char c : cell.substr(0, kLongest)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
    else out += c;
  }
  out += "'";
  if (cell.size() > kLongest) out += fmt::format("... (the first {} of {} bytes)", kLongest, cell.size());
  return out;
}

// One data cell as a finite double, or a DataError naming where it is.
double parse_cell(std::string_view cell, std::string_view source, std::size_t line,
                  std::string_view column) {
  if (cell.empty()) {
    throw DataError(fmt::format("read_csv: {} line {}, column {}: empty cell", source, line,
                                shown(column)));
  }
  // from_chars has no leading '+'; accept it as people write "+1e-3".
  std::string_view digits = cell;
  if (digits.size() > 1 && digits[0] == '+' && digits[1] != '-' && digits[1] != '+') {
    digits.remove_prefix(1);
  }
  double value = 0.0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc::result_out_of_range) {
    throw DataError(fmt::format("read_csv: {} line {}, column {}: {} is out of the range of a "
                                "double", source, line, shown(column), shown(cell)));
  }
  if (ec != std::errc{} || end != digits.data() + digits.size()) {
    throw DataError(fmt::format("read_csv: {} line {}, column {}: {} is not a number", source,
                                line, shown(column), shown(cell)));
  }
  if (!std::isfinite(value)) {
    throw DataError(fmt::format("read_csv: {} line {}, column {}: {} is not finite (NaN and "
                                "infinities are rejected)", source, line, shown(column), shown(cell)));
  }
  return value;
}

// getline without the '\r' of a CRLF ending.
bool next_line(std::istream& in, std::string& line) {
  if (!std::getline(in, line)) return false;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

}  // namespace

const Eigen::ArrayXd& Table::column(std::string_view name) const {
  for (std::size_t k = 0; k < names.size(); ++k) {
    if (names[k] == name) return columns[k];
  }
  throw DataError(fmt::format("Table::column: {} has no column '{}'; its columns are: {}", source,
                              name, fmt::join(names, ", ")));
}

Eigen::Index Table::rows() const { return columns.empty() ? 0 : columns.front().size(); }

Table read_csv(const std::filesystem::path& file) {
  // An ifstream opens a folder without complaint and then reads nothing.
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw DataError(fmt::format("read_csv: cannot open '{}': it is a folder", file.string()));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError(fmt::format("read_csv: cannot open '{}'", file.string()));
  return read_csv(in, file.string());
}

Table read_csv(std::istream& in, std::string_view source_name) {
  Table table;
  table.source = std::string(source_name);
  std::string line;
  if (!next_line(in, line)) {
    throw DataError(fmt::format("read_csv: {} is empty (no header line)", source_name));
  }
  // A UTF-8 byte-order mark is an editor's artefact, not part of the first name.
  if (line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
  if (trim(line).empty()) {
    throw DataError(fmt::format("read_csv: {} line 1: the header line is blank", source_name));
  }
  for (const auto name : split(line)) {
    if (name.empty()) {
      throw DataError(fmt::format("read_csv: {} line 1: column {} has an empty name", source_name,
                                  table.names.size() + 1));
    }
    for (const auto& seen : table.names) {
      if (seen == name) {
        throw DataError(fmt::format("read_csv: {} line 1: column name {} appears twice",
                                    source_name, shown(name)));
      }
    }
    table.names.emplace_back(name);
  }

  const std::size_t width = table.names.size();
  std::vector<std::vector<double>> values(width);
  std::size_t line_number = 1;
  std::size_t blank_line = 0;  // first blank line seen; only trailing blank lines are allowed
  while (next_line(in, line)) {
    ++line_number;
    if (trim(line).empty()) {
      if (blank_line == 0) blank_line = line_number;
      continue;
    }
    if (blank_line != 0) {
      throw DataError(fmt::format("read_csv: {} line {} is blank but data follows on line {}",
                                  source_name, blank_line, line_number));
    }
    const auto cells = split(line);
    if (cells.size() != width) {
      throw DataError(fmt::format("read_csv: {} line {}: expected {} cells ({}) but got {}",
                                  source_name, line_number, width, fmt::join(table.names, ","),
                                  cells.size()));
    }
    for (std::size_t k = 0; k < width; ++k) {
      values[k].push_back(parse_cell(cells[k], source_name, line_number, table.names[k]));
    }
  }
  if (in.bad()) {
    throw DataError(fmt::format("read_csv: {}: read error after line {}", source_name,
                                line_number));
  }
  if (values.front().empty()) {
    throw DataError(fmt::format("read_csv: {} has a header ({}) but no data rows", source_name,
                                fmt::join(table.names, ",")));
  }
  for (const auto& v : values) {
    table.columns.push_back(
        Eigen::Map<const Eigen::ArrayXd>(v.data(), static_cast<Eigen::Index>(v.size())));
  }
  return table;
}

}  // namespace datasets
