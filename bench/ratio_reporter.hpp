// SPDX-License-Identifier: MIT
// A console reporter that, after the usual table, prints each tape benchmark's
// time divided by its hand-written twin's from the same run: the machine is
// noisy, so ratios measured side by side mean more than absolute times.
#pragma once

#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <map>
#include <string>

namespace bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  // Pairs benchmarks whose names differ only in `tape` vs `baseline` prefixes;
  // compares CPU time when cpu_time, else wall-clock time.
  RatioReporter(std::string tape, std::string baseline, bool cpu_time = false)
      : tape_(std::move(tape)), baseline_(std::move(baseline)), cpu_time_(cpu_time) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration && run.aggregate_name != "median") continue;
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") continue;
      times_[run.run_name.str()] = cpu_time_ ? run.GetAdjustedCPUTime() : run.GetAdjustedRealTime();
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    fmt::print("\nratio of {} time (tape / hand-written, same run):\n", cpu_time_ ? "CPU" : "real");
    for (const auto& [name, time] : times_) {
      if (name.rfind(tape_, 0) != 0) continue;
      const std::string twin = baseline_ + name.substr(tape_.size());
      auto it = times_.find(twin);
      if (it != times_.end()) fmt::print("  {:<40} {:6.2f}\n", name.substr(tape_.size()), time / it->second);
    }
  }

 private:
  std::string tape_, baseline_;
  bool cpu_time_;
  std::map<std::string, double> times_;
};

}  // namespace bench
