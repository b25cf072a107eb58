// SPDX-License-Identifier: MIT
// A soak run: 1,000,000 full-batch SGD steps on the job-duration model through
// the tape, reporting resident memory and the tape's capacity after step 1,000
// and at the end. Exits 1 if the tape grew in between (it must reuse its memory).
#include "autodiff/autodiff.hpp"
#include "datasets/csv.hpp"
#include "datasets/scale.hpp"
#include "models/linear.hpp"
#include "optim/sgd.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

constexpr std::size_t kSteps = 1'000'000;
constexpr std::size_t kWarmSteps = 1'000;  // the first checkpoint: the tape has reached its size

struct Snapshot {
  long hwm_kb = -1;  // VmHWM: peak resident set size
  long rss_kb = -1;  // VmRSS: resident set size now
  std::size_t tape_bytes = 0;
  double loss = 0.0;
};

// The value in kB of one "Name:   1234 kB" line of /proc/self/status, or -1.
long status_kb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

Snapshot snapshot(double loss) {
  return {status_kb("VmHWM"), status_kb("VmRSS"), autodiff::tape().capacity().bytes(), loss};
}

void print(const char* when, const Snapshot& s) {
  fmt::print("{:<16} VmHWM {:>7} kB   VmRSS {:>7} kB   tape capacity {:>8} bytes   loss {:.9g}\n", when, s.hwm_kb,
             s.rss_kb, s.tape_bytes, s.loss);
}

}  // namespace

int main(int argc, char** argv) try {
  const std::filesystem::path file =
      argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::path(DESCENT_SOURCE_DIR) / "data" / "metrics.csv";

  // Data as the job_duration example has it: n and duration scaled to [0, 1].
  const datasets::Table table = datasets::read_csv(file);
  const Eigen::ArrayXd& n = table.column("n");
  const Eigen::ArrayXd& duration = table.column("duration");
  const autodiff::Constant x(datasets::fit_min_max(n, "n").apply(n));
  const autodiff::Constant y(datasets::fit_min_max(duration, "duration").apply(duration));

  models::LinearModel model(-1.0, 1.0);
  optim::SGD sgd(model.parameters(), {.lr = 1e-3});
  fmt::print("soak_bench: {} rows of {}, {} full-batch SGD steps (lr {:g})\n", table.rows(),
             file.filename().string(), kSteps, sgd.lr());

  Snapshot warm;
  double loss = 0.0;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t step = 1; step <= kSteps; ++step) {
    autodiff::tape().clear();
    sgd.zero_grad();
    const autodiff::Var l = model.loss(x, y);
    loss = l.item();
    autodiff::backward(l);
    sgd.step();
    if (step == kWarmSteps) warm = snapshot(loss);
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  const Snapshot end = snapshot(loss);

  print("after step 1000", warm);
  print("after the last", end);
  const Eigen::Array2d exact = models::least_squares(x.value().col(0), y.value().col(0));
  fmt::print("theta [{:.9g}, {:.9g}], least squares [{:.9g}, {:.9g}]\n", model.theta()(0), model.theta()(1),
             exact(0), exact(1));
  fmt::print("{} steps in {:.2f} s ({:.2f} us per step)\n", kSteps, elapsed.count(),
             1e6 * elapsed.count() / double(kSteps));
  if (!std::isfinite(loss)) {
    fmt::print("FAIL: the loss is not finite\n");
    return 1;
  }
  if (end.tape_bytes > warm.tape_bytes) {
    fmt::print("FAIL: the tape grew from {} to {} bytes after step {}\n", warm.tape_bytes, end.tape_bytes,
               kWarmSteps);
    return 1;
  }
  fmt::print("OK: the tape capacity did not grow after step {}\n", kWarmSteps);
  return 0;
} catch (const std::exception& e) {
  fmt::print(stderr, "soak_bench: {}\n", e.what());
  return 2;
}
