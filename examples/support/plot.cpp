// SPDX-License-Identifier: MIT
// The gnuplot driver behind plot.hpp: each function writes one script with its
// data in '-' blocks and pipes it to a gnuplot process.
#include "examples/support/plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string_view>

#include <signal.h>
#include <sys/wait.h>

namespace examples {

namespace {

// Tableau 10: distinct hues that stay readable for most colour-blind readers.
constexpr std::array<std::uint32_t, 10> palette = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728,
                                                   0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f,
                                                   0xbcbd22, 0x17becf};

std::uint32_t colour(std::size_t k) { return palette[k % palette.size()]; }

// The colour mixed 3:1 with white, for the background of plot_classes.
std::array<int, 3> tint(std::uint32_t rgb) {
  std::array<int, 3> out{};
  for (int c = 0; c < 3; ++c) {
    const int v = static_cast<int>((rgb >> (16 - 8 * c)) & 0xff);
    out[static_cast<std::size_t>(c)] = (v + 3 * 255) / 4;
  }
  return out;
}

// A gnuplot single-quoted string, where a quote is written twice.
std::string gnuplot_string(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\n') continue;  // a newline would end the command
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string header(const std::filesystem::path& png, const PlotLabels& labels) {
  // noenhanced: names such as "learning_rate" must not turn into subscripts.
  std::string s = "set terminal pngcairo size 900,600 noenhanced\n";
  s += fmt::format("set output {}\nset grid\nset key outside right top\n", gnuplot_string(png.string()));
  if (!labels.title.empty()) s += fmt::format("set title {}\n", gnuplot_string(labels.title));
  if (!labels.x.empty()) s += fmt::format("set xlabel {}\n", gnuplot_string(labels.x));
  if (!labels.y.empty()) s += fmt::format("set ylabel {}\n", gnuplot_string(labels.y));
  return s;
}

bool finite(double x, double y) { return std::isfinite(x) && std::isfinite(y); }

// Runs gnuplot on script; throws std::runtime_error naming png when it fails.
void run_gnuplot(const std::string& script, const std::filesystem::path& png) {
  // gnuplot quits at its first error; with SIGPIPE ignored our next write then
  // fails with EPIPE instead of killing this process. The handler is restored after.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, &previous);
  // gnuplot's stdout is dropped (after a failed `set output` it would get the
  // PNG); its stderr stays visible, so its own message explains a failure.
  FILE* pipe = popen("gnuplot >/dev/null", "w");
  if (pipe == nullptr) {
    sigaction(SIGPIPE, &previous, nullptr);
    throw std::runtime_error(fmt::format("plot '{}': cannot start gnuplot", png.string()));
  }
  const bool written = std::fwrite(script.data(), 1, script.size(), pipe) == script.size() &&
                       std::fflush(pipe) == 0;
  const int status = pclose(pipe);
  sigaction(SIGPIPE, &previous, nullptr);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) == 127) {
    throw std::runtime_error(fmt::format("plot '{}': cannot run gnuplot", png.string()));
  }
  if (WEXITSTATUS(status) != 0 || !written) {
    throw std::runtime_error(fmt::format("plot '{}': gnuplot failed (exit status {}); its message "
                                         "is on stderr", png.string(), WEXITSTATUS(status)));
  }
}

}  // namespace

bool gnuplot_available() {
  static const bool available = [] {
    FILE* pipe = popen("gnuplot --version 2>/dev/null", "r");
    if (pipe == nullptr) return false;
    std::array<char, 64> buffer{};
    const std::size_t got = std::fread(buffer.data(), 1, buffer.size() - 1, pipe);
    const int status = pclose(pipe);
    return status == 0 && std::string_view(buffer.data(), got).starts_with("gnuplot");
  }();
  return available;
}

Eigen::ArrayXXd ClassGrid::points() const {
  Eigen::ArrayXXd p(nx * ny, 2);
  for (Eigen::Index j = 0; j < ny; ++j) {
    for (Eigen::Index i = 0; i < nx; ++i) {
      p(j * nx + i, 0) = x0 + (x1 - x0) * static_cast<double>(i) / static_cast<double>(nx - 1);
      p(j * nx + i, 1) = y0 + (y1 - y0) * static_cast<double>(j) / static_cast<double>(ny - 1);
    }
  }
  return p;
}

void plot_points_and_lines(const std::filesystem::path& png, const Eigen::ArrayXd& x,
                           const Eigen::ArrayXd& y, const std::vector<Line>& lines, double x0,
                           double x1, const PlotLabels& labels, const std::string& points_name) {
  if (x.size() != y.size()) {
    throw std::invalid_argument(fmt::format("plot_points_and_lines: x has {} values, y has {}",
                                            x.size(), y.size()));
  }
  if (!(x0 < x1)) {
    throw std::invalid_argument(fmt::format("plot_points_and_lines: the lines' range [{}, {}] is "
                                            "empty", x0, x1));
  }
  std::string script = header(png, labels);
  script += fmt::format("plot '-' with points pt 7 ps 0.6 lc rgb '#{:06x}' title {}",
                        colour(0), gnuplot_string(points_name));
  for (std::size_t k = 0; k < lines.size(); ++k) {
    script += fmt::format(", '-' with lines lw 2 lc rgb '#{:06x}' title {}", colour(k + 1),
                          gnuplot_string(lines[k].name));
  }
  script += '\n';
  for (Eigen::Index k = 0; k < x.size(); ++k) {
    if (finite(x[k], y[k])) script += fmt::format("{} {}\n", x[k], y[k]);
  }
  script += "e\n";
  // y = a + b x, drawn as the segment between its ends.
  for (const auto& line : lines) {
    script += fmt::format("{} {}\n{} {}\ne\n", x0, line.a + line.b * x0, x1, line.a + line.b * x1);
  }
  run_gnuplot(script, png);
}

void plot_series(const std::filesystem::path& png, const std::vector<Series>& series,
                 const PlotLabels& labels, bool log_y) {
  if (series.empty()) throw std::invalid_argument("plot_series: no series to plot");
  for (const auto& s : series) {
    if (s.x.size() != s.y.size()) {
      throw std::invalid_argument(fmt::format("plot_series: series '{}' has {} x values and {} y "
                                              "values", s.name, s.x.size(), s.y.size()));
    }
  }
  std::string script = header(png, labels);
  if (log_y) script += "set logscale y\nset format y '%g'\n";
  script += "plot ";
  for (std::size_t k = 0; k < series.size(); ++k) {
    script += fmt::format("{}'-' with lines lw 2 lc rgb '#{:06x}' title {}", k == 0 ? "" : ", ",
                          colour(k), gnuplot_string(series[k].name));
  }
  script += '\n';
  for (const auto& s : series) {
    for (std::size_t k = 0; k < s.x.size(); ++k) {
      // A log axis cannot show y <= 0; such points, like non-finite ones, are left out.
      if (finite(s.x[k], s.y[k]) && (!log_y || s.y[k] > 0)) {
        script += fmt::format("{} {}\n", s.x[k], s.y[k]);
      }
    }
    script += "e\n";
  }
  run_gnuplot(script, png);
}

void plot_classes(const std::filesystem::path& png, const Eigen::ArrayXXd& points,
                  const std::vector<std::int64_t>& classes, const ClassGrid& background,
                  const PlotLabels& labels, const std::vector<std::string>& class_names) {
  if (points.cols() != 2 || static_cast<std::size_t>(points.rows()) != classes.size()) {
    throw std::invalid_argument(fmt::format("plot_classes: points are {}x{} but must be N x 2 for "
                                            "{} classes", points.rows(), points.cols(),
                                            classes.size()));
  }
  const auto& grid = background;
  if (grid.nx < 2 || grid.ny < 2 ||
      grid.classes.size() != static_cast<std::size_t>(grid.nx * grid.ny)) {
    throw std::invalid_argument(fmt::format("plot_classes: the background grid is {}x{} (each at "
                                            "least 2) with {} classes", grid.nx, grid.ny,
                                            grid.classes.size()));
  }
  std::int64_t top = 0;  // the largest class, which sets how many point blocks there are
  for (const auto c : classes) {
    if (c < 0) throw std::invalid_argument(fmt::format("plot_classes: negative class {}", c));
    top = std::max(top, c);
  }
  for (const auto c : grid.classes) {
    if (c < 0) throw std::invalid_argument(fmt::format("plot_classes: negative grid class {}", c));
  }

  std::string script = header(png, labels);
  script += fmt::format("set xrange [{}:{}]\nset yrange [{}:{}]\n", grid.x0, grid.x1, grid.y0,
                        grid.y1);
  // One block per class that has points: gnuplot warns about an empty block.
  std::vector<bool> present(static_cast<std::size_t>(top) + 1, false);
  for (const auto c : classes) present[static_cast<std::size_t>(c)] = true;
  script += "plot '-' using 1:2:3:4:5 with rgbimage notitle";
  for (std::int64_t c = 0; c <= top; ++c) {
    const auto k = static_cast<std::size_t>(c);
    if (!present[k]) continue;
    const std::string name = k < class_names.size() ? class_names[k] : fmt::format("class {}", c);
    script += fmt::format(", '-' with points pt 7 ps 0.8 lc rgb '#{:06x}' title {}", colour(k),
                          gnuplot_string(name));
  }
  script += '\n';
  const Eigen::ArrayXXd nodes = grid.points();
  for (Eigen::Index j = 0; j < grid.ny; ++j) {
    for (Eigen::Index i = 0; i < grid.nx; ++i) {
      const Eigen::Index n = j * grid.nx + i;
      const auto rgb = tint(colour(static_cast<std::size_t>(grid.classes[static_cast<std::size_t>(n)])));
      script += fmt::format("{} {} {} {} {}\n", nodes(n, 0), nodes(n, 1), rgb[0], rgb[1], rgb[2]);
    }
    script += '\n';  // a blank line ends one scan line of the image
  }
  script += "e\n";
  for (std::int64_t c = 0; c <= top; ++c) {
    if (!present[static_cast<std::size_t>(c)]) continue;
    for (Eigen::Index k = 0; k < points.rows(); ++k) {
      if (classes[static_cast<std::size_t>(k)] == c && finite(points(k, 0), points(k, 1))) {
        script += fmt::format("{} {}\n", points(k, 0), points(k, 1));
      }
    }
    script += "e\n";
  }
  run_gnuplot(script, png);
}

}  // namespace examples
