// SPDX-License-Identifier: MIT
// The rows of the op table. References are nested loops on doubles, written apart from
// the Eigen code they check; operands' extra arguments (exponents, labels, indices) are
// fixed per row or derived from the operand shapes.
#include "op_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <regex>
#include <stdexcept>

namespace support {

using autodiff::Parameter;

std::string to_string(Shape s) { return fmt::format("{}x{}", s.rows, s.cols); }

double sample(Domain d, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double u = unit(rng);
  const double sign = unit(rng) < 0.5 ? -1.0 : 1.0;
  switch (d) {
    case Domain::real: return -2.0 + 4.0 * u;
    case Domain::positive: return 0.2 + 2.8 * u;
    case Domain::nonzero: return sign * (0.3 + 1.7 * u);
    case Domain::off_kink: return sign * (0.05 + 1.95 * u);
  }
  return 0.0;
}

Array sample(Domain d, Shape s, std::mt19937_64& rng) {
  Array a(s.rows, s.cols);
  for (Index j = 0; j < s.cols; ++j) {
    for (Index i = 0; i < s.rows; ++i) a(i, j) = sample(d, rng);
  }
  return a;
}

// Label of row r: spread over the classes, and not always 0.
std::vector<std::int64_t> labels_for(Index rows, Index cols) {
  std::vector<std::int64_t> labels;
  for (Index r = 0; r < rows; ++r) labels.push_back(cols > 0 ? (2 * r + 1) % cols : 0);
  return labels;
}

// A 3x2 index that repeats rows, so that gradients must accumulate.
Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> gather_index_for(Index table_rows) {
  Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> index(3, 2);
  for (Index p = 0; p < 2; ++p) {
    for (Index r = 0; r < 3; ++r) index(r, p) = (r + 2 * p + 1) % table_rows;
  }
  return index;
}

namespace {

using Shapes = std::vector<Shape>;
using Vars = std::vector<Var>;
using Arrays = std::vector<Array>;

// ---- plain-loop references

template <class F>
Array map_ref(const Array& a, F f) {
  Array y(a.rows(), a.cols());
  for (Index j = 0; j < a.cols(); ++j) {
    for (Index i = 0; i < a.rows(); ++i) y(i, j) = f(a(i, j));
  }
  return y;
}

// NumPy broadcasting with explicit index arithmetic: a dimension of 1 reads index 0.
template <class F>
Array broadcast_ref(const Array& a, const Array& b, F f) {
  const Index rows = std::max(a.rows(), b.rows());
  const Index cols = std::max(a.cols(), b.cols());
  Array y(rows, cols);
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) {
      const double x = a(a.rows() == 1 ? 0 : i, a.cols() == 1 ? 0 : j);
      const double z = b(b.rows() == 1 ? 0 : i, b.cols() == 1 ? 0 : j);
      y(i, j) = f(x, z);
    }
  }
  return y;
}

Array sum_rows_ref(const Array& a, double scale) {  // m x n -> m x 1
  Array y(a.rows(), 1);
  for (Index i = 0; i < a.rows(); ++i) {
    double s = 0.0;
    for (Index j = 0; j < a.cols(); ++j) s += a(i, j);
    y(i, 0) = s * scale;
  }
  return y;
}

Array sum_cols_ref(const Array& a, double scale) {  // m x n -> 1 x n
  Array y(1, a.cols());
  for (Index j = 0; j < a.cols(); ++j) {
    double s = 0.0;
    for (Index i = 0; i < a.rows(); ++i) s += a(i, j);
    y(0, j) = s * scale;
  }
  return y;
}

Array scalar(double x) { return Array::Constant(1, 1, x); }

// The checkerboard mask where() is tested with: true where i + j is even.
autodiff::Mask checkerboard(Index rows, Index cols) {
  autodiff::Mask m(rows, cols);
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) m(i, j) = (i + j) % 2 == 0;
  }
  return m;
}

Array where_ref(const Array& a, const Array& b) {
  const Index rows = std::max(a.rows(), b.rows()), cols = std::max(a.cols(), b.cols());
  Array y(rows, cols);
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) {
      y(i, j) = (i + j) % 2 == 0 ? a(a.rows() == 1 ? 0 : i, a.cols() == 1 ? 0 : j)
                                 : b(b.rows() == 1 ? 0 : i, b.cols() == 1 ? 0 : j);
    }
  }
  return y;
}

// The largest (or smallest) of a list, a NaN winning.
double extreme_ref(const std::vector<double>& v, bool largest) {
  double best = v[0];
  for (double x : v) {
    if (std::isnan(x)) return x;
    if (largest ? x > best : x < best) best = x;
  }
  return best;
}

Array extreme_lines_ref(const Array& a, bool largest, int along) {  // along: 0 all, 1 rows, 2 columns
  const Index lines = along == 0 ? 1 : along == 1 ? a.rows() : a.cols();
  Array y(along == 2 ? 1 : lines, along == 2 ? lines : 1);
  for (Index l = 0; l < lines; ++l) {
    std::vector<double> v;
    for (Index j = 0; j < a.cols(); ++j) {
      for (Index i = 0; i < a.rows(); ++i) {
        if (along == 0 || (along == 1 && i == l) || (along == 2 && j == l)) v.push_back(a(i, j));
      }
    }
    y(l) = extreme_ref(v, largest);
  }
  return y;
}

Array stack_ref(const Array& a, const Array& b, bool side_by_side) {
  Array y(side_by_side ? a.rows() : a.rows() + b.rows(), side_by_side ? a.cols() + b.cols() : a.cols());
  for (Index j = 0; j < y.cols(); ++j) {
    for (Index i = 0; i < y.rows(); ++i) {
      if (side_by_side) {
        y(i, j) = j < a.cols() ? a(i, j) : b(i, j - a.cols());
      } else {
        y(i, j) = i < a.rows() ? a(i, j) : b(i - a.rows(), j);
      }
    }
  }
  return y;
}

// Element (i, j) is a's element (i mod a.rows, j mod a.cols).
Array tile_ref(const Array& a, Index rows_times, Index cols_times) {
  Array y(a.rows() * rows_times, a.cols() * cols_times);
  for (Index j = 0; j < y.cols(); ++j) {
    for (Index i = 0; i < y.rows(); ++i) y(i, j) = a(i % a.rows(), j % a.cols());
  }
  return y;
}

// Element k in column-major order lands at (k mod rows, k / rows).
Array reshape_ref(const Array& a, Index rows, Index cols) {
  Array y(rows, cols);
  for (Index j = 0; j < a.cols(); ++j) {
    for (Index i = 0; i < a.rows(); ++i) {
      const Index k = i + j * a.rows();
      y(k % rows, k / rows) = a(i, j);
    }
  }
  return y;
}

// A loss reference: f per element pair, then the sum or the mean.
template <class F>
Array loss_ref(const Array& a, const Array& b, bool mean, F f) {
  double s = 0.0;
  for (Index j = 0; j < a.cols(); ++j) {
    for (Index i = 0; i < a.rows(); ++i) s += f(a(i, j), b(i, j));
  }
  return Array::Constant(1, 1, mean ? s / double(a.size()) : s);
}

double huber_ref(double p, double t, double delta) {
  const double d = std::fabs(p - t);
  return d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
}

double bce_ref(double x, double y) { return std::max(x, 0.0) - x * y + std::log1p(std::exp(-std::fabs(x))); }

Array nll_ref(const Array& a, bool mean) {
  const auto labels = labels_for(a.rows(), a.cols());
  double s = 0.0;
  for (Index i = 0; i < a.rows(); ++i) s -= a(i, labels[std::size_t(i)]);
  return Array::Constant(1, 1, mean ? s / double(a.rows()) : s);
}

double total(const Array& a) {
  double s = 0.0;
  for (Index j = 0; j < a.cols(); ++j) {
    for (Index i = 0; i < a.rows(); ++i) s += a(i, j);
  }
  return s;
}

Array matmul_ref(const Array& a, const Array& b) {
  Array y(a.rows(), b.cols());
  for (Index i = 0; i < a.rows(); ++i) {
    for (Index j = 0; j < b.cols(); ++j) {
      double s = 0.0;
      for (Index k = 0; k < a.cols(); ++k) s += a(i, k) * b(k, j);
      y(i, j) = s;
    }
  }
  return y;
}

Array transpose_ref(const Array& a) {
  Array y(a.cols(), a.rows());
  for (Index j = 0; j < a.cols(); ++j) {
    for (Index i = 0; i < a.rows(); ++i) y(j, i) = a(i, j);
  }
  return y;
}

// log sum_j exp(a_ij), shifted by the row maximum.
double row_lse(const Array& a, Index i) {
  double m = a(i, 0);
  for (Index j = 1; j < a.cols(); ++j) m = std::max(m, a(i, j));
  double s = 0.0;
  for (Index j = 0; j < a.cols(); ++j) s += std::exp(a(i, j) - m);
  return m + std::log(s);
}

Array logsumexp_ref(const Array& a) {
  Array y(a.rows(), 1);
  for (Index i = 0; i < a.rows(); ++i) y(i, 0) = row_lse(a, i);
  return y;
}

Array log_softmax_ref(const Array& a) {
  Array y(a.rows(), a.cols());
  for (Index i = 0; i < a.rows(); ++i) {
    const double lse = row_lse(a, i);
    for (Index j = 0; j < a.cols(); ++j) y(i, j) = a(i, j) - lse;
  }
  return y;
}

Array softmax_ref(const Array& a) {
  return map_ref(log_softmax_ref(a), [](double x) { return std::exp(x); });
}

Array cross_entropy_ref(const Array& a) {
  const auto labels = labels_for(a.rows(), a.cols());
  double s = 0.0;
  for (Index i = 0; i < a.rows(); ++i) s += row_lse(a, i) - a(i, labels[std::size_t(i)]);
  return scalar(s / double(a.rows()));
}

Array gather_ref(const Array& table, const Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>& index) {
  const Index d = table.cols();
  Array y(index.rows(), index.cols() * d);
  for (Index r = 0; r < index.rows(); ++r) {
    for (Index p = 0; p < index.cols(); ++p) {
      for (Index c = 0; c < d; ++c) y(r, p * d + c) = table(index(r, p), c);
    }
  }
  return y;
}

// Pixel (c, h, w) of image n in the one-image-per-row layout; 0 in the padding.
double pixel(const Array& x, Index n, Index c, Index h, Index w, Index height, Index width) {
  if (h < 0 || h >= height || w < 0 || w >= width) return 0.0;
  return x(n, c * height * width + h * width + w);
}

// Convolution as its definition reads; padded taps multiply their zero too, as the GEMM does.
Array conv2d_ref(const Array& x, const Array& w, const Array& b, const autodiff::Conv2dGeometry& g) {
  const Index oh = (g.height + 2 * g.padding - g.kernel_height) / g.stride + 1;
  const Index ow = (g.width + 2 * g.padding - g.kernel_width) / g.stride + 1;
  Array y(x.rows(), w.rows() * oh * ow);
  for (Index n = 0; n < x.rows(); ++n) {
    for (Index o = 0; o < w.rows(); ++o) {
      for (Index i = 0; i < oh; ++i) {
        for (Index j = 0; j < ow; ++j) {
          double s = b(0, o);
          for (Index c = 0; c < g.channels; ++c) {
            for (Index u = 0; u < g.kernel_height; ++u) {
              for (Index v = 0; v < g.kernel_width; ++v) {
                s += w(o, (c * g.kernel_height + u) * g.kernel_width + v) *
                     pixel(x, n, c, i * g.stride - g.padding + u, j * g.stride - g.padding + v, g.height, g.width);
              }
            }
          }
          y(n, (o * oh + i) * ow + j) = s;
        }
      }
    }
  }
  return y;
}

// Pooling as its definition reads: the maximum (a NaN wins) or the mean of each window.
Array pool_ref(const Array& x, const autodiff::Pool2dGeometry& g, bool max) {
  const Index s = g.stride == 0 ? g.kernel : g.stride;
  const Index oh = (g.height - g.kernel) / s + 1, ow = (g.width - g.kernel) / s + 1;
  Array y(x.rows(), g.channels * oh * ow);
  for (Index n = 0; n < x.rows(); ++n) {
    for (Index c = 0; c < g.channels; ++c) {
      for (Index i = 0; i < oh; ++i) {
        for (Index j = 0; j < ow; ++j) {
          double m = pixel(x, n, c, i * s, j * s, g.height, g.width), total = 0.0;
          for (Index u = 0; u < g.kernel; ++u) {
            for (Index v = 0; v < g.kernel; ++v) {
              const double p = pixel(x, n, c, i * s + u, j * s + v, g.height, g.width);
              if (p > m || std::isnan(p)) m = p;
              total += p;
            }
          }
          y(n, (c * oh + i) * ow + j) = max ? m : total / double(g.kernel * g.kernel);
        }
      }
    }
  }
  return y;
}

// Row by row: (x - mean) / sqrt(biased variance + eps) * gamma + beta.
Array layer_norm_ref(const Array& x, const Array& gamma, const Array& beta, double eps) {
  Array y(x.rows(), x.cols());
  for (Index i = 0; i < x.rows(); ++i) {
    double mean = 0.0, var = 0.0;
    for (Index j = 0; j < x.cols(); ++j) mean += x(i, j) / double(x.cols());
    for (Index j = 0; j < x.cols(); ++j) var += (x(i, j) - mean) * (x(i, j) - mean) / double(x.cols());
    for (Index j = 0; j < x.cols(); ++j) y(i, j) = (x(i, j) - mean) / std::sqrt(var + eps) * gamma(0, j) + beta(0, j);
  }
  return y;
}

// Dropout with its documented draws: element k (column-major) is kept when the top 53
// bits of the k-th draw, as a fraction, are >= p.
Array dropout_ref(const Array& x, double p, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Array y(x.rows(), x.cols());
  for (Index j = 0; j < x.cols(); ++j) {
    for (Index i = 0; i < x.rows(); ++i) {
      const double u = double(rng() >> 11) / 9007199254740992.0;
      y(i, j) = x(i, j) * (u >= p ? 1.0 / (1.0 - p) : 0.0);  // a product: NaN * 0 stays NaN
    }
  }
  return y;
}

Array block_ref(const Array& a, Index row, Index col, Index rows, Index cols) {
  Array y(rows, cols);
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) y(i, j) = a(row + i, col + j);
  }
  return y;
}

// The element, block and row run each indexing row takes of an operand of shape s.
struct Pick {
  Index row, col, rows, cols;
};
Pick element_pick(Index r, Index c) { return {r / 2, c - 1, 1, 1}; }
Pick block_pick(Index r, Index c) {
  const Index row = r > 1 ? 1 : 0, col = c > 1 ? 1 : 0;
  return {row, col, r - row, c > 2 ? 2 : c - col};
}
Pick rows_pick(Index r, Index c) {
  const Index first = r > 1 ? 1 : 0;
  return {first, 0, r > 2 ? 2 : r - first, c};
}

// ---- shape rules

bool any_shape(const Shapes& s) {
  return std::all_of(s.begin(), s.end(), [](Shape x) { return x.rows > 0 && x.cols > 0; });
}
bool broadcastable(const Shapes& s) {
  auto dim = [](Index x, Index y) { return x == y || x == 1 || y == 1; };
  return any_shape(s) && dim(s[0].rows, s[1].rows) && dim(s[0].cols, s[1].cols);
}

// ---- sample and error sets

const Shape kUnaryShapes[] = {{1, 1}, {1, 4}, {4, 1}, {3, 2}, {2, 3}};

std::vector<Shapes> unary_samples() {
  std::vector<Shapes> out;
  for (Shape s : kUnaryShapes) out.push_back({s});
  return out;
}

// Equal shapes, then every broadcasting pairing in both orders.
std::vector<Shapes> broadcast_samples() {
  return {{{1, 1}, {1, 1}}, {{3, 2}, {3, 2}}, {{1, 3}, {1, 3}}, {{4, 1}, {4, 1}},
          {{1, 1}, {3, 2}}, {{3, 2}, {1, 1}},  // scalar with matrix
          {{1, 2}, {3, 2}}, {{3, 2}, {1, 2}},  // row with matrix
          {{3, 1}, {3, 2}}, {{3, 2}, {3, 1}},  // column with matrix
          {{1, 2}, {3, 1}}, {{3, 1}, {1, 2}},  // row with column
          {{1, 1}, {1, 3}}, {{4, 1}, {1, 1}}}; // scalar with a vector
}

std::vector<ErrorCase> broadcast_errors(const std::string& op) {
  auto e = [&](Shape a, Shape b) {
    return ErrorCase{to_string(a) + " with " + to_string(b), {a, b},
                     {op, "cannot broadcast", to_string(a), to_string(b)}, {}};
  };
  return {e({3, 2}, {4, 2}), e({3, 2}, {3, 3}), e({1, 2}, {1, 3}), e({2, 1}, {3, 1}),
          e({2, 3}, {3, 2})};
}

OpInfo unary_row(std::string name, std::string signature, std::string display, Domain d,
                 std::function<Var(const Var&)> f, std::function<double(double)> ref) {
  OpInfo op;
  op.name = std::move(name);
  op.signature = std::move(signature);
  op.display = std::move(display);
  op.domains = {d};
  op.elementwise = true;
  op.apply = [f](const Vars& v) { return f(v[0]); };
  op.reference = [ref](const Arrays& a) { return map_ref(a[0], ref); };
  op.accepts = any_shape;
  op.samples = unary_samples();
  return op;
}

OpInfo binary_row(std::string name, std::string signature, std::string display, Domain db,
                  std::function<Var(const Var&, const Var&)> f,
                  std::function<double(double, double)> ref) {
  OpInfo op;
  op.errors = broadcast_errors(signature.substr(0, signature.find('(')));
  op.name = std::move(name);
  op.signature = std::move(signature);
  op.display = std::move(display);
  op.domains = {Domain::real, db};
  op.apply = [f](const Vars& v) { return f(v[0], v[1]); };
  op.reference = [ref](const Arrays& a) { return broadcast_ref(a[0], a[1], ref); };
  op.accepts = broadcastable;
  op.samples = broadcast_samples();
  return op;
}

// A row whose reference takes the whole operand list.
OpInfo row(std::string name, std::string signature, std::string display, std::vector<Domain> domains,
           std::function<Var(const Vars&)> apply, std::function<Array(const Arrays&)> reference,
           std::function<bool(const Shapes&)> accepts, std::vector<Shapes> samples,
           std::vector<ErrorCase> errors = {}) {
  OpInfo op;
  op.name = std::move(name);
  op.signature = std::move(signature);
  op.display = std::move(display);
  op.domains = std::move(domains);
  op.apply = std::move(apply);
  op.reference = std::move(reference);
  op.accepts = std::move(accepts);
  op.samples = std::move(samples);
  op.errors = std::move(errors);
  return op;
}

std::vector<ErrorCase> empty_logits_errors(const std::string& op) {
  return {{"0x3 logits", {{0, 3}}, {op, "at least one row and one column", "0x3"}, {}},
          {"3x0 logits", {{3, 0}}, {op, "at least one row and one column", "3x0"}, {}}};
}

std::vector<OpInfo> build() {
  using namespace autodiff;
  const Domain real = Domain::real, positive = Domain::positive, nonzero = Domain::nonzero,
               off_kink = Domain::off_kink;
  std::vector<OpInfo> t;

  // ---- arithmetic.cpp
  t.push_back(binary_row("a + b", "operator+(Var,Var)", "({0} + {1})", real,
                         [](const Var& a, const Var& b) { return a + b; },
                         [](double a, double b) { return a + b; }));
  t.push_back(binary_row("a - b", "operator-(Var,Var)", "({0} - {1})", real,
                         [](const Var& a, const Var& b) { return a - b; },
                         [](double a, double b) { return a - b; }));
  t.push_back(binary_row("a * b", "operator*(Var,Var)", "({0} * {1})", real,
                         [](const Var& a, const Var& b) { return a * b; },
                         [](double a, double b) { return a * b; }));
  t.push_back(binary_row("a / b", "operator/(Var,Var)", "({0} / {1})", nonzero,
                         [](const Var& a, const Var& b) { return a / b; },
                         [](double a, double b) { return a / b; }));
  t.push_back(unary_row("a + 2.5", "operator+(Var,double)", "({0} + 2.5)", real,
                        [](const Var& a) { return a + 2.5; }, [](double a) { return a + 2.5; }));
  t.push_back(unary_row("2.5 + a", "operator+(double,Var)", "(2.5 + {0})", real,
                        [](const Var& a) { return 2.5 + a; }, [](double a) { return 2.5 + a; }));
  t.push_back(unary_row("a - 2.5", "operator-(Var,double)", "({0} - 2.5)", real,
                        [](const Var& a) { return a - 2.5; }, [](double a) { return a - 2.5; }));
  t.push_back(unary_row("2.5 - a", "operator-(double,Var)", "(2.5 - {0})", real,
                        [](const Var& a) { return 2.5 - a; }, [](double a) { return 2.5 - a; }));
  t.push_back(unary_row("a * -1.5", "operator*(Var,double)", "({0} * -1.5)", real,
                        [](const Var& a) { return a * -1.5; }, [](double a) { return a * -1.5; }));
  t.push_back(unary_row("-1.5 * a", "operator*(double,Var)", "(-1.5 * {0})", real,
                        [](const Var& a) { return -1.5 * a; }, [](double a) { return -1.5 * a; }));
  t.push_back(unary_row("a / 4", "operator/(Var,double)", "({0} / 4)", real,
                        [](const Var& a) { return a / 4.0; }, [](double a) { return a / 4.0; }));
  t.push_back(unary_row("3 / a", "operator/(double,Var)", "(3 / {0})", nonzero,
                        [](const Var& a) { return 3.0 / a; }, [](double a) { return 3.0 / a; }));
  t.push_back(unary_row("-a", "operator-(Var)", "(-{0})", real, [](const Var& a) { return -a; },
                        [](double a) { return -a; }));

  // ---- elementwise.cpp
  t.push_back(unary_row("pow(a, 2.5)", "pow(Var,double)", "pow({0}, 2.5)", positive,
                        [](const Var& a) { return pow(a, 2.5); },
                        [](double a) { return std::pow(a, 2.5); }));
  t.push_back(unary_row("pow(a, 3)", "pow(Var,double)", "pow({0}, 3)", real,
                        [](const Var& a) { return pow(a, 3.0); }, [](double a) { return a * a * a; }));
  t.push_back(unary_row("pow(a, -2)", "pow(Var,double)", "pow({0}, -2)", nonzero,
                        [](const Var& a) { return pow(a, -2.0); },
                        [](double a) { return 1.0 / (a * a); }));
  t.push_back(unary_row("square(a)", "square(Var)", "square({0})", real,
                        [](const Var& a) { return square(a); }, [](double a) { return a * a; }));
  t.push_back(unary_row("sqrt(a)", "sqrt(Var)", "sqrt({0})", positive,
                        [](const Var& a) { return sqrt(a); }, [](double a) { return std::sqrt(a); }));
  t.push_back(unary_row("exp(a)", "exp(Var)", "exp({0})", real, [](const Var& a) { return exp(a); },
                        [](double a) { return std::exp(a); }));
  t.push_back(unary_row("log(a)", "log(Var)", "log({0})", positive,
                        [](const Var& a) { return log(a); }, [](double a) { return std::log(a); }));
  t.push_back(unary_row("log1p(a)", "log1p(Var)", "log1p({0})", positive,
                        [](const Var& a) { return log1p(a); }, [](double a) { return std::log1p(a); }));
  t.push_back(unary_row("tanh(a)", "tanh(Var)", "tanh({0})", real,
                        [](const Var& a) { return tanh(a); }, [](double a) { return std::tanh(a); }));
  t.push_back(unary_row("sigmoid(a)", "sigmoid(Var)", "sigmoid({0})", real,
                        [](const Var& a) { return sigmoid(a); },
                        [](double a) { return 1.0 / (1.0 + std::exp(-a)); }));
  t.push_back(unary_row("relu(a)", "relu(Var)", "relu({0})", off_kink,
                        [](const Var& a) { return relu(a); },
                        [](double a) { return std::isnan(a) ? a : a > 0.0 ? a : 0.0; }));
  t.push_back(unary_row("abs(a)", "abs(Var)", "abs({0})", off_kink,
                        [](const Var& a) { return abs(a); }, [](double a) { return std::fabs(a); }));
  t.push_back(unary_row("expm1(a)", "expm1(Var)", "expm1({0})", real,
                        [](const Var& a) { return expm1(a); }, [](double a) { return std::expm1(a); }));
  t.push_back(unary_row("sin(a)", "sin(Var)", "sin({0})", real, [](const Var& a) { return sin(a); },
                        [](double a) { return std::sin(a); }));
  t.push_back(unary_row("cos(a)", "cos(Var)", "cos({0})", real, [](const Var& a) { return cos(a); },
                        [](double a) { return std::cos(a); }));
  t.push_back(unary_row("softplus(a)", "softplus(Var)", "softplus({0})", real,
                        [](const Var& a) { return softplus(a); },
                        [](double a) { return a > 20.0 ? a : std::log1p(std::exp(a)); }));
  t.push_back(unary_row("log_sigmoid(a)", "log_sigmoid(Var)", "log_sigmoid({0})", real,
                        [](const Var& a) { return log_sigmoid(a); },
                        [](double a) { return (a < 0.0 ? a : 0.0) - std::log1p(std::exp(-std::fabs(a))); }));
  t.push_back(unary_row("gelu(a)", "gelu(Var)", "gelu({0})", real, [](const Var& a) { return gelu(a); },
                        [](double a) { return 0.5 * a * (1.0 + std::erf(a / std::sqrt(2.0))); }));
  t.push_back(unary_row("silu(a)", "silu(Var)", "silu({0})", real, [](const Var& a) { return silu(a); },
                        [](double a) { return a / (1.0 + std::exp(-a)); }));
  t.push_back(unary_row("leaky_relu(a)", "leaky_relu(Var,double)", "leaky_relu({0})", off_kink,
                        [](const Var& a) { return leaky_relu(a); },
                        [](double a) { return a > 0.0 ? a : 0.01 * a; }));
  t.push_back(unary_row("leaky_relu(a, 0.2)", "leaky_relu(Var,double)", "leaky_relu({0}, 0.2)", off_kink,
                        [](const Var& a) { return leaky_relu(a, 0.2); },
                        [](double a) { return a > 0.0 ? a : 0.2 * a; }));
  t.push_back(unary_row("elu(a)", "elu(Var,double)", "elu({0})", off_kink, [](const Var& a) { return elu(a); },
                        [](double a) { return a > 0.0 ? a : std::expm1(a); }));
  t.push_back(unary_row("elu(a, 0.5)", "elu(Var,double)", "elu({0}, 0.5)", off_kink,
                        [](const Var& a) { return elu(a, 0.5); },
                        [](double a) { return a > 0.0 ? a : 0.5 * std::expm1(a); }));
  t.push_back(unary_row("clamp(a, -1, 0.5)", "clamp(Var,double,double)", "clamp({0}, -1, 0.5)", real,
                        [](const Var& a) { return clamp(a, -1.0, 0.5); },
                        [](double a) { return std::isnan(a) ? a : std::min(std::max(a, -1.0), 0.5); }));
  t.back().errors = {{"lo 2 above hi 1", {{3, 2}}, {"clamp", "lo 2", "hi 1"},
                      [](const Vars& v) { return Var(clamp(v[0], 2.0, 1.0)); }}};
  t.push_back(binary_row("maximum(a, b)", "maximum(Var,Var)", "maximum({0}, {1})", real,
                         [](const Var& a, const Var& b) { return maximum(a, b); },
                         [](double a, double b) { return std::isnan(a) || a > b ? a : b; }));
  t.push_back(binary_row("minimum(a, b)", "minimum(Var,Var)", "minimum({0}, {1})", real,
                         [](const Var& a, const Var& b) { return minimum(a, b); },
                         [](double a, double b) { return std::isnan(a) || a < b ? a : b; }));

  // ---- selection.cpp
  t.push_back(binary_row("where(mask, a, b)", "where(Mask,Var,Var)", "where(checkerboard, {0}, {1})", real,
                         [](const Var& a, const Var& b) {
                           return where(checkerboard(std::max(a.rows(), b.rows()), std::max(a.cols(), b.cols())), a, b);
                         },
                         [](double a, double) { return a; }));
  t.back().reference = [](const Arrays& a) { return where_ref(a[0], a[1]); };
  for (auto& e : t.back().errors) e.words[1] = "cannot broadcast the";
  t.back().errors.push_back({"2x2 mask with 3x2 operands", {{3, 2}, {3, 2}}, {"where", "2x2 mask", "3x2"},
                             [](const Vars& v) { return where(checkerboard(2, 2), v[0], v[1]); }});
  t.back().errors.push_back({"a comparison mask of the wrong shape", {{3, 2}, {1, 1}}, {"where", "2x3 mask", "3x2", "1x1"},
                             [](const Vars& v) { return where(v[0].value().transpose() > 0.0, v[0], v[1]); }});

  // ---- reduction.cpp
  const auto one = std::vector<Domain>{real};
  t.push_back(row("sum(a)", "sum(Var)", "sum({0})", one, [](const Vars& v) { return sum(v[0]); },
                  [](const Arrays& a) { return scalar(total(a[0])); }, any_shape, unary_samples()));
  t.push_back(row("sum_rowwise(a)", "sum_rowwise(Var)", "sum_rowwise({0})", one,
                  [](const Vars& v) { return sum_rowwise(v[0]); },
                  [](const Arrays& a) { return sum_rows_ref(a[0], 1.0); }, any_shape, unary_samples()));
  t.push_back(row("sum_colwise(a)", "sum_colwise(Var)", "sum_colwise({0})", one,
                  [](const Vars& v) { return sum_colwise(v[0]); },
                  [](const Arrays& a) { return sum_cols_ref(a[0], 1.0); }, any_shape, unary_samples()));
  t.push_back(row("mean(a)", "mean(Var)", "mean({0})", one, [](const Vars& v) { return mean(v[0]); },
                  [](const Arrays& a) { return scalar(total(a[0]) / double(a[0].size())); },
                  any_shape, unary_samples()));
  t.push_back(row("mean_rowwise(a)", "mean_rowwise(Var)", "mean_rowwise({0})", one,
                  [](const Vars& v) { return mean_rowwise(v[0]); },
                  [](const Arrays& a) { return sum_rows_ref(a[0], 1.0 / double(a[0].cols())); },
                  any_shape, unary_samples()));
  t.push_back(row("mean_colwise(a)", "mean_colwise(Var)", "mean_colwise({0})", one,
                  [](const Vars& v) { return mean_colwise(v[0]); },
                  [](const Arrays& a) { return sum_cols_ref(a[0], 1.0 / double(a[0].rows())); },
                  any_shape, unary_samples()));
  const std::vector<ErrorCase> no_elements = {
      {"0x3 operand", {{0, 3}}, {"needs at least one element", "0x3"}, {}}};
  auto extreme_row = [&](std::string name, std::function<Var(const Var&)> f, bool largest, int along) {
    auto errors = no_elements;
    errors[0].words.push_back(name.substr(0, name.find('(')));
    const std::string op = name.substr(0, name.find('('));
    return row(name, op + "(Var)", op + "({0})", one, [f](const Vars& v) { return f(v[0]); },
               [largest, along](const Arrays& a) { return extreme_lines_ref(a[0], largest, along); }, any_shape,
               unary_samples(), errors);
  };
  t.push_back(extreme_row("max(a)", [](const Var& a) { return max(a); }, true, 0));
  t.push_back(extreme_row("min(a)", [](const Var& a) { return min(a); }, false, 0));
  t.push_back(extreme_row("max_rowwise(a)", [](const Var& a) { return max_rowwise(a); }, true, 1));
  t.push_back(extreme_row("min_rowwise(a)", [](const Var& a) { return min_rowwise(a); }, false, 1));
  t.push_back(extreme_row("max_colwise(a)", [](const Var& a) { return max_colwise(a); }, true, 2));
  t.push_back(extreme_row("min_colwise(a)", [](const Var& a) { return min_colwise(a); }, false, 2));
  t.push_back(row("norm(a)", "norm(Var)", "norm({0})", one, [](const Vars& v) { return norm(v[0]); },
                  [](const Arrays& a) { return scalar(std::sqrt(total(a[0] * a[0]))); }, any_shape,
                  unary_samples()));

  // ---- linalg.cpp
  t.push_back(row(
      "matmul(a, b)", "matmul(Var,Var)", "matmul({0}, {1})", {real, real},
      [](const Vars& v) { return matmul(v[0], v[1]); },
      [](const Arrays& a) { return matmul_ref(a[0], a[1]); },
      [](const Shapes& s) { return any_shape(s) && s[0].cols == s[1].rows; },
      {{{1, 1}, {1, 1}}, {{2, 3}, {3, 4}}, {{1, 3}, {3, 1}}, {{3, 1}, {1, 2}}, {{3, 2}, {2, 1}},
       {{1, 2}, {2, 3}}, {{1, 1}, {1, 3}}, {{4, 1}, {1, 1}}},
      {{"3x2 times 3x2", {{3, 2}, {3, 2}}, {"matmul", "inner dimensions", "3x2 times 3x2"}, {}},
       {"1x3 times 1x3", {{1, 3}, {1, 3}}, {"matmul", "1x3 times 1x3"}, {}},
       {"2x3 times 4x3", {{2, 3}, {4, 3}}, {"matmul", "2x3 times 4x3"}, {}}}));
  t.push_back(row("transpose(a)", "transpose(Var)", "transpose({0})", one,
                  [](const Vars& v) { return transpose(v[0]); },
                  [](const Arrays& a) { return transpose_ref(a[0]); }, any_shape, unary_samples()));
  t.push_back(row(
      "dot(a, b)", "dot(Var,Var)", "dot({0}, {1})", {real, real},
      [](const Vars& v) { return dot(v[0], v[1]); },
      [](const Arrays& a) { return broadcast_ref(a[0], a[1], [](double x, double y) { return x * y; }); },
      [](const Shapes& s) { return any_shape(s) && s[0] == s[1]; },
      {{{1, 1}, {1, 1}}, {{3, 2}, {3, 2}}, {{1, 4}, {1, 4}}, {{4, 1}, {4, 1}}},
      {{"3x2 with 2x3", {{3, 2}, {2, 3}}, {"dot", "one shape", "3x2", "2x3"}, {}},
       {"1x3 with 3x1", {{1, 3}, {3, 1}}, {"dot", "1x3", "3x1"}, {}},
       {"3x2 with 3x1 (dot does not broadcast)", {{3, 2}, {3, 1}}, {"dot", "3x2", "3x1"}, {}}}));
  // dot's reference sums the element-wise products.
  t.back().reference = [](const Arrays& a) {
    return scalar(total(broadcast_ref(a[0], a[1], [](double x, double y) { return x * y; })));
  };

  // ---- nn.cpp
  const std::vector<Shapes> logit_samples = {{{1, 1}}, {{1, 4}}, {{4, 1}}, {{3, 2}}, {{2, 5}}};
  t.push_back(row("logsumexp(a)", "logsumexp(Var)", "logsumexp({0})", one,
                  [](const Vars& v) { return logsumexp(v[0]); },
                  [](const Arrays& a) { return logsumexp_ref(a[0]); }, any_shape, logit_samples,
                  empty_logits_errors("logsumexp")));
  t.push_back(row("softmax(a)", "softmax(Var)", "softmax({0})", one,
                  [](const Vars& v) { return softmax(v[0]); },
                  [](const Arrays& a) { return softmax_ref(a[0]); }, any_shape, logit_samples,
                  empty_logits_errors("softmax")));
  t.push_back(row("log_softmax(a)", "log_softmax(Var)", "log_softmax({0})", one,
                  [](const Vars& v) { return log_softmax(v[0]); },
                  [](const Arrays& a) { return log_softmax_ref(a[0]); }, any_shape, logit_samples,
                  empty_logits_errors("log_softmax")));

  auto ce_errors = empty_logits_errors("cross_entropy");
  ce_errors.push_back({"3x2 logits with 4 labels", {{3, 2}}, {"cross_entropy", "4 labels", "3x2"},
                       [](const Vars& v) {
                         const std::vector<std::int64_t> labels{0, 1, 0, 1};
                         return cross_entropy(v[0], std::span<const std::int64_t>(labels));
                       }});
  ce_errors.push_back({"label 2 with 2 classes", {{3, 2}}, {"cross_entropy", "label 2", "row 1", "[0, 2)", "3x2"},
                       [](const Vars& v) {
                         const std::vector<std::int64_t> labels{0, 2, 1};
                         return cross_entropy(v[0], std::span<const std::int64_t>(labels));
                       }});
  ce_errors.push_back({"label -1", {{3, 2}}, {"cross_entropy", "label -1", "row 0", "[0, 2)"},
                       [](const Vars& v) {
                         const std::vector<std::int64_t> labels{-1, 0, 1};
                         return cross_entropy(v[0], std::span<const std::int64_t>(labels));
                       }});
  t.push_back(row(
      "cross_entropy(a, span labels)", "cross_entropy(Var,std::span<std::int64_t>)",
      "cross_entropy({0}, labels (2r+1) mod n)", one,
      [](const Vars& v) {
        const auto labels = labels_for(v[0].rows(), v[0].cols());
        return cross_entropy(v[0], std::span<const std::int64_t>(labels));
      },
      [](const Arrays& a) { return cross_entropy_ref(a[0]); }, any_shape, logit_samples, ce_errors));
  t.push_back(row(
      "cross_entropy(a, vector<int> labels)", "cross_entropy(Var,std::vector<int>)",
      "cross_entropy({0}, int labels (2r+1) mod n)", one,
      [](const Vars& v) {
        const auto wide = labels_for(v[0].rows(), v[0].cols());
        return cross_entropy(v[0], std::vector<int>(wide.begin(), wide.end()));
      },
      [](const Arrays& a) { return cross_entropy_ref(a[0]); }, any_shape, logit_samples,
      {{"label 5 with 4 classes", {{2, 4}}, {"cross_entropy", "label 5", "row 1", "[0, 4)", "2x4"},
        [](const Vars& v) { return cross_entropy(v[0], std::vector<int>{0, 5}); }},
       {"2 labels for 3 rows", {{3, 4}}, {"cross_entropy", "2 labels", "3x4"},
        [](const Vars& v) { return cross_entropy(v[0], std::vector<int>{0, 1}); }}}));

  const std::vector<Shapes> table_samples = {{{1, 1}}, {{4, 3}}, {{5, 1}}, {{1, 4}}, {{2, 2}}};
  t.push_back(row(
      "gather_rows(table, 3x2 index)",
      "gather_rows(Var,Eigen::Array<std::int64_t,Eigen::Dynamic,Eigen::Dynamic>)",
      "gather_rows({0}, index (r+2p+1) mod rows)", one,
      [](const Vars& v) { return gather_rows(v[0], gather_index_for(v[0].rows())); },
      [](const Arrays& a) { return gather_ref(a[0], gather_index_for(a[0].rows())); }, any_shape,
      table_samples,
      {{"index 4 in a 4-row table", {{4, 3}}, {"gather_rows", "index 4", "(1, 0)", "4 rows", "4x3"},
        [](const Vars& v) {
          Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> index(2, 1);
          index << 0, 4;
          return gather_rows(v[0], index);
        }},
       {"index -1", {{4, 3}}, {"gather_rows", "index -1", "(0, 1)", "4x3"},
        [](const Vars& v) {
          Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> index(1, 2);
          index << 0, -1;
          return gather_rows(v[0], index);
        }}}));
  t.push_back(row(
      "gather_rows(table, span rows)", "gather_rows(Var,std::span<std::int64_t>)",
      "gather_rows({0}, rows 0, last, 0)", one,
      [](const Vars& v) {
        const std::vector<std::int64_t> r{0, v[0].rows() - 1, 0};
        return gather_rows(v[0], std::span<const std::int64_t>(r));
      },
      [](const Arrays& a) {
        Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> index(3, 1);
        index << 0, a[0].rows() - 1, 0;
        return gather_ref(a[0], index);
      },
      any_shape, table_samples,
      {{"row 5 of a 5-row table", {{5, 1}}, {"gather_rows", "index 5", "(2, 0)", "5 rows", "5x1"},
        [](const Vars& v) {
          const std::vector<std::int64_t> r{0, 1, 5};
          return gather_rows(v[0], std::span<const std::int64_t>(r));
        }}}));

  // ---- shape.cpp
  t.push_back(row(
      "hstack({a, b})", "hstack(std::vector<Var>)", "hstack({0}, {1})", {real, real},
      [](const Vars& v) { return hstack({v[0], v[1]}); },
      [](const Arrays& a) { return stack_ref(a[0], a[1], true); },
      [](const Shapes& s) { return any_shape(s) && s[0].rows == s[1].rows; },
      {{{1, 1}, {1, 1}}, {{3, 2}, {3, 1}}, {{1, 1}, {1, 3}}, {{2, 2}, {2, 2}}, {{4, 1}, {4, 2}}},
      {{"3x2 beside 2x2", {{3, 2}, {2, 2}}, {"hstack", "equal rows", "3x2, 2x2"}, {}},
       {"no parts", {}, {"hstack", "at least one Var"}, [](const Vars&) { return hstack({}); }}}));
  t.push_back(row(
      "vstack({a, b})", "vstack(std::vector<Var>)", "vstack({0}, {1})", {real, real},
      [](const Vars& v) { return vstack({v[0], v[1]}); },
      [](const Arrays& a) { return stack_ref(a[0], a[1], false); },
      [](const Shapes& s) { return any_shape(s) && s[0].cols == s[1].cols; },
      {{{1, 1}, {1, 1}}, {{3, 2}, {1, 2}}, {{1, 3}, {1, 3}}, {{2, 2}, {2, 2}}, {{1, 4}, {2, 4}}},
      {{"3x2 above 3x1", {{3, 2}, {3, 1}}, {"vstack", "equal columns", "3x2, 3x1"}, {}},
       {"no parts", {}, {"vstack", "at least one Var"}, [](const Vars&) { return vstack({}); }}}));
  t.push_back(row(
      "reshape(a, cols, rows)", "reshape(Var,Index,Index)", "reshape({0}, c, r)", one,
      [](const Vars& v) { return reshape(v[0], v[0].cols(), v[0].rows()); },
      [](const Arrays& a) { return reshape_ref(a[0], a[0].cols(), a[0].rows()); }, any_shape, unary_samples(),
      {{"3x2 as 4x2", {{3, 2}}, {"reshape", "3x2", "6 elements", "4x2"},
        [](const Vars& v) { return reshape(v[0], 4, 2); }},
       {"3x2 as -1x-6", {{3, 2}}, {"reshape", "3x2", "-1x-6"}, [](const Vars& v) { return reshape(v[0], -1, -6); }}}));
  t.push_back(row(
      "reshape(a, 1, size)", "reshape(Var,Index,Index)", "reshape({0}, 1, size)", one,
      [](const Vars& v) { return reshape(v[0], 1, v[0].size()); },
      [](const Arrays& a) { return reshape_ref(a[0], 1, a[0].size()); }, any_shape, unary_samples()));
  t.push_back(row(
      "tile(a, 2, 3)", "tile(Var,Index,Index)", "tile({0}, 2, 3)", one, [](const Vars& v) { return tile(v[0], 2, 3); },
      [](const Arrays& a) { return tile_ref(a[0], 2, 3); }, any_shape, unary_samples(),
      {{"3x2 tiled -1 times", {{3, 2}}, {"tile", "3x2", "-1x2"}, [](const Vars& v) { return tile(v[0], -1, 2); }},
       {"3x2 tiled past 2^31 columns", {{3, 2}}, {"tile", "3x2", "1x1073741824", "2147483647"},
        [](const Vars& v) { return tile(v[0], 1, Index(1) << 30); }},
       {"3x2 tiled past the largest Index", {{3, 2}}, {"tile", "3x2", "9223372036854775807x1"},
        [](const Vars& v) { return tile(v[0], std::numeric_limits<Index>::max(), 1); }}}));
  t.push_back(row(
      "tile(a, 1, 1)", "tile(Var,Index,Index)", "tile({0}, 1, 1)", one, [](const Vars& v) { return tile(v[0], 1, 1); },
      [](const Arrays& a) { return tile_ref(a[0], 1, 1); }, any_shape, unary_samples()));

  // ---- loss.cpp
  const std::vector<Shapes> pair_samples = {{{1, 1}, {1, 1}}, {{3, 2}, {3, 2}}, {{1, 4}, {1, 4}}, {{4, 1}, {4, 1}}};
  auto loss_row = [&](std::string name, std::string signature, std::string display,
                      std::function<Var(const Var&, const Var&)> f, std::function<double(double, double)> ref,
                      bool mean) {
    const std::string op = signature.substr(0, signature.find('('));
    return row(std::move(name), std::move(signature), std::move(display), {real, real},
               [f](const Vars& v) { return f(v[0], v[1]); },
               [ref, mean](const Arrays& a) { return loss_ref(a[0], a[1], mean, ref); },
               [](const Shapes& s) { return any_shape(s) && s[0] == s[1]; }, pair_samples,
               {{"3x2 with 3x1", {{3, 2}, {3, 1}}, {op, "pred 3x2", "target 3x1", "one shape"}, {}},
                {"1x3 with 3x1", {{1, 3}, {3, 1}}, {op, "1x3", "3x1"}, {}}});
  };
  const auto squared = [](double p, double q) { return (p - q) * (p - q); };
  const auto absolute = [](double p, double q) { return std::fabs(p - q); };
  t.push_back(loss_row("mse_loss(a, b)", "mse_loss(Var,Var,Reduction)", "mse_loss({0}, {1})",
                       [](const Var& a, const Var& b) { return mse_loss(a, b); }, squared, true));
  t.push_back(loss_row("mse_loss(a, b, sum)", "mse_loss(Var,Var,Reduction)", "mse_loss({0}, {1}, sum)",
                       [](const Var& a, const Var& b) { return mse_loss(a, b, Reduction::sum); }, squared, false));
  t.push_back(loss_row("l1_loss(a, b)", "l1_loss(Var,Var,Reduction)", "l1_loss({0}, {1})",
                       [](const Var& a, const Var& b) { return l1_loss(a, b); }, absolute, true));
  t.push_back(loss_row("l1_loss(a, b, sum)", "l1_loss(Var,Var,Reduction)", "l1_loss({0}, {1}, sum)",
                       [](const Var& a, const Var& b) { return l1_loss(a, b, Reduction::sum); }, absolute, false));
  t.push_back(loss_row("huber_loss(a, b)", "huber_loss(Var,Var,double,Reduction)", "huber_loss({0}, {1})",
                       [](const Var& a, const Var& b) { return huber_loss(a, b); },
                       [](double p, double q) { return huber_ref(p, q, 1.0); }, true));
  t.push_back(loss_row("huber_loss(a, b, 0.5, sum)", "huber_loss(Var,Var,double,Reduction)",
                       "huber_loss({0}, {1}, 0.5, sum)",
                       [](const Var& a, const Var& b) { return huber_loss(a, b, 0.5, Reduction::sum); },
                       [](double p, double q) { return huber_ref(p, q, 0.5); }, false));
  t.back().errors.push_back({"delta 0", {{3, 2}, {3, 2}}, {"huber_loss", "delta 0", "not positive"},
                             [](const Vars& v) { return huber_loss(v[0], v[1], 0.0); }});
  t.push_back(loss_row("binary_cross_entropy_with_logits(a, b)", "binary_cross_entropy_with_logits(Var,Var,Reduction)",
                       "binary_cross_entropy_with_logits({0}, {1})",
                       [](const Var& a, const Var& b) { return binary_cross_entropy_with_logits(a, b); }, bce_ref, true));
  t.push_back(loss_row("binary_cross_entropy_with_logits(a, b, sum)",
                       "binary_cross_entropy_with_logits(Var,Var,Reduction)",
                       "binary_cross_entropy_with_logits({0}, {1}, sum)",
                       [](const Var& a, const Var& b) { return binary_cross_entropy_with_logits(a, b, Reduction::sum); },
                       bce_ref, false));
  auto nll_errors = std::vector<ErrorCase>{
      {"0x3 log_probs", {{0, 3}}, {"nll_loss", "at least one row and one column", "0x3"}, {}},
      {"3x2 log_probs with 2 labels", {{3, 2}}, {"nll_loss", "2 labels", "3x2"},
       [](const Vars& v) {
         const std::vector<std::int64_t> labels{0, 1};
         return nll_loss(v[0], labels);
       }},
      {"label 2 with 2 classes", {{3, 2}}, {"nll_loss", "label 2", "row 2", "[0, 2)", "3x2"},
       [](const Vars& v) {
         const std::vector<std::int64_t> labels{0, 1, 2};
         return nll_loss(v[0], labels);
       }},
      {"label -1", {{3, 2}}, {"nll_loss", "label -1", "row 0"},
       [](const Vars& v) {
         const std::vector<std::int64_t> labels{-1, 0, 1};
         return nll_loss(v[0], labels, Reduction::sum);
       }}};
  t.push_back(row("nll_loss(a, labels)", "nll_loss(Var,std::span<std::int64_t>,Reduction)",
                  "nll_loss({0}, labels (2r+1) mod n)", one,
                  [](const Vars& v) { return nll_loss(v[0], labels_for(v[0].rows(), v[0].cols())); },
                  [](const Arrays& a) { return nll_ref(a[0], true); }, any_shape, logit_samples, nll_errors));
  t.push_back(row("nll_loss(a, labels, sum)", "nll_loss(Var,std::span<std::int64_t>,Reduction)",
                  "nll_loss({0}, labels (2r+1) mod n, sum)", one,
                  [](const Vars& v) { return nll_loss(v[0], labels_for(v[0].rows(), v[0].cols()), Reduction::sum); },
                  [](const Arrays& a) { return nll_ref(a[0], false); }, any_shape, logit_samples));
  // layer_norm: gamma and beta are 1 x n for an m x n input.
  auto norm_shapes = [](Index m, Index n) { return Shapes{{m, n}, {1, n}, {1, n}}; };
  for (double eps : {1e-5, 0.5}) {
    const bool default_eps = eps == 1e-5;
    t.push_back(row(
        default_eps ? "layer_norm(a, gamma, beta)" : "layer_norm(a, gamma, beta, 0.5)",
        "layer_norm(Var,Var,Var,double)", default_eps ? "layer_norm({0}, {1}, {2})" : "layer_norm({0}, {1}, {2}, 0.5)",
        {real, real, real},
        [eps, default_eps](const Vars& v) { return default_eps ? layer_norm(v[0], v[1], v[2]) : layer_norm(v[0], v[1], v[2], eps); },
        [eps](const Arrays& a) { return layer_norm_ref(a[0], a[1], a[2], eps); },
        [](const Shapes& s) {
          return s.size() == 3 && any_shape(s) && s[1] == Shape{1, s[0].cols} && s[2] == Shape{1, s[0].cols};
        },
        {norm_shapes(3, 4), norm_shapes(1, 5), norm_shapes(4, 2), norm_shapes(2, 1)},
        {{"gamma 1x3 for 3x4", norm_shapes(3, 4), {"layer_norm", "gamma is 1x3", "1x4", "3x4"},
          [](const Vars& v) { return layer_norm(v[0], Var(Array::Ones(1, 3)), v[2]); }},
         {"beta 4x1 for 3x4", norm_shapes(3, 4), {"layer_norm", "beta is 4x1", "1x4"},
          [](const Vars& v) { return layer_norm(v[0], v[1], Var(Array::Zero(4, 1))); }},
         {"eps -1", norm_shapes(3, 4), {"layer_norm", "eps is -1"},
          [](const Vars& v) { return layer_norm(v[0], v[1], v[2], -1.0); }},
         {"3x0 input", {{3, 0}, {1, 0}, {1, 0}}, {"layer_norm", "at least one row and one column", "3x0"}, {}}}));
  }
  // dropout: a fresh generator of one seed in every call, so that each call drops the same elements.
  t.push_back(row(
      "dropout(a, 0.3, training)", "dropout(Var,double,std::mt19937_64,bool)", "dropout({0}, 0.3)", one,
      [](const Vars& v) {
        std::mt19937_64 rng(7);
        return dropout(v[0], 0.3, rng, true);
      },
      [](const Arrays& a) { return dropout_ref(a[0], 0.3, 7); }, any_shape, unary_samples(),
      {{"p = 1", {{3, 2}}, {"dropout", "p is 1", "0 <= p < 1"},
        [](const Vars& v) {
          std::mt19937_64 rng(7);
          return dropout(v[0], 1.0, rng, true);
        }},
       {"p = -0.1", {{3, 2}}, {"dropout", "p is -0.1"},
        [](const Vars& v) {
          std::mt19937_64 rng(7);
          return dropout(v[0], -0.1, rng, false);
        }}}));
  t.push_back(row(
      "dropout(a, 0.5, not training)", "dropout(Var,double,std::mt19937_64,bool)", "dropout({0}, 0.5, eval)", one,
      [](const Vars& v) {
        std::mt19937_64 rng(7);
        return dropout(v[0], 0.5, rng, false);
      },
      [](const Arrays& a) { return a[0]; }, any_shape, unary_samples()));

  // ---- conv.cpp: small images, so that gradcheck's finite differences stay quick.
  // Two geometries: stride 1 with padding (taps in the padding), stride 2 without.
  const Conv2dGeometry padded{.channels = 2, .height = 4, .width = 5, .kernel_height = 3, .kernel_width = 2,
                              .stride = 1, .padding = 1};
  const Conv2dGeometry strided{.channels = 1, .height = 5, .width = 5, .kernel_height = 3, .kernel_width = 3,
                               .stride = 2, .padding = 0};
  auto conv_row = [&](std::string name, Conv2dGeometry g, Index out_channels) {
    const Index pixels = g.channels * g.height * g.width, patch = g.channels * g.kernel_height * g.kernel_width;
    const Shape w{out_channels, patch}, b{1, out_channels};
    auto call = [g](const Vars& v) { return conv2d(v[0], v[1], v[2], g); };
    return row(std::move(name), "conv2d(Var,Var,Var,Conv2dGeometry)", "conv2d({0}, {1}, {2})", {real, real, real},
               call, [g](const Arrays& a) { return conv2d_ref(a[0], a[1], a[2], g); },
               [=](const Shapes& s) {
                 return s.size() == 3 && any_shape(s) && s[0].cols == pixels && s[1] == w && s[2] == b;
               },
               {{{1, pixels}, w, b}, {{3, pixels}, w, b}},
               {{"input with a column too few", {{2, pixels - 1}, w, b},
                 {"conv2d", fmt::format("input has {} columns", pixels - 1), fmt::format("needs {}", pixels)}, {}},
                {"weight with a column too many", {{2, pixels}, {out_channels, patch + 1}, b},
                 {"conv2d", fmt::format("weight is {}x{}", out_channels, patch + 1), std::to_string(patch)}, {}},
                {"bias as a column", {{2, pixels}, w, {out_channels, 1}},
                 {"conv2d", fmt::format("bias is {}x1", out_channels), fmt::format("needs 1x{}", out_channels)}, {}},
                {"stride 0", {{2, pixels}, w, b}, {"conv2d", "stride is 0"},
                 [g](const Vars& v) {
                   Conv2dGeometry bad = g;
                   bad.stride = 0;
                   return conv2d(v[0], v[1], v[2], bad);
                 }},
                {"padding -1", {{2, pixels}, w, b}, {"conv2d", "padding is -1"},
                 [g](const Vars& v) {
                   Conv2dGeometry bad = g;
                   bad.padding = -1;
                   return conv2d(v[0], v[1], v[2], bad);
                 }},
                {"kernel larger than the padded image", {{2, pixels}, w, b},
                 {"conv2d", fmt::format("kernel 9x{}", g.kernel_width), fmt::format("{}x{} image", g.height, g.width)},
                 [g](const Vars& v) {
                   Conv2dGeometry bad = g;
                   bad.kernel_height = 9;
                   return conv2d(v[0], v[1], v[2], bad);
                 }},
                {"zero channels", {{2, pixels}, w, b}, {"conv2d", fmt::format("geometry 0x{}x{}", g.height, g.width)},
                 [g](const Vars& v) {
                   Conv2dGeometry bad = g;
                   bad.channels = 0;
                   return conv2d(v[0], v[1], v[2], bad);
                 }}});
  };
  t.push_back(conv_row("conv2d(x, w, b, 2x4x5, 3x2 kernel, padding 1)", padded, 3));
  t.push_back(conv_row("conv2d(x, w, b, 1x5x5, 3x3 kernel, stride 2)", strided, 2));

  // Pools over 2 channels of 4x5 (the last column falls outside every 2x2 window)
  // and overlapping 3x3 windows at stride 1.
  auto pool_row = [&](std::string name, bool max, Pool2dGeometry g) {
    const Index pixels = g.channels * g.height * g.width;
    const std::string op = max ? "max_pool2d" : "avg_pool2d";
    auto call = [g, max](const Vars& v) { return max ? max_pool2d(v[0], g) : avg_pool2d(v[0], g); };
    auto with = [call](Pool2dGeometry bad, bool max) {
      return [bad, max](const Vars& v) { return max ? max_pool2d(v[0], bad) : avg_pool2d(v[0], bad); };
    };
    Pool2dGeometry zero_kernel = g, big_kernel = g, negative_stride = g;
    zero_kernel.kernel = 0;
    big_kernel.kernel = 6;
    negative_stride.stride = -1;
    return row(std::move(name), op + "(Var,Pool2dGeometry)", op + "({0})", one, call,
               [g, max](const Arrays& a) { return pool_ref(a[0], g, max); },
               [pixels](const Shapes& s) { return any_shape(s) && s[0].cols == pixels; },
               {{{1, pixels}}, {{3, pixels}}},
               {{"input with a column too many", {{2, pixels + 1}},
                 {op, fmt::format("input has {} columns", pixels + 1), fmt::format("needs {}", pixels)}, {}},
                {"kernel 0", {{2, pixels}}, {op, "kernel is 0"}, with(zero_kernel, max)},
                {"kernel larger than the image", {{2, pixels}}, {op, "kernel 6", "4x5 image"}, with(big_kernel, max)},
                {"stride -1", {{2, pixels}}, {op, "stride is -1"}, with(negative_stride, max)}});
  };
  const Pool2dGeometry halving{.channels = 2, .height = 4, .width = 5, .kernel = 2};
  const Pool2dGeometry overlapping{.channels = 2, .height = 4, .width = 5, .kernel = 3, .stride = 1};
  t.push_back(pool_row("max_pool2d(a, 2x4x5, kernel 2)", true, halving));
  t.push_back(pool_row("max_pool2d(a, 2x4x5, kernel 3, stride 1)", true, overlapping));
  t.push_back(pool_row("avg_pool2d(a, 2x4x5, kernel 2)", false, halving));
  t.push_back(pool_row("avg_pool2d(a, 2x4x5, kernel 3, stride 1)", false, overlapping));

  // ---- indexing.cpp
  auto pick_row = [&](std::string name, std::string signature, std::string display, Pick (*pick)(Index, Index),
                      std::function<Var(const Var&, Pick)> f, std::vector<ErrorCase> errors) {
    return row(std::move(name), std::move(signature), std::move(display), one,
               [pick, f](const Vars& v) { return f(v[0], pick(v[0].rows(), v[0].cols())); },
               [pick](const Arrays& a) {
                 const Pick p = pick(a[0].rows(), a[0].cols());
                 return block_ref(a[0], p.row, p.col, p.rows, p.cols);
               },
               any_shape, unary_samples(), std::move(errors));
  };
  t.push_back(pick_row(
      "element(a, r/2, c-1)", "element(Var,Index,Index)", "element({0}, r/2, c-1)", element_pick,
      [](const Var& a, Pick p) { return element(a, p.row, p.col); },
      {{"(3, 0) of 3x2", {{3, 2}}, {"element", "(3, 0)", "3x2"}, [](const Vars& v) { return element(v[0], 3, 0); }},
       {"(0, -1) of 3x2", {{3, 2}}, {"element", "(0, -1)", "3x2"}, [](const Vars& v) { return element(v[0], 0, -1); }}}));
  t.push_back(pick_row(
      "block(a, ...)", "block(Var,Index,Index,Index,Index)", "block({0}, lower right)", block_pick,
      [](const Var& a, Pick p) { return block(a, p.row, p.col, p.rows, p.cols); },
      {{"2x2 at (2, 1) of 3x2", {{3, 2}}, {"block", "2x2 block at (2, 1)", "3x2"},
        [](const Vars& v) { return block(v[0], 2, 1, 2, 2); }},
       {"negative size", {{3, 2}}, {"block", "-1x1", "3x2"}, [](const Vars& v) { return block(v[0], 0, 0, -1, 1); }}}));
  t.push_back(pick_row(
      "rows(a, ...)", "rows(Var,Index,Index)", "rows({0}, from 1)", rows_pick,
      [](const Var& a, Pick p) { return rows(a, p.row, p.rows); },
      {{"2 rows from 2 of 3x2", {{3, 2}}, {"rows", "rows 2 to 3", "3x2"},
        [](const Vars& v) { return rows(v[0], 2, 2); }}}));
  t.push_back(row("detach(a)", "detach(Var)", "detach({0})", one, [](const Vars& v) { return detach(v[0]); },
                  [](const Arrays& a) { return a[0]; }, any_shape, unary_samples()));
  t.back().differentiable = false;

  // ---- var.hpp: element access through Var's call operators
  t.push_back(pick_row(
      "a(i, j)", "Var::operator()(Index,Index)", "{0}(r/2, c-1)", element_pick,
      [](const Var& a, Pick p) { return a(p.row, p.col); },
      {{"(1, 2) of 3x2", {{3, 2}}, {"element", "(1, 2)", "3x2"}, [](const Vars& v) { return v[0](1, 2); }}}));
  t.push_back(row(
      "a(i)", "Var::operator()(Index)", "{0}(last)", one,
      [](const Vars& v) { return v[0](v[0].size() - 1); },
      [](const Arrays& a) { return scalar(a[0](a[0].size() - 1)); },
      [](const Shapes& s) { return any_shape(s) && (s[0].rows == 1 || s[0].cols == 1); },
      {{{1, 1}}, {{1, 4}}, {{4, 1}}},
      {{"one index into 3x2", {{3, 2}}, {"operator()", "needs a vector", "3x2"}, [](const Vars& v) { return v[0](1); }},
       {"index 4 of 1x4", {{1, 4}}, {"element", "(0, 4)", "1x4"}, [](const Vars& v) { return v[0](4); }}}));
  return t;
}

}  // namespace

const std::vector<OpInfo>& op_table() {
  static const std::vector<OpInfo> table = build();
  return table;
}

const OpInfo& find_op(std::string_view name) {
  for (const OpInfo& op : op_table()) {
    if (op.name == name) return op;
  }
  throw std::out_of_range(fmt::format("op table: no row named '{}'", name));
}

namespace {

// "const std::span<const std::int64_t>& labels" -> "std::span<std::int64_t>"
std::string normalize_parameter(std::string p) {
  p = p.substr(0, p.find('='));  // a default argument: "double slope = 0.01"
  // Drop the parameter name: a trailing identifier that follows a space, '&' or '>'.
  std::size_t end = p.find_last_not_of(" \t\n");
  p = p.substr(0, end + 1);
  std::size_t start = end + 1;
  while (start > 0 && (std::isalnum(static_cast<unsigned char>(p[start - 1])) || p[start - 1] == '_')) --start;
  if (start > 0 && start <= end && (p[start - 1] == ' ' || p[start - 1] == '&' || p[start - 1] == '>')) {
    p = p.substr(0, start);
  }
  p = std::regex_replace(p, std::regex(R"(\bconst\b)"), "");
  std::string out;
  for (char c : p) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '&') out += c;
  }
  // A template's operand type (A, B) stands for whatever an op takes: a Var.
  return out.size() == 1 && std::isupper(static_cast<unsigned char>(out[0])) ? "Var" : out;
}

}  // namespace

std::vector<std::string> parse_op_signatures(const std::string& header_text) {
  const std::string text = std::regex_replace(header_text, std::regex("//[^\n]*"), "");
  // "Var f(...)", or an op over any operand: "template <Operand A> auto f(const A& a)".
  const std::regex decl(
      R"((?:^|\n)[ \t]*(?:template[ \t]*<[^\n]*>[ \t]*)?(?:Var|auto)[ \t]+(operator[-+*/]|[A-Za-z_]\w*)[ \t]*\()");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), decl); it != std::sregex_iterator(); ++it) {
    const std::size_t open = std::size_t(it->position(0) + it->length(0));  // just after '('
    int depth = 0;  // of <> and () inside the parameter list
    std::vector<std::string> params(1);
    std::size_t k = open;
    for (; k < text.size(); ++k) {
      const char c = text[k];
      if (c == ')' && depth == 0) break;
      if (c == '<' || c == '(') ++depth;
      if (c == '>' || c == ')') --depth;
      if (c == ',' && depth == 0) {
        params.emplace_back();
      } else {
        params.back() += c;
      }
    }
    std::string sig = (*it)[1].str() + "(";
    for (std::size_t q = 0; q < params.size(); ++q) sig += (q ? "," : "") + normalize_parameter(params[q]);
    out.push_back(sig + ")");
  }
  return out;
}

}  // namespace support
