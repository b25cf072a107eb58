// SPDX-License-Identifier: MIT
// A console reporter that, after the usual table, prints each tape benchmark's
// CPU time divided by its hand-written twin's (and a peer library's, when one ran)
// from the same run: the machine is noisy, so ratios measured side by side mean
// more than absolute times, and CPU time is not inflated by other processes.
#pragma once

#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <map>
#include <string>

namespace bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  // Pairs benchmarks whose names differ only in `tape` vs `baseline` prefixes.
  // A `peer` prefix (e.g. "stan_") adds the ratio tape / peer for each name that has one.
  RatioReporter(std::string tape, std::string baseline, std::string peer = {})
      : tape_(std::move(tape)), baseline_(std::move(baseline)), peer_(std::move(peer)) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration && run.aggregate_name != "median") continue;
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") continue;
      times_[run.run_name.str()] = run.GetAdjustedCPUTime();
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    print_ratios(baseline_, "hand-written");
    if (!peer_.empty()) print_ratios(peer_, peer_.substr(0, peer_.size() - 1));
  }

 private:
  void print_ratios(const std::string& prefix, const std::string& label) const {
    fmt::print("\nratio of CPU times (tape / {}, same run):\n", label);
    for (const auto& [name, time] : times_) {
      if (name.rfind(tape_, 0) != 0) continue;
      auto it = times_.find(prefix + name.substr(tape_.size()));
      if (it != times_.end()) fmt::print("  {:<40} {:6.2f}\n", name.substr(tape_.size()), time / it->second);
    }
  }


  std::string tape_, baseline_, peer_;
  std::map<std::string, double> times_;
};

}  // namespace bench
