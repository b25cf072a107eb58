// SPDX-License-Identifier: MIT
// The descent loop: each stopping rule fires at the iteration computed by hand,
// the trace records what the rules say, divergence stops with a reason, the tape
// and objective forms of a loss give the same run, and seeded runs repeat exactly.
#define BOOST_TEST_MODULE minimize
#include <boost/test/unit_test.hpp>

#include "optim_problems.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace tt = boost::test_tools;
using optim_problems::LeastSquares;

namespace {

auto has(const std::string& text) {
  return [text](const std::exception& e) { return std::string(e.what()).find(text) != std::string::npos; };
}

// f(x) = x² / 2 with plain GD at lr 0.5: x_i = x0 / 2^i, so loss_i = x0² / (2 · 4^i), exactly.
struct HalvingProblem {
  autodiff::Parameter x{1.0, "x"};
  optim::SGD opt{{&x}, {.lr = 0.5}};
  optim::Loss loss = optim::Loss::recorded([this](const optim::Batch&) { return 0.5 * autodiff::square(x); });
  static double loss_at(std::size_t i) { return 0.5 * std::pow(0.25, double(i)); }
  optim::Result run(const optim::StopRule& stop, const optim::LoopOptions& options = {}) {
    return optim::minimize(loss, {&x}, opt, optim::Batching::full(1), stop, options);
  }
};

std::vector<std::size_t> iterations_of(const optim::Trace& t) {
  std::vector<std::size_t> out;
  for (const auto& p : t.points()) out.push_back(p.iteration);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(tolerance_stops_at_the_first_small_change_after_iteration_one) {
  const double tol = 1e-6;
  std::size_t expected = 2;
  while (!(std::abs(HalvingProblem::loss_at(expected) - HalvingProblem::loss_at(expected - 1)) < tol)) ++expected;
  HalvingProblem p;
  const optim::Result r = p.run({.tolerance = tol});
  BOOST_TEST(r.reason == optim::StopReason::converged);
  BOOST_TEST(r.iterations == expected);
  BOOST_TEST(r.trace.back().iteration == expected);
  BOOST_TEST(r.trace.back().loss == HalvingProblem::loss_at(expected));
  BOOST_TEST(r.final_loss == HalvingProblem::loss_at(expected));
  BOOST_TEST(r.values[0](0) == std::pow(0.5, double(expected)));
  BOOST_TEST(r.message.find("converged at iteration " + std::to_string(expected)) == 0u);
}

BOOST_AUTO_TEST_CASE(tolerance_is_not_checked_between_iterations_zero_and_one) {
  // Losses 5, 5, 3, 3, 1, ...: unchanged from 0 to 1, which must not stop the loop; 2 to 3 does.
  autodiff::Parameter x(0.0);
  optim::SGD opt({&x}, {.lr = 0.1});
  std::size_t calls = 0;
  const double losses[] = {5.0, 5.0, 3.0, 3.0, 1.0, 0.0};
  const auto loss = optim::Loss::objective([&](const optim::Batch&, bool grad) {
    if (grad) x.grad()(0) += 1.0;
    return losses[calls++];
  });
  const optim::Result r = optim::minimize(loss, {&x}, opt, optim::Batching::full(1), {.tolerance = 1e-3});
  BOOST_TEST(r.reason == optim::StopReason::converged);
  BOOST_TEST(r.iterations == 3u);
  BOOST_TEST(calls == 4u);  // one evaluation per iteration with the full batch
}

BOOST_AUTO_TEST_CASE(target_loss_stops_at_the_first_loss_at_or_below_it) {
  const double target = 1e-5;
  std::size_t expected = 0;
  while (HalvingProblem::loss_at(expected) > target) ++expected;
  HalvingProblem p;
  const optim::Result r = p.run({.tolerance = 0.0, .target_loss = target});
  BOOST_TEST(r.reason == optim::StopReason::target_reached);
  BOOST_TEST(r.iterations == expected);
  BOOST_TEST(r.trace.back().iteration == expected);
  BOOST_TEST(r.trace.back().loss == HalvingProblem::loss_at(expected));
}

BOOST_AUTO_TEST_CASE(max_iterations_ends_after_the_last_update_without_an_extra_record) {
  HalvingProblem p;
  const optim::Result r = p.run({.tolerance = 0.0, .max_iterations = 250});
  BOOST_TEST(r.reason == optim::StopReason::max_iterations);
  BOOST_TEST(r.iterations == 250u);
  BOOST_TEST(iterations_of(r.trace) == (std::vector<std::size_t>{0, 1, 100, 200}), tt::per_element());
  BOOST_TEST(r.trace.points()[2].loss == HalvingProblem::loss_at(100));
  BOOST_TEST(r.values[0](0) == std::pow(0.5, 250.0));
  BOOST_TEST(r.final_loss == HalvingProblem::loss_at(250));  // at the returned values
}

BOOST_AUTO_TEST_CASE(the_record_predicate_chooses_the_trace_points) {
  HalvingProblem p;
  const optim::Result r = p.run({.tolerance = 0.0, .max_iterations = 10},
                                {.record = [](std::size_t i) { return i % 3 == 0; }});
  BOOST_TEST(iterations_of(r.trace) == (std::vector<std::size_t>{0, 3, 6, 9}), tt::per_element());
  for (const auto& point : r.trace.points()) BOOST_TEST(point.loss == HalvingProblem::loss_at(point.iteration));
}

BOOST_AUTO_TEST_CASE(the_callback_sees_each_iteration_and_can_stop_the_loop) {
  HalvingProblem p;
  std::vector<optim::Progress> seen;
  const optim::Result r = p.run({.tolerance = 0.0}, {.callback = [&](const optim::Progress& progress) {
                                   seen.push_back(progress);
                                   return progress.iteration == 3;
                                 }});
  BOOST_TEST(r.reason == optim::StopReason::callback);
  BOOST_TEST(r.iterations == 4u);
  BOOST_TEST(seen.size() == 4u);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    BOOST_TEST(seen[i].iteration == i);
    BOOST_TEST(seen[i].loss == HalvingProblem::loss_at(i));
    BOOST_TEST(seen[i].lr == 0.5);
  }
  BOOST_TEST(r.final_loss == HalvingProblem::loss_at(4));
}

BOOST_AUTO_TEST_CASE(a_nan_loss_stops_with_the_diverged_reason_before_updating) {
  // log x with lr 2 jumps from x = 1 to x = −1, where log is NaN.
  autodiff::Parameter x(1.0);
  optim::SGD opt({&x}, {.lr = 2.0});
  const auto loss = optim::Loss::recorded([&](const optim::Batch&) { return autodiff::log(x); });
  const optim::Result r = optim::minimize(loss, {&x}, opt, optim::Batching::full(1));
  BOOST_TEST(r.reason == optim::StopReason::diverged);
  BOOST_TEST(r.iterations == 1u);
  BOOST_TEST(r.values[0](0) == -1.0);
  BOOST_TEST(std::isnan(r.final_loss));
  BOOST_TEST(r.message == "diverged at iteration 1: the loss is NaN; try a smaller learning rate");
  BOOST_TEST(std::isnan(r.trace.back().loss));
}

BOOST_AUTO_TEST_CASE(an_infinite_batch_loss_stops_with_the_diverged_reason) {
  autodiff::Parameter x(1.0);
  optim::SGD opt({&x}, {.lr = 0.1});
  std::size_t batch_calls = 0;
  const auto loss = optim::Loss::objective([&](const optim::Batch& b, bool grad) {
    if (grad) x.grad()(0) += 1.0;
    if (!b.full && ++batch_calls == 3) return std::numeric_limits<double>::infinity();
    return 1.0 + x.value()(0);
  });
  const optim::Result r = optim::minimize(loss, {&x}, opt, optim::Batching::cyclic(4), {.tolerance = 0.0});
  BOOST_TEST(r.reason == optim::StopReason::diverged);
  BOOST_TEST(r.iterations == 2u);
  BOOST_TEST(r.message == "diverged at iteration 2: the batch loss is infinite; try a smaller learning rate");
}

BOOST_AUTO_TEST_CASE(mini_batch_runs_evaluate_the_full_loss_every_k_steps) {
  autodiff::Parameter x(1.0);
  optim::SGD opt({&x}, {.lr = 0.01});
  std::vector<std::size_t> full_at;
  std::size_t step = 0;
  const auto loss = optim::Loss::objective([&](const optim::Batch& b, bool grad) {
    if (b.full) full_at.push_back(step);
    if (grad) {
      x.grad()(0) += 2.0 * x.value()(0);
      ++step;
    }
    return x.value()(0) * x.value()(0);
  });
  const optim::Result r = optim::minimize(loss, {&x}, opt, optim::Batching::mini_batches(10, 3, 5),
                                          {.tolerance = 0.0, .max_iterations = 12},
                                          {.record = [](std::size_t) { return true; }, .full_loss_every = 5});
  // Full losses at iterations 0, 5, 10, and once more at the end.
  BOOST_TEST(full_at == (std::vector<std::size_t>{0, 5, 10, 12}), tt::per_element());
  BOOST_TEST(iterations_of(r.trace) == (std::vector<std::size_t>{0, 5, 10}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(never_evaluating_the_full_loss_records_batch_losses_and_ignores_tolerance) {
  autodiff::Parameter x(1.0);
  optim::SGD opt({&x}, {.lr = 0.1});
  bool full_seen = false;
  const auto loss = optim::Loss::objective([&](const optim::Batch& b, bool grad) {
    full_seen = full_seen || b.full;
    if (grad) x.grad()(0) += 1.0;
    return double(b.indices[0]);  // the batch loss is the example number
  });
  const optim::Result r = optim::minimize(loss, {&x}, opt, optim::Batching::cyclic(3),
                                          {.tolerance = 10.0, .max_iterations = 7},
                                          {.record = [](std::size_t) { return true; }, .full_loss_every = 0});
  BOOST_TEST(!full_seen);
  BOOST_TEST(r.reason == optim::StopReason::max_iterations);
  BOOST_TEST(r.trace.size() == 7u);
  for (const auto& point : r.trace.points()) BOOST_TEST(point.loss == double(point.iteration % 3));
}

BOOST_AUTO_TEST_CASE(tape_and_objective_forms_give_identical_traces) {
  for (bool full : {true, false}) {
    LeastSquares a, b;
    optim::SGD opt_a(a.list(), {.lr = 0.02, .momentum = 0.5});
    optim::SGD opt_b(b.list(), {.lr = 0.02, .momentum = 0.5});
    const auto batching = full ? optim::Batching::full(8) : optim::Batching::mini_batches(8, 3, 99);
    const optim::StopRule stop{.tolerance = 1e-12, .max_iterations = 3000};
    const optim::LoopOptions every{.record = [](std::size_t i) { return i % 10 == 0; }};
    const optim::Result ra = optim::minimize(
        optim::Loss::recorded([&](const optim::Batch& batch) { return a.record(batch); }), a.list(), opt_a, batching,
        stop, every);
    const optim::Result rb = optim::minimize(
        optim::Loss::objective([&](const optim::Batch& batch, bool grad) { return b.objective(batch, grad); }),
        b.list(), opt_b, batching, stop, every);
    BOOST_TEST_CONTEXT((full ? "full batch" : "mini-batches")) {
      BOOST_TEST(ra.trace.size() > 10u);
      BOOST_TEST((ra.trace == rb.trace));  // bit-identical doubles
      BOOST_TEST((ra.values[0] == rb.values[0]).all());
      BOOST_TEST(ra.iterations == rb.iterations);
      BOOST_TEST(ra.message == rb.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(seeded_mini_batch_runs_repeat_bit_for_bit_and_differ_with_another_seed) {
  auto run = [](std::uint64_t seed) {
    LeastSquares p;
    optim::Adam opt(p.list(), {.lr = 0.05});
    return optim::minimize(optim::Loss::recorded([&](const optim::Batch& b) { return p.record(b); }), p.list(), opt,
                           optim::Batching::mini_batches(8, 3, seed), {.tolerance = 0.0, .max_iterations = 400});
  };
  const optim::Result first = run(2024), again = run(2024), other = run(2025);
  BOOST_TEST((first.trace == again.trace));
  BOOST_TEST((first.values[0] == again.values[0]).all());
  BOOST_TEST((first.values[1] == again.values[1]).all());
  BOOST_TEST(!(first.values[0] == other.values[0]).all());
}

BOOST_AUTO_TEST_CASE(bad_loop_arguments_throw_naming_the_problem) {
  HalvingProblem p;
  BOOST_CHECK_EXCEPTION(optim::minimize(p.loss, {}, p.opt, optim::Batching::full(1)), std::invalid_argument,
                        has("minimize: the parameter list is empty"));
  BOOST_CHECK_EXCEPTION(optim::minimize(p.loss, {&p.x, nullptr}, p.opt, optim::Batching::full(1)),
                        std::invalid_argument, has("minimize: parameter 1 is a null pointer"));
  BOOST_CHECK_EXCEPTION(p.run({.max_iterations = 0}), std::invalid_argument,
                        has("minimize: max_iterations must be positive, got 0"));
  BOOST_CHECK_EXCEPTION(p.run({.tolerance = -1.0}), std::invalid_argument,
                        has("minimize: tolerance must be non-negative and finite, got -1"));
  BOOST_CHECK_EXCEPTION(p.run({}, {.clip_norm = -1.0}), std::invalid_argument,
                        has("minimize: clip_norm must be non-negative and finite"));
  BOOST_CHECK_EXCEPTION(optim::Loss::recorded(nullptr), std::invalid_argument,
                        has("Loss::recorded: the loss function is empty"));
}

BOOST_AUTO_TEST_CASE(a_gradient_of_the_wrong_shape_stops_the_loop_with_an_exception) {
  autodiff::Parameter w(autodiff::Array::Zero(2, 1), "w");
  optim::SGD opt({&w}, {.lr = 0.1});
  const auto loss = optim::Loss::objective([&](const optim::Batch&, bool grad) {
    if (grad) w.grad() = autodiff::Array::Ones(1, 2);
    return 1.0;
  });
  BOOST_CHECK_EXCEPTION(optim::minimize(loss, {&w}, opt, optim::Batching::full(1)), autodiff::ShapeError,
                        has("SGD::step: the gradient of parameter 0 ('w') is 1x2 but its value is 2x1"));
}

BOOST_AUTO_TEST_CASE(a_loss_that_is_not_1x1_names_minimize_the_iteration_and_the_shape) {
  autodiff::Parameter w(autodiff::Array::Zero(3, 1), "w");
  optim::SGD opt({&w}, {.lr = 0.1});
  const auto loss = optim::Loss::recorded([&](const optim::Batch&) { return autodiff::square(w); });
  BOOST_CHECK_EXCEPTION(optim::minimize(loss, {&w}, opt, optim::Batching::full(1)), autodiff::ShapeError,
                        has("minimize: iteration 0, the loss on all examples: the loss function (Loss::recorded) "
                            "returned a 3x1 Var; a loss must be 1x1"));
}

BOOST_AUTO_TEST_CASE(an_op_error_in_the_loss_names_the_loop_the_iteration_and_the_op) {
  HalvingProblem p;
  int calls = 0;
  const auto loss = optim::Loss::recorded([&](const optim::Batch&) {
    // The fourth recording (iteration 3) multiplies shapes that do not match.
    const autodiff::Var a = autodiff::Array::Ones(1, ++calls == 4 ? 3 : 2);
    return autodiff::sum(autodiff::matmul(a, autodiff::Var(autodiff::Array::Ones(2, 1)))) * 0.0 +
           0.5 * autodiff::square(p.x);
  });
  BOOST_CHECK_EXCEPTION(optim::minimize(loss, {&p.x}, p.opt, optim::Batching::full(1)), autodiff::ShapeError,
                        has("minimize: iteration 3, the loss on all examples: matmul"));
}

BOOST_AUTO_TEST_CASE(an_error_in_the_update_names_the_loop_and_the_step) {
  autodiff::Parameter w(autodiff::Array::Zero(2, 1), "w");
  optim::SGD opt({&w}, {.lr = 0.1});
  int calls = 0;
  // A hand-written gradient that comes out with the wrong shape at the third call (iteration 2).
  const auto loss = optim::Loss::objective([&](const optim::Batch&, bool grad) {
    if (grad) w.grad() = ++calls == 3 ? autodiff::Array::Ones(1, 2) : autodiff::Array::Ones(2, 1);
    return 1.0 / calls;
  });
  BOOST_CHECK_EXCEPTION(optim::minimize(loss, {&w}, opt, optim::Batching::full(1), {.tolerance = 0.0}),
                        autodiff::ShapeError, has("minimize: iteration 2, the update: SGD::step"));
}

BOOST_AUTO_TEST_CASE(a_users_own_exception_passes_through_the_loop_unchanged) {
  struct UserError : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  HalvingProblem p;
  const auto stop_at_2 = [](const optim::Progress& progress) -> bool {
    if (progress.iteration == 2) throw UserError("the user's message");
    return false;
  };
  BOOST_CHECK_EXCEPTION(p.run({}, {.callback = stop_at_2}), UserError,
                        [](const UserError& e) { return std::string(e.what()) == "the user's message"; });
}

BOOST_AUTO_TEST_CASE(a_schedule_that_decays_to_a_zero_rate_finishes_the_run) {
  // 0.5^t underflows to 0 at update 1,075; set_lr(0) used to throw and lose the result.
  HalvingProblem p;
  std::size_t zero_rate_updates = 0;
  const optim::Result r = p.run({.tolerance = 0.0, .max_iterations = 1200},
                                {.schedule = optim::Schedule::exponential(0.5), .callback = [&](const optim::Progress& g) {
                                   zero_rate_updates += g.lr == 0.0;
                                   return false;
                                 }});
  BOOST_TEST(r.reason == optim::StopReason::max_iterations);
  BOOST_TEST(r.iterations == 1200u);
  BOOST_TEST(zero_rate_updates > 0u);
  BOOST_TEST(p.opt.lr() == 0.0);
  BOOST_TEST(std::isfinite(r.final_loss));
}
