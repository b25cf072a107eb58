// SPDX-License-Identifier: MIT
// Learning-rate schedules: the learning rate of update t (t = 0, 1, ...) from the
// base learning rate, usable with any optimizer (the loop calls set_lr before each step).
#pragma once

#include <cstddef>
#include <functional>

namespace optim {

class Schedule {
 public:
  // lr(t) = base
  static Schedule constant();
  // lr(t) = base · γ^⌊t / step_size⌋, as torch.optim.lr_scheduler.StepLR stepped once per update
  static Schedule step(std::size_t step_size, double gamma = 0.1);
  // lr(t) = base · γ^t, as torch.optim.lr_scheduler.ExponentialLR
  static Schedule exponential(double gamma);
  // Linear warm-up over W updates, then cosine annealing to min_lr at update T:
  //   t < W:       lr(t) = base · (t + 1) / W
  //   W ≤ t < T:   lr(t) = min_lr + (base − min_lr) · (1 + cos(π (t − W) / (T − W))) / 2
  //   t ≥ T:       lr(t) = min_lr
  // The cosine part is CosineAnnealingLR with T_max = T − W and eta_min = min_lr.
  // min_lr must be finite and >= 0 (the optimizers accept a learning rate of 0).
  static Schedule warmup_cosine(std::size_t warmup_steps, std::size_t total_steps, double min_lr);
  // Any rule lr(t, base).
  static Schedule custom(std::function<double(std::size_t t, double base_lr)> rule);

  double operator()(std::size_t t, double base_lr) const { return rule_(t, base_lr); }

 private:
  explicit Schedule(std::function<double(std::size_t, double)> rule) : rule_(std::move(rule)) {}
  std::function<double(std::size_t, double)> rule_;
};

}  // namespace optim
