// SPDX-License-Identifier: MIT
// Tests of the gnuplot helper: each kind of plot yields a PNG file, and a
// gnuplot failure is a std::runtime_error naming the output file. Skipped,
// with a message, when gnuplot is not installed.
#define BOOST_TEST_MODULE plot
#include <boost/test/unit_test.hpp>

#include "examples/support/plot.hpp"

#include <array>
#include <fstream>
#include <iostream>
#include <random>

namespace {

boost::test_tools::assertion_result gnuplot_installed(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result installed = examples::gnuplot_available();
  if (!installed) {
    // Boost.Test logs the reason only at a verbose log level; say it plainly too.
    std::cerr << "SKIPPED: gnuplot is not installed, so the plot helper cannot be tested\n";
    installed.message() << "gnuplot is not installed";
  }
  return installed;
}

// A fresh temporary folder, removed with its contents.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device random;
    do {
      path = std::filesystem::temp_directory_path() /
             ("descent-plot-test-" + std::to_string(random()) + std::to_string(random()));
    } while (!std::filesystem::create_directory(path));
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// True when file begins with the 8-byte PNG signature.
bool is_png(const std::filesystem::path& file) {
  constexpr std::array<unsigned char, 8> signature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::ifstream in(file, std::ios::binary);
  std::array<char, 8> head{};
  in.read(head.data(), head.size());
  if (in.gcount() != 8) return false;
  for (std::size_t k = 0; k < 8; ++k) {
    if (static_cast<unsigned char>(head[k]) != signature[k]) return false;
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plot, *boost::unit_test::precondition(gnuplot_installed))

BOOST_AUTO_TEST_CASE(points_and_lines_make_a_png) {
  TempDir dir;
  const auto png = dir.path / "fit.png";
  Eigen::ArrayXd x(4), y(4);
  x << 0, 1, 2, 3;
  y << 1, 2.9, 5.2, 7;
  examples::plot_points_and_lines(png, x, y, {{"fit_1", 1.0, 2.0}, {"it's a guess", 0.5, 2.2}},
                                  0.0, 3.0, {.title = "y = a + b x", .x = "x", .y = "y"});
  BOOST_TEST(is_png(png));
}

BOOST_AUTO_TEST_CASE(series_on_a_log_axis_make_a_png) {
  TempDir dir;
  const auto png = dir.path / "loss.png";
  const examples::Series sgd{"sgd", {0, 1, 2, 3}, {1.0, 0.1, 0.01, 0.0}};  // the 0 is left out
  const examples::Series adam{"adam", {0, 1, 2}, {1.0, 0.05, 0.001}};
  examples::plot_series(png, {sgd, adam}, {.title = "loss", .x = "step", .y = "loss"}, true);
  BOOST_TEST(is_png(png));
}

BOOST_AUTO_TEST_CASE(classes_over_a_predicted_grid_make_a_png) {
  TempDir dir;
  const auto png = dir.path / "boundary.png";
  examples::ClassGrid grid{.x0 = -1, .x1 = 1, .y0 = -1, .y1 = 1, .nx = 20, .ny = 15, .classes = {}};
  const Eigen::ArrayXXd nodes = grid.points();
  for (Eigen::Index k = 0; k < nodes.rows(); ++k) {
    grid.classes.push_back(nodes(k, 0) + nodes(k, 1) > 0 ? 1 : 0);
  }
  Eigen::ArrayXXd points(4, 2);
  points << -0.5, -0.5, 0.5, 0.5, -0.8, 0.1, 0.7, -0.2;
  examples::plot_classes(png, points, {0, 1, 0, 1}, grid, {.title = "boundary", .x = "", .y = ""},
                         {"below", "above"});
  BOOST_TEST(is_png(png));
}

BOOST_AUTO_TEST_CASE(grid_points_run_over_x_first_and_hit_both_corners) {
  const examples::ClassGrid grid{.x0 = 0, .x1 = 2, .y0 = 10, .y1 = 13, .nx = 3, .ny = 4,
                                 .classes = {}};
  const Eigen::ArrayXXd p = grid.points();
  BOOST_TEST(p.rows() == 12);
  BOOST_TEST(p(0, 0) == 0.0);
  BOOST_TEST(p(0, 1) == 10.0);
  BOOST_TEST(p(1, 0) == 1.0);   // next node along x
  BOOST_TEST(p(1, 1) == 10.0);
  BOOST_TEST(p(3, 0) == 0.0);   // first node of the second scan line
  BOOST_TEST(p(3, 1) == 11.0);
  BOOST_TEST(p(11, 0) == 2.0);
  BOOST_TEST(p(11, 1) == 13.0);
}

BOOST_AUTO_TEST_CASE(a_gnuplot_failure_names_the_output_file) {
  TempDir dir;
  const auto png = dir.path / "no-such-folder" / "out.png";
  try {
    examples::plot_series(png, {{"s", {0, 1}, {0, 1}}});
    BOOST_FAIL("expected std::runtime_error");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()).find(png.string()) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(mismatched_sizes_are_invalid_arguments_naming_the_function) {
  TempDir dir;
  const auto png = dir.path / "x.png";
  BOOST_CHECK_THROW(examples::plot_series(png, {{"s", {0, 1, 2}, {0, 1}}}), std::invalid_argument);
  BOOST_CHECK_THROW(examples::plot_series(png, {}), std::invalid_argument);
  BOOST_CHECK_THROW(examples::plot_points_and_lines(png, Eigen::ArrayXd(3), Eigen::ArrayXd(2), {},
                                                    0, 1),
                    std::invalid_argument);
  examples::ClassGrid grid{.x0 = 0, .x1 = 1, .y0 = 0, .y1 = 1, .nx = 2, .ny = 2, .classes = {0}};
  try {
    examples::plot_classes(png, Eigen::ArrayXXd::Zero(1, 2), {0}, grid);
    BOOST_FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("plot_classes") != std::string::npos);
  }
  BOOST_TEST(!std::filesystem::exists(png));
}

BOOST_AUTO_TEST_SUITE_END()
