// SPDX-License-Identifier: MIT
// How long will a training job run? Fit duration = θ0 + θ1·n by gradient
// descent, the way the tutorial (docs/tutorial.md) tells it: data, model, loss,
// descent, result. Runs full-batch gradient descent, stochastic gradient
// descent, momentum and Adam on the same problem, compares each with the exact
// least-squares line, and checks the hand-derived gradient against the tape.
#include "autodiff/autodiff.hpp"
#include "datasets/csv.hpp"
#include "datasets/scale.hpp"
#include "examples/support/cli.hpp"
#include "examples/support/plot.hpp"
#include "models/linear.hpp"
#include "optim/optim.hpp"

#include <fmt/core.h>
#include <fmt/os.h>

#include <cmath>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using autodiff::Var;

namespace {

// ---- command line

struct Flags {
  fs::path data = fs::path(DESCENT_SOURCE_DIR) / "data" / "metrics.csv";
  std::string optimizer = "all";  // all, gd, sgd, momentum, adam
  std::optional<double> lr;
  double tol = 1e-6;
  std::size_t max_iter = 100000;
  fs::path out = "out/job_duration";
  std::string gradient = "tape";  // tape or hand
  bool plots = true;
};

// Fills flags from the command line; returns the exit code when the program should stop.
std::optional<int> parse_flags(int argc, char** argv, Flags& f) {
  CLI::App app("Fits duration = θ0 + θ1·n to the jobs of a CSV file by gradient descent (docs/tutorial.md).",
               "job_duration");
  app.add_option("--data", f.data, "CSV file with the columns n and duration")->capture_default_str();
  app.add_option("--optimizer", f.optimizer, "which runs")
      ->check(CLI::IsMember({"all", "gd", "sgd", "momentum", "adam"}))
      ->capture_default_str();
  examples::add_optional(app, "--lr", f.lr, "learning rate (default: each run's own)")
      ->check(examples::positive_real());
  app.add_option("--tol", f.tol, "stop when the loss changes by less (0: never)")
      ->check(examples::non_negative_real())
      ->capture_default_str();
  examples::add_whole_number(app, "--max-iter", f.max_iter, 1, examples::kNoLimit, "most updates per run");
  app.add_option("--gradient", f.gradient, "gradient by the tape or by hand")
      ->check(CLI::IsMember({"tape", "hand"}))
      ->capture_default_str();
  app.add_option("--out", f.out, "folder for the traces and pictures")->capture_default_str();
  bool no_plots = false;
  app.add_flag("--no-plots", no_plots, "do not draw the pictures");
  if (const auto code = examples::parse_command_line(app, argc, argv)) return code;
  f.plots = !no_plots;
  return std::nullopt;
}

// ---- one descent run

struct Run {
  std::string name;   // for files and plots
  std::string title;  // for the console
  optim::Result result;
  Eigen::Array2d theta;
};

// Prints the trace the way the reference program does, then the parameters.
void print_run(const Run& run) {
  fmt::print("\n== {}\n", run.title);
  for (const auto& p : run.result.trace.points()) fmt::print("i = {:<12} loss {:>12.8f}\n", p.iteration, p.loss);
  fmt::print("\nLearned parameters: [{:.8f} {:.8f}]\n", run.theta(0), run.theta(1));
  fmt::print("({}; {} iterations)\n", run.result.message, run.result.iterations);
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (const auto code = parse_flags(argc, argv, flags)) return *code;
  try {
  // 0. The output folder is checked now, not after the runs.
  examples::check_output_folder("--out", flags.out);

  // 1. Data: n (training examples) and duration, both scaled to [0, 1].
  const datasets::Table table = datasets::read_csv(flags.data);
  const Eigen::ArrayXd& n = table.column("n");
  const Eigen::ArrayXd& duration = table.column("duration");
  const Eigen::ArrayXd x = datasets::fit_min_max(n, "n", table.source).apply(n);
  const Eigen::ArrayXd y = datasets::fit_min_max(duration, "duration", table.source).apply(duration);
  fmt::print("{}: {} jobs; n in [{}, {}], duration in [{}, {}], both scaled to [0, 1]\n",
             flags.data.filename().string(), x.size(), n.minCoeff(), n.maxCoeff(),
             duration.minCoeff(), duration.maxCoeff());

  // 2. Model: ŷ = θ0 + θ1·x, starting from θ = [−1, 1].
  models::LinearModel model(-1.0, 1.0);
  const autodiff::Constant x_all(x), y_all(y);  // on the tape without a copy

  // 3. Loss: L(θ) = Σ (y − ŷ)² on the examples of a batch, by the tape or by hand.
  const optim::Loss tape_loss = optim::Loss::recorded([&](const optim::Batch& batch) {
    if (batch.full) return model.loss(x_all, y_all);
    return model.loss(optim::select_rows(x, batch), optim::select_rows(y, batch));
  });
  const auto by_hand = [&](const Eigen::ArrayXd& xb, const Eigen::ArrayXd& yb, bool add_gradient) {
    if (add_gradient) {
      const Eigen::Array2d g = model.gradient(xb, yb);
      model.theta0.grad()(0) += g(0);
      model.theta1.grad()(0) += g(1);
    }
    return model.loss_value(xb, yb);
  };
  const optim::Loss hand_loss = optim::Loss::objective([&](const optim::Batch& batch, bool add_gradient) {
    if (batch.full) return by_hand(x, y, add_gradient);  // the data itself, no copy
    return by_hand(optim::select_rows(x, batch), optim::select_rows(y, batch), add_gradient);
  });
  const optim::Loss& loss = flags.gradient == "tape" ? tape_loss : hand_loss;

  // 4. Descent: each run starts from θ = [−1, 1] and stops when the full-data
  //    loss changes by less than the tolerance between two iterations.
  const optim::StopRule stop{.tolerance = flags.tol, .max_iterations = flags.max_iter};
  const auto all = optim::Batching::full(x.size());
  const auto one_at_a_time = optim::Batching::cyclic(x.size());
  std::vector<Run> runs;
  auto descend = [&](std::string name, std::string title, optim::Optimizer& opt, const optim::Batching& batching) {
    model.set_theta({-1.0, 1.0});
    Run run{std::move(name), std::move(title), optim::minimize(loss, model.parameters(), opt, batching, stop), {}};
    run.theta = model.theta();
    print_run(run);
    runs.push_back(std::move(run));
  };
  auto wanted = [&](const char* which) { return flags.optimizer == "all" || flags.optimizer == which; };
  auto lr_or = [&](double fallback) { return flags.lr.value_or(fallback); };

  if (wanted("gd")) {
    for (double lr : flags.optimizer == "all" ? std::vector<double>{1e-5, 1e-3} : std::vector<double>{lr_or(1e-3)}) {
      optim::SGD gd(model.parameters(), {.lr = lr});
      descend(fmt::format("gd_lr{:g}", lr), fmt::format("Full-batch gradient descent, learning rate {:g}", lr), gd, all);
    }
  }
  if (wanted("sgd")) {
    optim::SGD sgd(model.parameters(), {.lr = lr_or(1e-3)});
    descend(fmt::format("sgd_lr{:g}", sgd.lr()),
            fmt::format("Stochastic gradient descent: example i mod {} at step i, learning rate {:g}", x.size(), sgd.lr()),
            sgd, one_at_a_time);
  }
  if (wanted("momentum")) {
    optim::SGD momentum(model.parameters(), {.lr = lr_or(1e-4), .momentum = 0.9});
    descend(fmt::format("momentum_lr{:g}", momentum.lr()),
            fmt::format("Full-batch heavy-ball momentum 0.9, learning rate {:g}", momentum.lr()), momentum, all);
  }
  if (wanted("adam")) {
    optim::Adam adam(model.parameters(), {.lr = lr_or(0.01)});
    descend(fmt::format("adam_lr{:g}", adam.lr()),
            fmt::format("Full-batch Adam (betas 0.9, 0.999), learning rate {:g}", adam.lr()), adam, all);
  }

  // 5. The exact answer, and how far each run ended from it.
  const Eigen::Array2d best = models::least_squares(x, y);
  model.set_theta(best);
  const double best_loss = model.loss_value(x, y);
  fmt::print("\n== Exact least squares (normal equations)\nθ* = [{:.8f} {:.8f}], L(θ*) = {:.8f}\n", best(0),
             best(1), best_loss);
  fmt::print("{:<18} {:>12} {:>14} {:>14}\n", "run", "iterations", "|θ − θ*|", "L(θ) − L(θ*)");
  for (const Run& run : runs) {
    model.set_theta(run.theta);
    fmt::print("{:<18} {:>12} {:>14.3e} {:>14.3e}\n", run.name, run.result.iterations,
               std::sqrt((run.theta - best).square().sum()), model.loss_value(x, y) - best_loss);
  }

  // 6. The hand-derived gradient against the tape's, at the start and at 100 random θ.
  std::mt19937_64 rng(2026);
  double worst = 0.0;
  for (int k = 0; k <= 100; ++k) {
    const auto uniform = [&] { return double(rng() >> 11) * 0x1.0p-53 * 4.0 - 2.0; };  // in [−2, 2)
    model.set_theta(k == 0 ? Eigen::Array2d(-1.0, 1.0) : Eigen::Array2d(uniform(), uniform()));
    autodiff::tape().clear();
    model.zero_grad();
    autodiff::backward(model.loss(x_all, y_all));
    const Eigen::Array2d tape_grad(model.theta0.grad()(0), model.theta1.grad()(0));
    const Eigen::Array2d hand_grad = model.gradient(x, y);
    worst = std::max(worst, ((tape_grad - hand_grad).abs() / hand_grad.abs().max(1e-300)).maxCoeff());
  }
  fmt::print("\n== Hand-derived gradient against the tape at θ = [−1, 1] and 100 random θ\n"
             "largest relative difference: {:.3e}\n", worst);

  // Traces as CSV and, with gnuplot, the pictures.
  for (const Run& run : runs) run.result.trace.write_csv((flags.out / (run.name + ".csv")).string());
  if (!flags.plots) return 0;
  if (!examples::gnuplot_available()) {
    fmt::print("\ngnuplot is not installed: skipped the plots (traces are in {}/)\n", flags.out.string());
    return 0;
  }
  std::vector<examples::Line> lines{{"least squares", best(0), best(1)}};
  std::vector<examples::Series> losses;
  for (const Run& run : runs) {
    lines.push_back({run.name, run.theta(0), run.theta(1)});
    examples::Series s{run.name, {}, {}};
    for (const auto& p : run.result.trace.points()) {
      if (!(p.loss > 0.0)) continue;  // a log axis shows positive values only
      s.x.push_back(double(p.iteration));
      s.y.push_back(p.loss);
    }
    losses.push_back(std::move(s));
  }
  examples::plot_points_and_lines(flags.out / "fit.png", x, y, lines, 0.0, 1.0,
                                  {"Job duration against training examples (scaled)", "n (scaled)", "duration (scaled)"},
                                  "jobs");
  examples::plot_series(flags.out / "loss.png", losses, {"Loss during descent", "iteration", "L(θ)"}, true);
  fmt::print("\nwrote {0}/fit.png, {0}/loss.png and one trace CSV per run\n", flags.out.string());
  return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "job_duration: {}\n", e.what());
    return 1;
  }
}
