// SPDX-License-Identifier: MIT
// The descent loop that every optimizer shares: it evaluates the loss, decides
// whether to stop, records the trace, and asks the optimizer for one update per
// iteration on the batch the Batching chooses. See docs/optim.md for the semantics.
#pragma once

#include "../autodiff/var.hpp"
#include "batching.hpp"
#include "optimizer.hpp"
#include "schedule.hpp"
#include "trace.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace optim {

// The model's loss on a batch, given one of two ways. Both go through the same loop.
class Loss {
 public:
  // (a) Records the loss (1x1) on the calling thread's tape. The loop clears the
  //     tape before each recording and calls autodiff::backward for the gradient.
  using Record = std::function<autodiff::Var(const Batch&)>;
  // (b) Returns the loss on the batch; when add_gradient is true it also adds
  //     d loss / d θ into each parameter's grad() (a hand-derived gradient).
  using Objective = std::function<double(const Batch&, bool add_gradient)>;

  static Loss recorded(Record record);
  static Loss objective(Objective objective);

  // The loss on batch; with add_gradient, its gradient is added into the parameters' grad().
  double operator()(const Batch& batch, bool add_gradient) const;

 private:
  Loss(Record record, Objective objective) : record_(std::move(record)), objective_(std::move(objective)) {}
  Record record_;
  Objective objective_;
};

// When to stop, checked on the full-data loss loss_i at the start of iteration i.
struct StopRule {
  // Stop at the first i > 1 with |loss_i − loss_{i−1}| < tolerance (0 turns it off).
  double tolerance = 1e-10;
  // Stop at the first i with loss_i <= target_loss.
  std::optional<double> target_loss{};
  // Stop after the update of iteration max_iterations − 1 (no extra record).
  std::size_t max_iterations = 100000;
};

// What the loop hands the callback after each update.
struct Progress {
  std::size_t iteration = 0;  // i
  double loss = 0.0;          // loss_i (the batch loss when the full loss was not evaluated)
  double lr = 0.0;            // the learning rate the update used
};

struct LoopOptions {
  // Record (i, loss_i) in the trace when this returns true; empty: i == 1 or i % 100 == 0.
  std::function<bool(std::size_t iteration)> record{};
  // The learning rate of update i is schedule(i, lr at the start); none: leave it alone.
  std::optional<Schedule> schedule{};
  // Clip the gradient to this global 2-norm before each update (clip_grad_norm); 0: off.
  double clip_norm = 0.0;
  // Evaluate the full-data loss every K iterations (i % K == 0); 0: never, then the
  // loss-based stopping rules are off and the trace records batch losses.
  std::size_t full_loss_every = 1;
  // Runs after each update; return true to stop.
  std::function<bool(const Progress&)> callback{};
  // Save a checkpoint (optim/checkpoint.hpp) to this file, atomically, after every
  // checkpoint_every-th update, before the callback; empty: none.
  std::filesystem::path checkpoint{};
  std::size_t checkpoint_every = 100;
  // Continue the run saved in checkpoint (which must exist) instead of starting at
  // iteration 0: the parameters, the optimizer, the batches, the schedule's position,
  // the stopping rules and the trace go on as if the run had never stopped.
  bool resume = false;
};

enum class StopReason {
  converged,       // |loss_i − loss_{i−1}| < tolerance
  target_reached,  // loss_i <= target_loss
  max_iterations,  // max_iterations updates done
  diverged,        // the loss became NaN or infinite
  callback,        // the callback asked to stop
};
const char* to_string(StopReason reason);  // "converged", "diverged", ...
std::ostream& operator<<(std::ostream& out, StopReason reason);

struct Result {
  std::vector<autodiff::Array> values{};  // the parameters' final values, in order
  Trace trace{};
  std::size_t iterations = 0;  // updates applied
  // The loss at the final values: loss_i of the stopping iteration, or, after
  // max_iterations or a callback stop, one more full-data evaluation (the last
  // batch loss when full_loss_every = 0). NaN/inf when diverged.
  double final_loss = std::numeric_limits<double>::quiet_NaN();
  StopReason reason = StopReason::max_iterations;
  std::string message{};  // e.g. "converged at iteration 812: |loss change| 8.2e-11 < tolerance 1e-10"
};

// Runs descent from the parameters' current values, which it updates in place.
// batching is copied, so the same Batching gives the same run again.
// Throws std::invalid_argument for bad arguments (empty/null parameters, bad options).
Result minimize(const Loss& loss, const ParameterList& params, Optimizer& optimizer, Batching batching,
                const StopRule& stop = {}, const LoopOptions& options = {});

// The default record predicate: i == 1 or i % 100 == 0.
bool default_record(std::size_t iteration);

}  // namespace optim
