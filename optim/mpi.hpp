// SPDX-License-Identifier: MIT
// optim::Communicator over MPI (MPI_COMM_WORLD), for DataParallel across processes
// and machines. Built, as the library descent_mpi, only when meson finds MPI
// (-Dmpi=auto); this header does not include <mpi.h>, so its users need MPI's
// library at link time only.
#pragma once

#include "data_parallel.hpp"

#include <string>
#include <vector>

namespace optim::mpi {

// RAII: MPI_Init in the constructor, MPI_Finalize in the destructor. One per program.
class Session {
 public:
  Session(int& argc, char**& argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

// The processes of MPI_COMM_WORLD. sum() gathers every process's data and adds
// it in rank order on each process (MPI_Allgather, not MPI_Allreduce, whose order
// of addition MPI leaves open), so every process gets the same bits on every run.
class Communicator final : public optim::Communicator {
 public:
  Communicator();  // needs a Session
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(std::vector<double>& data) override;
  void broadcast(std::vector<double>& data) override;

 private:
  int rank_ = 0, size_ = 1;
  std::vector<double> gathered_;
};

// Prints message on stderr, prefixed with this process's rank, and stops every
// process of the run (MPI_Abort with code), so that an error on one rank never
// leaves the others waiting.
[[noreturn]] void abort(const std::string& message, int code = 1);

}  // namespace optim::mpi
