// SPDX-License-Identifier: MIT
// The examples' --data-parallel none|threads|mpi and --threads N, and what they
// choose for one process: its workers (optim::DataParallel), MPI started and
// stopped, progress printed by rank 0 alone, and an error that stops every rank.
#pragma once

#include "optim/data_parallel.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace examples {

struct ParallelFlags {
  // "none", "threads" or "mpi"; empty: "threads" when --threads is given, else "none",
  // so that a plain run prints the same numbers on every machine whatever its cores.
  std::string mode;
  // Threads per process: with "threads" the default is the hardware's count, with
  // "mpi" 1 (one process per core is MPI's usual layout).
  std::optional<std::size_t> threads;
};

// Adds --data-parallel and --threads to app.
void add_parallel_flags(CLI::App& app, ParallelFlags& flags);

class Parallel {
 public:
  // Starts MPI for "mpi" (mpirun gives the ranks) and silences stdout off rank 0.
  // Throws std::runtime_error for "mpi" in a build without MPI.
  Parallel(const ParallelFlags& flags, int& argc, char**& argv);
  ~Parallel();
  Parallel(const Parallel&) = delete;
  Parallel& operator=(const Parallel&) = delete;

  // The workers of one model's training over params, which start from rank 0's values.
  std::unique_ptr<optim::DataParallel> workers(optim::ParameterList params,
                                               optim::LossReduction reduction = optim::LossReduction::mean);
  // The sum over every process of x (x itself in one process): counts each rank made on its shards.
  double sum(double x);
  bool is_root() const { return rank_ == 0; }
  bool uses_mpi() const;
  // "1 thread", "2 threads" or "2 MPI ranks x 1 thread": for the program's first lines.
  std::string describe() const;
  // Throws std::runtime_error naming flag when it is given with --data-parallel mpi, which it does not support.
  void refuse_with_mpi(std::string_view flag, bool given) const;
  // Reports an error of program: on stderr, and returns 1; under MPI it stops every rank.
  int fail(std::string_view program, const std::exception& error);

 private:
  struct Mpi;
  std::unique_ptr<Mpi> mpi_;
  std::size_t threads_ = 1;
  int rank_ = 0, ranks_ = 1;
};

}  // namespace examples
