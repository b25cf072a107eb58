// SPDX-License-Identifier: MIT
// Data-parallel gradients: a batch split into contiguous shards, each shard's loss
// recorded on its own worker thread's tape and swept into a worker-local gradient
// (autodiff::GradientSink), then the shards' gradients summed in a fixed order, so
// that a run with the same workers is bit-identical from run to run. Processes
// share their sums through a Communicator (optim/mpi.hpp has the MPI one), so
// descent's core needs no MPI. See docs/distributed.md.
#pragma once

#include "../autodiff/var.hpp"
#include "batching.hpp"
#include "minimize.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace optim {

// What DataParallel needs from a group of processes. Every process calls each
// member in the same order, as with MPI's collectives.
class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;  // this process, 0 … size() − 1
  virtual int size() const = 0;  // processes in the group
  // Replaces data, on every process, by the element-wise sum of every process's
  // data, added in rank order (0 first), so that every process gets the same bits.
  virtual void sum(std::vector<double>& data) = 0;
  // Replaces data, on every process, by rank 0's (which has the same size).
  virtual void broadcast(std::vector<double>& data) = 0;
};

// What the loss function computes over the shard it is given.
enum class LossReduction {
  sum,   // the sum over its examples: shards add up
  mean,  // the mean over its examples: shard s weighs n_s / N
};

struct DataParallelOptions {
  // Worker threads in this process (the calling thread is one of them); 0: the hardware's count.
  std::size_t threads = 0;
  LossReduction reduction = LossReduction::mean;
  // The processes that share each batch; nullptr: this process alone.
  Communicator* communicator = nullptr;
};

// The batch in `shards` contiguous pieces in batch order; the first N mod shards
// pieces have one example more (a piece is empty when N < shards).
std::vector<Batch> split(const Batch& batch, std::size_t shards);

class DataParallel {
 public:
  // Workers for params (which must outlive this). Throws std::invalid_argument for
  // an empty list or a null pointer.
  explicit DataParallel(ParameterList params, DataParallelOptions options = {});
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  // The loss on batch: worker w of process r records record(shard r·threads + w) on
  // its own tape (clearing it before and after) and, with add_gradient, sweeps it
  // into its own buffers. The shards' losses and gradients are weighed (mean: n_s / N)
  // and summed in shard order, and the gradient is added into each parameter's grad():
  // the same on every process. An exception from a worker is rethrown here (the
  // lowest shard's first); record runs on several threads at once, so it may only
  // write what its shard owns.
  double operator()(const Loss::Record& record, const Batch& batch, bool add_gradient);
  // The Loss that minimize() takes, computed through this object (which must outlive it).
  Loss loss(Loss::Record record);

  // Copies rank 0's parameter values to every process, so that all start equal.
  void broadcast_parameters();

  std::size_t threads() const { return threads_; }
  std::size_t workers() const { return threads_ * std::size_t(processes_); }  // shards of a batch
  int rank() const { return rank_; }
  bool is_root() const { return rank_ == 0; }
  // Wall seconds spent reducing so far: the fixed-order sums and the communicator.
  double reduce_seconds() const { return reduce_seconds_; }

 private:
  struct Pool;
  void work(std::size_t worker);  // one worker's shard of the current call
  void reduce(bool add_gradient, double& loss);

  ParameterList params_;
  LossReduction reduction_;
  Communicator* communicator_;
  std::size_t threads_;
  int rank_ = 0, processes_ = 1;
  std::vector<std::unique_ptr<autodiff::GradientSink>> sinks_;  // one per worker thread
  std::vector<double> losses_;                                 // one per worker thread
  std::vector<double> weights_;                                // one per worker thread
  std::vector<autodiff::Array> sum_;                           // the reduced gradient
  std::vector<double> flat_;                                   // what the communicator sums
  // The current call, read by the workers.
  const Loss::Record* record_ = nullptr;
  std::vector<Batch> shards_;
  bool add_gradient_ = false;
  double reduce_seconds_ = 0.0;
  std::unique_ptr<Pool> pool_;
};

}  // namespace optim
