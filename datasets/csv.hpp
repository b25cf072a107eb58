// SPDX-License-Identifier: MIT
// A reader for numeric CSV files: a header line of column names, then rows of
// numbers separated by commas. No quoting: every cell must be a finite number.
#pragma once

#include "error.hpp"

#include <Eigen/Core>

#include <filesystem>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace datasets {

// The columns of a CSV file, in header order, each as long as the file has rows.
struct Table {
  std::string source;               // file name (or the name given for a stream), for messages
  std::vector<std::string> names;   // column names, in header order
  std::vector<Eigen::ArrayXd> columns;

  // The column called name; throws DataError listing the columns there are.
  const Eigen::ArrayXd& column(std::string_view name) const;
  // Number of data rows (the header is not a row).
  Eigen::Index rows() const;
};

// Reads a CSV file. Accepts LF or CRLF line endings, a missing final newline,
// spaces or tabs around cells and blank lines at the end of the file.
// Throws DataError naming the file, the line (header = line 1) and the column.
Table read_csv(const std::filesystem::path& file);

// The same, from a stream; source_name stands for the file in messages.
Table read_csv(std::istream& in, std::string_view source_name);

}  // namespace datasets
