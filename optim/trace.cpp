// SPDX-License-Identifier: MIT
// Trace CSV output and parsing (std::from_chars: locale-independent and exact).
#include "optim/trace.hpp"

#include "io/atomic_write.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <charconv>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace optim {

namespace {

// from_chars rejects a leading '+' and does not skip spaces; the CSV we write has neither.
template <class T>
bool parse(std::string_view text, T& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

void Trace::write_csv(std::ostream& out) const {
  out << "iteration,loss\n";
  for (const TracePoint& p : points_) fmt::print(out, "{},{:.17g}\n", p.iteration, p.loss);
}

// Atomically (io/atomic_write.hpp), like every file descent writes: a run killed
// while it saves its trace leaves the previous trace whole, never half a CSV.
void Trace::write_csv(const std::string& path) const {
  std::ostringstream out;
  write_csv(out);
  io::write_atomically(path, out.view(), "Trace::write_csv");
}

Trace Trace::read_csv(std::istream& in, const std::string& source) {
  std::string line;
  if (!std::getline(in, line) || (line != "iteration,loss" && line != "iteration,loss\r")) {
    throw std::runtime_error(
        fmt::format("Trace::read_csv: {} line 1: expected the header 'iteration,loss', got '{}'", source, line));
  }
  Trace trace;
  for (std::size_t number = 2; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::size_t comma = line.find(',');
    TracePoint p;
    if (comma == std::string::npos || !parse(std::string_view(line).substr(0, comma), p.iteration) ||
        !parse(std::string_view(line).substr(comma + 1), p.loss)) {
      throw std::runtime_error(fmt::format(
          "Trace::read_csv: {} line {}: expected '<iteration>,<loss>', got '{}'", source, number, line));
    }
    trace.points_.push_back(p);
  }
  return trace;
}

Trace Trace::read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("Trace::read_csv: cannot open '{}'", path));
  return read_csv(in, "'" + path + "'");
}

}  // namespace optim
