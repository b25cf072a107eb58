// SPDX-License-Identifier: MIT
// What a descent run recorded: (iteration, loss) pairs, written to and read from
// CSV with an "iteration,loss" header and losses at full precision ({:.17g}).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace optim {

struct TracePoint {
  std::size_t iteration = 0;
  double loss = 0.0;
  bool operator==(const TracePoint&) const = default;
};

class Trace {
 public:
  void record(std::size_t iteration, double loss) { points_.push_back({iteration, loss}); }
  const std::vector<TracePoint>& points() const { return points_; }
  std::size_t size() const { return points_.size(); }
  bool empty() const { return points_.empty(); }
  const TracePoint& back() const { return points_.back(); }
  bool operator==(const Trace&) const = default;

  // "iteration,loss" then one line per point; 17 significant digits round-trip a double.
  void write_csv(std::ostream& out) const;
  // Writes atomically (a temporary file renamed over path), so a reader never sees
  // half a trace; throws io::FileError (a std::runtime_error) naming the path.
  void write_csv(const std::string& path) const;
  // Throws std::runtime_error naming the line (and path) of anything malformed.
  static Trace read_csv(std::istream& in, const std::string& source = "trace");
  static Trace read_csv(const std::string& path);

 private:
  std::vector<TracePoint> points_;
};

}  // namespace optim
