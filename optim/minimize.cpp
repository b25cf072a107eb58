// SPDX-License-Identifier: MIT
// The one descent loop. Iteration i: loss_i at the current θ (before the update),
// the stopping rules, the trace, then zero_grad, the gradient on the batch of
// step i, clipping, the schedule, the update and the callback.
#include "optim/minimize.hpp"

#include "autodiff/error.hpp"
#include "autodiff/tape.hpp"
#include "optim/checkpoint.hpp"
#include "optim/clip.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ostream>
#include <stdexcept>
#include <typeinfo>

namespace optim {

Loss Loss::recorded(Record record) {
  if (!record) throw std::invalid_argument("Loss::recorded: the loss function is empty");
  return Loss(std::move(record), nullptr);
}

Loss Loss::objective(Objective objective) {
  if (!objective) throw std::invalid_argument("Loss::objective: the objective is empty");
  return Loss(nullptr, std::move(objective));
}

double Loss::operator()(const Batch& batch, bool add_gradient) const {
  if (objective_) return objective_(batch, add_gradient);
  autodiff::tape().clear();
  const autodiff::Var loss = record_(batch);
  if (!loss.is_scalar()) {
    throw autodiff::ShapeError(fmt::format("the loss function (Loss::recorded) returned a {}x{} Var; a loss must be "
                                           "1x1: sum or mean it",
                                           loss.rows(), loss.cols()));
  }
  const double value = loss.item();
  if (add_gradient) autodiff::backward(loss);
  return value;
}

const char* to_string(StopReason reason) {
  switch (reason) {
    case StopReason::converged: return "converged";
    case StopReason::target_reached: return "target_reached";
    case StopReason::max_iterations: return "max_iterations";
    case StopReason::diverged: return "diverged";
    case StopReason::callback: return "callback";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& out, StopReason reason) { return out << to_string(reason); }

bool default_record(std::size_t iteration) { return iteration == 1 || iteration % 100 == 0; }

namespace {

void check_arguments(const ParameterList& params, const StopRule& stop, const LoopOptions& options) {
  if (params.empty()) throw std::invalid_argument("minimize: the parameter list is empty");
  for (std::size_t k = 0; k < params.size(); ++k) {
    if (!params[k]) throw std::invalid_argument(fmt::format("minimize: parameter {} is a null pointer", k));
  }
  if (!(stop.tolerance >= 0.0) || !std::isfinite(stop.tolerance)) {
    throw std::invalid_argument(fmt::format("minimize: tolerance must be non-negative and finite, got {}", stop.tolerance));
  }
  if (stop.target_loss && std::isnan(*stop.target_loss)) {
    throw std::invalid_argument("minimize: target_loss is NaN");
  }
  if (stop.max_iterations == 0) throw std::invalid_argument("minimize: max_iterations must be positive, got 0");
  if (!options.checkpoint.empty() && options.checkpoint_every == 0) {
    throw std::invalid_argument("minimize: checkpoint_every must be positive, got 0");
  }
  if (options.resume && options.checkpoint.empty()) {
    throw std::invalid_argument("minimize: resume needs the checkpoint file to resume from");
  }
  if (!(options.clip_norm >= 0.0) || !std::isfinite(options.clip_norm)) {
    throw std::invalid_argument(fmt::format("minimize: clip_norm must be non-negative and finite (0 turns "
                                            "clipping off), got {}", options.clip_norm));
  }
}

// Throws E(where + what) when e is exactly an E; other types are left alone.
template <class E>
void rethrow_as(const std::exception& e, const std::string& where) {
  if (typeid(e) == typeid(E)) throw E(where + e.what());
}

// Rethrows the exception in flight with where it happened in front of its message,
// as the same type, so that callers catch what they caught before. Only descent's
// own types and the standard ones are rebuilt; a user's own type passes unchanged.
[[noreturn]] void rethrow_in_loop(const std::string& where) {
  try {
    throw;
  } catch (const std::exception& e) {
    rethrow_as<autodiff::ShapeError>(e, where);
    rethrow_as<autodiff::StaleVarError>(e, where);
    rethrow_as<autodiff::IndexError>(e, where);
    rethrow_as<autodiff::NonFiniteError>(e, where);
    rethrow_as<autodiff::BackwardError>(e, where);
    rethrow_as<autodiff::Error>(e, where);
    rethrow_as<std::invalid_argument>(e, where);
    rethrow_as<std::out_of_range>(e, where);
    rethrow_as<std::domain_error>(e, where);
    rethrow_as<std::runtime_error>(e, where);
    rethrow_as<std::logic_error>(e, where);
  }
  throw;
}

}  // namespace

Result minimize(const Loss& loss, const ParameterList& params, Optimizer& optimizer, Batching batching,
                const StopRule& stop, const LoopOptions& options) {
  check_arguments(params, stop, options);
  const auto record = options.record ? options.record : default_record;
  const std::size_t every = options.full_loss_every;
  double base_lr = optimizer.lr();
  const auto zero_grad = [&] {
    optimizer.zero_grad();
    for (autodiff::Parameter* p : params) p->zero_grad();
  };

  Result result;
  const auto finish = [&](StopReason reason, std::size_t i, double loss_i, std::string message) {
    result.trace.record(i, loss_i);
    result.iterations = i;
    result.final_loss = loss_i;
    result.reason = reason;
    result.message = std::move(message);
  };
  const auto diverged = [&](std::size_t i, double loss_i, const char* which) {
    finish(StopReason::diverged, i, loss_i,
           fmt::format("diverged at iteration {}: the {} is {}; try a smaller learning rate", i, which,
                       std::isnan(loss_i) ? "NaN" : "infinite"));
  };

  std::optional<double> previous;  // the last full-data loss evaluated
  double last_loss = std::numeric_limits<double>::quiet_NaN();
  std::size_t first = 0;
  // The loop's own state in a checkpoint: base rate, whether there is a previous loss, it, the last loss.
  const auto loop_state = [&](std::size_t next) {
    return LoopState{next, {base_lr, previous ? 1.0 : 0.0, previous.value_or(0.0), last_loss}, result.trace};
  };
  if (options.resume) {
    LoopState saved = load_checkpoint(options.checkpoint, params, optimizer, batching);
    if (saved.numbers.size() != 4) {
      throw CheckpointError(fmt::format("minimize: {} was not written by minimize ({} loop numbers, expected 4)",
                                        options.checkpoint.string(), saved.numbers.size()));
    }
    first = std::size_t(saved.step);
    base_lr = saved.numbers[0];
    if (saved.numbers[1] != 0.0) previous = saved.numbers[2];
    last_loss = saved.numbers[3];
    result.trace = std::move(saved.trace);
    result.iterations = first;
  }
  bool stopped = false;
  std::size_t i = first;
  const char* stage = "zero_grad";  // what the loop is doing, for the message of anything it throws
  try {
    for (; i < stop.max_iterations && !stopped; ++i) {
      const bool evaluate = every != 0 && i % every == 0;
      // With the full batch, one forward pass gives both loss_i and the gradient.
      const bool reuse = evaluate && batching.is_full();
      double loss_i = std::numeric_limits<double>::quiet_NaN();
      if (evaluate) {
        if (reuse) zero_grad();
        stage = "the loss on all examples";
        loss_i = loss(batching.all(), reuse);
        if (!std::isfinite(loss_i)) {
          diverged(i, loss_i, "loss");
          break;
        }
        if (previous && i > 1 && std::abs(loss_i - *previous) < stop.tolerance) {
          finish(StopReason::converged, i, loss_i,
                 fmt::format("converged at iteration {}: |loss change| {:.3g} < tolerance {}", i,
                             std::abs(loss_i - *previous), stop.tolerance));
          break;
        }
        if (stop.target_loss && loss_i <= *stop.target_loss) {
          finish(StopReason::target_reached, i, loss_i,
                 fmt::format("reached the target at iteration {}: loss {} <= {}", i, loss_i, *stop.target_loss));
          break;
        }
        if (record(i)) result.trace.record(i, loss_i);
        previous = loss_i;
      }
      if (!reuse) {
        zero_grad();
        stage = "the loss on a batch";
        const double batch_loss = loss(batching.next(), true);
        if (!std::isfinite(batch_loss)) {
          diverged(i, batch_loss, "batch loss");
          break;
        }
        if (!evaluate) {
          loss_i = batch_loss;
          if (every == 0 && record(i)) result.trace.record(i, batch_loss);
        }
      }
      stage = "clip_grad_norm";
      if (options.clip_norm > 0.0) clip_grad_norm(params, options.clip_norm);
      stage = "the schedule";
      if (options.schedule) optimizer.set_lr((*options.schedule)(i, base_lr));
      stage = "the update";
      optimizer.step();
      result.iterations = i + 1;
      last_loss = loss_i;
      stage = "the checkpoint";
      if (!options.checkpoint.empty() && (i + 1) % options.checkpoint_every == 0) {
        save_checkpoint(options.checkpoint, params, optimizer, batching, loop_state(i + 1));
      }
      stage = "the callback";
      if (options.callback && options.callback(Progress{i, loss_i, optimizer.lr()})) {
        result.reason = StopReason::callback;
        result.message = fmt::format("stopped by the callback after iteration {}", i);
        stopped = true;
      }
    }
  } catch (...) {
    rethrow_in_loop(fmt::format("minimize: iteration {}, {}: ", i, stage));
  }
  if (stopped || result.iterations == stop.max_iterations) {
    if (!stopped) {
      result.reason = StopReason::max_iterations;
      result.message = fmt::format("stopped after max_iterations = {} updates", stop.max_iterations);
    }
    // The last update moved θ after the last loss: evaluate once more where the run ends.
    try {
      result.final_loss = every != 0 ? loss(batching.all(), false) : last_loss;
    } catch (...) {
      rethrow_in_loop("minimize: the final loss on all examples: ");
    }
  }

  result.values.reserve(params.size());
  for (const autodiff::Parameter* p : params) result.values.push_back(p->value());
  return result;
}

}  // namespace optim
