// SPDX-License-Identifier: MIT
// libFuzzer target: arbitrary bytes as a CSV stream. read_csv may only return
// a consistent Table or throw DataError; anything else is a finding.
#include "datasets/csv.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const datasets::Table table = datasets::read_csv(in, "fuzz.csv");
    // A Table that read_csv returns has a column per name, all of rows() values.
    if (table.names.empty() || table.columns.size() != table.names.size() || table.rows() < 1) {
      std::abort();
    }
    for (const auto& column : table.columns) {
      if (column.size() != table.rows() || !column.allFinite()) std::abort();
    }
    if (&table.column(table.names.back()) != &table.columns.back()) std::abort();
  } catch (const datasets::DataError&) {
  }
  return 0;
}
