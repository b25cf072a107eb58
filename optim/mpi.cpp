// SPDX-License-Identifier: MIT
#include "optim/mpi.hpp"

#include <fmt/format.h>
// The C API is all this uses; Open MPI's deprecated C++ bindings only add warnings.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace optim::mpi {

namespace {

void check(int code, const char* call) {
  if (code != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw std::runtime_error(fmt::format("{} failed: {}", call, std::string(text, std::size_t(length))));
  }
}

}  // namespace

Session::Session(int& argc, char**& argv) { check(MPI_Init(&argc, &argv), "MPI_Init"); }

Session::~Session() { MPI_Finalize(); }

Communicator::Communicator() {
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
}

void Communicator::sum(std::vector<double>& data) {
  if (size_ == 1) return;
  const std::size_t n = data.size();
  // Every rank must send the same count, or the gather would mix up the pieces.
  // One reduction gives the largest count and (negated) the smallest.
  long long counts[2] = {(long long)n, -(long long)n}, extremes[2] = {0, 0};
  check(MPI_Allreduce(counts, extremes, 2, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
  if (extremes[0] != -extremes[1]) {
    throw std::runtime_error(fmt::format("mpi::Communicator::sum: rank {} has {} numbers but another rank has {}",
                                         rank_, n, (long long)n == extremes[0] ? -extremes[1] : extremes[0]));
  }
  gathered_.resize(n * std::size_t(size_));
  check(MPI_Allgather(data.data(), int(n), MPI_DOUBLE, gathered_.data(), int(n), MPI_DOUBLE, MPI_COMM_WORLD),
        "MPI_Allgather");
  for (std::size_t i = 0; i < n; ++i) {
    double s = gathered_[i];
    for (std::size_t r = 1; r < std::size_t(size_); ++r) s += gathered_[r * n + i];
    data[i] = s;
  }
}

void Communicator::broadcast(std::vector<double>& data) {
  if (size_ == 1) return;
  check(MPI_Bcast(data.data(), int(data.size()), MPI_DOUBLE, 0, MPI_COMM_WORLD), "MPI_Bcast");
}

void abort(const std::string& message, int code) {
  int rank = 0, initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fprintf(stderr, "rank %d: %s\n", rank, message.c_str());
  std::fflush(stderr);
  if (initialized) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

}  // namespace optim::mpi
