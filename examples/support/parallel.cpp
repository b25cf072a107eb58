// SPDX-License-Identifier: MIT
#include "examples/support/parallel.hpp"

#ifdef DESCENT_HAVE_MPI
#include "optim/mpi.hpp"
#endif

#include <fmt/format.h>

#include <cstdio>
#include <stdexcept>
#include <thread>

namespace examples {

#ifdef DESCENT_HAVE_MPI
struct Parallel::Mpi {
  optim::mpi::Session session;
  optim::mpi::Communicator communicator;
  Mpi(int& argc, char**& argv) : session(argc, argv) {}
};
#else
struct Parallel::Mpi {};
#endif

void add_parallel_flags(CLI::App& app, ParallelFlags& flags) {
  app.add_option("--data-parallel", flags.mode,
                 "split each batch over threads or MPI processes (default: threads when --threads is given, else none)")
      ->check(CLI::IsMember({"none", "threads", "mpi"}));
  app.add_option_function<std::size_t>(
         "--threads", [&flags](const std::size_t& n) { flags.threads = n; },
         "worker threads per process (default: the hardware's count; 1 with --data-parallel mpi)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
}

Parallel::Parallel(const ParallelFlags& flags, int& argc, char**& argv) {
  const std::string mode = !flags.mode.empty() ? flags.mode : flags.threads ? "threads" : "none";
  if (mode == "none") {
    threads_ = 1;
  } else if (mode == "threads") {
    threads_ = flags.threads.value_or(std::max(1u, std::thread::hardware_concurrency()));
  } else {
#ifdef DESCENT_HAVE_MPI
    mpi_ = std::make_unique<Mpi>(argc, argv);
    rank_ = mpi_->communicator.rank();
    ranks_ = mpi_->communicator.size();
    threads_ = flags.threads.value_or(1);
    // Rank 0 alone prints progress; every rank still reports its own errors on stderr.
    if (rank_ != 0 && !std::freopen("/dev/null", "w", stdout)) {
      throw std::runtime_error("--data-parallel mpi: cannot silence the output of a rank other than 0");
    }
#else
    (void)argc;
    (void)argv;
    throw std::runtime_error("--data-parallel mpi: this build has no MPI (install libopenmpi-dev and reconfigure "
                             "with meson setup --reconfigure -Dmpi=enabled)");
#endif
  }
}

Parallel::~Parallel() = default;

bool Parallel::uses_mpi() const { return mpi_ != nullptr; }

std::unique_ptr<optim::DataParallel> Parallel::workers(optim::ParameterList params, optim::LossReduction reduction) {
  optim::Communicator* communicator = nullptr;
#ifdef DESCENT_HAVE_MPI
  if (mpi_) communicator = &mpi_->communicator;
#endif
  auto workers = std::make_unique<optim::DataParallel>(
      std::move(params), optim::DataParallelOptions{.threads = threads_, .reduction = reduction,
                                                    .communicator = communicator});
  workers->broadcast_parameters();
  return workers;
}

double Parallel::sum(double x) {
#ifdef DESCENT_HAVE_MPI
  if (mpi_) {
    std::vector<double> data{x};
    mpi_->communicator.sum(data);
    return data[0];
  }
#endif
  return x;
}

std::string Parallel::describe() const {
  const std::string threads = fmt::format("{} thread{}", threads_, threads_ == 1 ? "" : "s");
  return mpi_ ? fmt::format("{} MPI rank{} x {}", ranks_, ranks_ == 1 ? "" : "s", threads) : threads;
}

void Parallel::refuse_with_mpi(std::string_view flag, bool given) const {
  if (mpi_ && given) {
    throw std::runtime_error(fmt::format("{}: not supported with --data-parallel mpi (use --data-parallel threads)", flag));
  }
}

int Parallel::fail(std::string_view program, const std::exception& error) {
#ifdef DESCENT_HAVE_MPI
  if (mpi_ && ranks_ > 1) optim::mpi::abort(fmt::format("{}: error: {}", program, error.what()));
#endif
  fmt::print(stderr, "{}: error: {}\n", program, error.what());
  return 1;
}

}  // namespace examples
