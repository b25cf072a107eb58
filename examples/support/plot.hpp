// SPDX-License-Identifier: MIT
// PNG plots for the examples, drawn by gnuplot through a pipe: data goes
// inline ('-' blocks), so no temporary files. Call gnuplot_available() first.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace examples {

// True when `gnuplot --version` runs (checked once, then remembered).
bool gnuplot_available();

// Title and axis labels; empty strings are left out.
struct PlotLabels {
  std::string title;
  std::string x;
  std::string y;
};

// A named straight line y = a + b x.
struct Line {
  std::string name;
  double a = 0.0;  // intercept
  double b = 0.0;  // slope
};

// A named polyline through the points (x[k], y[k]).
struct Series {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
};

// A regular nx x ny grid over [x0, x1] x [y0, y1] and the class predicted at each node.
struct ClassGrid {
  double x0 = 0.0, x1 = 1.0, y0 = 0.0, y1 = 1.0;
  Eigen::Index nx = 2, ny = 2;
  std::vector<std::int64_t> classes;  // nx * ny, node (i, j) at index j * nx + i

  // The (nx * ny) x 2 node coordinates in the order of classes, to predict in one batch.
  Eigen::ArrayXXd points() const;
};

// Every plot function writes a 900x600 PNG (pngcairo) to png. It throws
// std::invalid_argument naming the function when sizes disagree, and
// std::runtime_error naming png when gnuplot cannot be run or fails. Points
// with a non-finite coordinate are left out. Not thread-safe: SIGPIPE is
// ignored while the script is written.

// (a) The points (x, y) and each line drawn over [x0, x1].
void plot_points_and_lines(const std::filesystem::path& png, const Eigen::ArrayXd& x,
                           const Eigen::ArrayXd& y, const std::vector<Line>& lines, double x0,
                           double x1, const PlotLabels& labels = {},
                           const std::string& points_name = "data");

// (b) Several series as lines; log_y puts the y axis on a log scale (values must be > 0).
void plot_series(const std::filesystem::path& png, const std::vector<Series>& series,
                 const PlotLabels& labels = {}, bool log_y = false);

// (c) Points (N x 2) coloured by class over a pale background of the grid's
// predicted classes, so the decision boundary shows as the edge between colours.
// class_names[k] names class k in the key (default "class k").
void plot_classes(const std::filesystem::path& png, const Eigen::ArrayXXd& points,
                  const std::vector<std::int64_t>& classes, const ClassGrid& background,
                  const PlotLabels& labels = {}, const std::vector<std::string>& class_names = {});

}  // namespace examples
