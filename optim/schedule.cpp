// SPDX-License-Identifier: MIT
// The schedules' closed forms; each factory validates its arguments.
#include "optim/schedule.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace optim {

namespace {

void check_gamma(const char* who, double gamma) {
  if (!(gamma > 0.0) || !std::isfinite(gamma)) {
    throw std::invalid_argument(fmt::format("{}: gamma must be positive and finite, got {}", who, gamma));
  }
}

}  // namespace

Schedule Schedule::constant() {
  return Schedule([](std::size_t, double base) { return base; });
}

Schedule Schedule::step(std::size_t step_size, double gamma) {
  if (step_size == 0) throw std::invalid_argument("Schedule::step: step_size must be positive, got 0");
  check_gamma("Schedule::step", gamma);
  return Schedule([step_size, gamma](std::size_t t, double base) {
    return base * std::pow(gamma, double(t / step_size));
  });
}

Schedule Schedule::exponential(double gamma) {
  check_gamma("Schedule::exponential", gamma);
  return Schedule([gamma](std::size_t t, double base) { return base * std::pow(gamma, double(t)); });
}

Schedule Schedule::warmup_cosine(std::size_t warmup_steps, std::size_t total_steps, double min_lr) {
  if (total_steps == 0 || warmup_steps > total_steps) {
    throw std::invalid_argument(fmt::format(
        "Schedule::warmup_cosine: needs 0 <= warmup_steps <= total_steps and total_steps > 0, got "
        "warmup_steps {} and total_steps {}",
        warmup_steps, total_steps));
  }
  if (!(min_lr >= 0.0) || !std::isfinite(min_lr)) {
    throw std::invalid_argument(
        fmt::format("Schedule::warmup_cosine: min_lr must be non-negative and finite, got {}", min_lr));
  }
  return Schedule([warmup_steps, total_steps, min_lr](std::size_t t, double base) {
    if (t < warmup_steps) return base * double(t + 1) / double(warmup_steps);
    if (t >= total_steps) return min_lr;
    const double progress = double(t - warmup_steps) / double(total_steps - warmup_steps);
    return min_lr + (base - min_lr) * (1.0 + std::cos(std::numbers::pi * progress)) / 2.0;
  });
}

Schedule Schedule::custom(std::function<double(std::size_t, double)> rule) {
  if (!rule) throw std::invalid_argument("Schedule::custom: the rule is empty");
  return Schedule(std::move(rule));
}

}  // namespace optim
