// SPDX-License-Identifier: MIT
// Run under mpirun -np 2: the same training as tests/optim/data_parallel_test.cpp
// across processes agrees with the serial run to 1e-12, repeats bit for bit, ends
// with the same bits on every rank, and starts from rank 0's weights even when a
// rank made different ones. Exits 0 when every check holds on every rank.
#include "optim/mpi.hpp"
#include "parallel_problem.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <exception>

namespace {

int failures = 0;

void expect(bool ok, const char* what, int rank) {
  if (!ok) {
    ++failures;
    std::fprintf(stderr, "rank %d: FAILED: %s\n", rank, what);
  }
}

// Whether values are the same bits on every rank: rank 0's broadcast compared here.
bool same_on_every_rank(optim::mpi::Communicator& comm, const std::vector<autodiff::Array>& values) {
  std::vector<double> mine, root;
  for (const auto& v : values) mine.insert(mine.end(), v.data(), v.data() + v.size());
  root = mine;
  comm.broadcast(root);
  std::vector<double> differs{mine == root ? 0.0 : 1.0};
  comm.sum(differs);
  return differs[0] == 0.0;
}

}  // namespace

int main(int argc, char** argv) {
  optim::mpi::Session session(argc, argv);
  optim::mpi::Communicator comm;
  try {
    using namespace parallel_problem;
    const int rank = comm.rank();
    expect(comm.size() == 2, "runs on 2 ranks (mpirun -np 2)", rank);
    const auto serial = train(0);
    // Each rank starts from other weights: the broadcast must make them rank 0's.
    const auto one_thread = train(1, &comm, 3 + std::uint64_t(rank));
    expect(max_relative_difference(one_thread, serial) < 1e-12, "2 ranks x 1 thread agree with the serial run", rank);
    expect(same_on_every_rank(comm, one_thread), "2 ranks x 1 thread end with the same bits on every rank", rank);
    expect(bit_identical(train(1, &comm), one_thread), "2 ranks x 1 thread repeat bit for bit", rank);
    const auto two_threads = train(2, &comm);
    expect(max_relative_difference(two_threads, serial) < 1e-12, "2 ranks x 2 threads agree with the serial run", rank);
    expect(same_on_every_rank(comm, two_threads), "2 ranks x 2 threads end with the same bits on every rank", rank);
    std::vector<double> failed{double(failures)};
    comm.sum(failed);
    if (rank == 0) fmt::print("mpi_test: {} failed checks over {} ranks\n", failed[0], comm.size());
    return failed[0] == 0.0 ? 0 : 1;
  } catch (const std::exception& e) {
    optim::mpi::abort(fmt::format("mpi_test: {}", e.what()));
  }
}
