// SPDX-License-Identifier: MIT
// Convolution and pooling over images stored one per row: an N-image batch of C
// channels of H x W pixels is N x (C*H*W), channel-major, each channel's pixels
// row-major (h*W + w), as datasets::load_fashion_mnist lays out a 28x28 image.
//
// conv2d is im2col plus one matrix product. Column (c, kh, kw) of the im2col
// matrix holds, for each output position p, the N pixels that kernel tap meets
// there, so the matrix is (N*P) x (C*KH*KW) with rows n + N*p. Its product with
// the weight's transpose is (N*P) x OC, which in column-major order is exactly
// the N x (OC*P) channel-major result: no reordering before or after the GEMM.
#include "autodiff/detail/record.hpp"
#include "autodiff/ops.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

namespace autodiff {

using detail::add_to;
using detail::finish;
using detail::shape;
using detail::zeroed_grad;

namespace {

template <class S>
using BasicMatrixMap = Eigen::Map<Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>>;

// The numbers of a conv2d as stored in its node (ints): the geometry, then whether
// the im2col matrix follows the result in the node's value run.
enum Slot { kC, kH, kW, kKh, kKw, kStride, kPad, kOh, kOw, kKept, kSlots };

struct Dims {
  Index n, c, h, w, kh, kw, stride, pad, oh, ow;
  Index positions() const { return oh * ow; }
  Index patch() const { return c * kh * kw; }
};

Dims dims_of(const std::int64_t* s, Index n) {
  return {n, s[kC], s[kH], s[kW], s[kKh], s[kKw], s[kStride], s[kPad], s[kOh], s[kOw]};
}

// Where the im2col matrix starts after a result of `size` values (8 on: a cache line of doubles).
Index columns_offset(Index size) { return (size + 7) / 8 * 8; }

// Rows N*p0 .. N*p1 of the im2col matrix of x (positions p0 to p1), into cols.
template <class S, class Out>
void im2col(const BasicMap<S>& x, const Dims& d, Index p0, Index p1, Out& cols) {
  for (Index c = 0; c < d.c; ++c) {
    for (Index i = 0; i < d.kh; ++i) {
      for (Index j = 0; j < d.kw; ++j) {
        auto column = cols.col((c * d.kh + i) * d.kw + j);
        for (Index p = p0; p < p1; ++p) {
          const Index h = p / d.ow * d.stride - d.pad + i, w = p % d.ow * d.stride - d.pad + j;
          auto run = column.segment(d.n * (p - p0), d.n);
          if (h < 0 || h >= d.h || w < 0 || w >= d.w) run.setZero();
          else run = x.col(c * d.h * d.w + h * d.w + w).matrix();
        }
      }
    }
  }
}

// The adjoint of im2col: each run of dcols goes back, added, to the pixel it came from.
template <class S>
void col2im(const BasicMatrixMap<S>& dcols, const Dims& d, BasicMap<S>& dx) {
  for (Index c = 0; c < d.c; ++c) {
    for (Index i = 0; i < d.kh; ++i) {
      for (Index j = 0; j < d.kw; ++j) {
        const auto column = dcols.col((c * d.kh + i) * d.kw + j);
        for (Index p = 0; p < d.positions(); ++p) {
          const Index h = p / d.ow * d.stride - d.pad + i, w = p % d.ow * d.stride - d.pad + j;
          if (h >= 0 && h < d.h && w >= 0 && w < d.w) {
            dx.col(c * d.h * d.w + h * d.w + w) += column.segment(d.n * p, d.n).array();
          }
        }
      }
    }
  }
}

// Scratch for the input adjoint's dcols and for evaluation's im2col bands, kept per
// thread and only ever grown: at batch 128 it is tens of megabytes, which a fresh
// allocation for each layer of each step would page in again.
template <class S>
BasicMatrixMap<S> scratch(Index rows, Index cols) {
  thread_local std::vector<S> buffer;
  if (buffer.size() < std::size_t(rows * cols)) buffer.resize(std::size_t(rows * cols));
  return {buffer.data(), rows, cols};
}

void require(bool ok, const std::string& message) {
  if (!ok) throw ShapeError(message);
}

// conv2d without the bias: input (a) N x (C*H*W), weight (b) OC x (C*KH*KW).
template <class S>
BasicVar<S> convolve(BasicTape<S>& t, std::int32_t ia, std::int32_t iw, const Dims& d) {
  DESCENT_SCALAR_TYPES(S);
  using MatrixMap = BasicMatrixMap<S>;
  const Node& nx = t.node(ia);
  const Node& nw = t.node(iw);
  const Index oc = nw.rows, rows = d.n * d.positions();
  // The weight's adjoint needs the im2col matrix: kept after the result, in the same run.
  const bool keep = t.grad_enabled() && nw.adj;
  const Index size = d.n * oc * d.positions();
  Map run = t.new_value(1, keep ? columns_offset(size) + rows * d.patch() : size);
  Map y(run.data(), d.n, oc * d.positions());
  MatrixMap out(run.data(), rows, oc);
  const auto w = nw.value().matrix();
  if (keep) {
    MatrixMap cols(run.data() + columns_offset(size), rows, d.patch());
    im2col(nx.value(), d, 0, d.positions(), cols);
    out.noalias() = cols * w.transpose();
  } else {
    // No gradient wanted (evaluation): im2col a band of positions at a time, in bounded memory.
    const Index band = std::max<Index>(1, (Index(1) << 21) / std::max<Index>(1, d.n * d.patch()));
    for (Index p0 = 0; p0 < d.positions(); p0 += band) {
      const Index p1 = std::min(d.positions(), p0 + band);
      MatrixMap cols = scratch<S>(d.n * (p1 - p0), d.patch());
      im2col(nx.value(), d, p0, p1, cols);
      out.middleRows(d.n * p0, d.n * (p1 - p0)).noalias() = cols * w.transpose();
    }
  }
  // Y = cols W^T, so dW += G^T cols and dcols = G W, which col2im adds into dx
  const bool grad = nx.adj || nw.adj;
  const std::int32_t k = t.record("conv2d", y, grad, [](Tape& t, const Node& n) {
    Node& nx = t.node(n.a);
    Node& nw = t.node(n.b);
    const Dims d = dims_of(n.ints, n.rows);
    const MatrixMap g(n.adj, d.n * d.positions(), nw.rows);
    if (nw.adj && n.ints[kKept]) {
      const MatrixMap cols(n.val + columns_offset(n.size()), g.rows(), d.patch());
      auto dw = nw.grad().matrix();
      if (detail::take_fresh(nw)) dw.noalias() = g.transpose() * cols; else dw.noalias() += g.transpose() * cols;
    }
    if (nx.adj) {
      MatrixMap dcols = scratch<S>(g.rows(), d.patch());
      dcols.noalias() = g * nw.value().matrix();
      Map dx = zeroed_grad(nx);
      col2im(dcols, d, dx);
    }
  }, ia, iw);
  const std::int64_t slots[kSlots] = {d.c, d.h, d.w, d.kh, d.kw, d.stride, d.pad, d.oh, d.ow, keep};
  t.node(k).ints = t.store_ints(slots, kSlots);
  return finish(t, k);
}

// A pooling window's geometry, checked: C, H, W, K, S and the output OH x OW.
struct Pool {
  Index c, h, w, k, s, oh, ow;
  Index positions() const { return oh * ow; }
  // The input column of tap (i, j) of output position p in channel c.
  Index source(Index c_, Index p, Index i, Index j) const {
    return c_ * h * w + (p / ow * s + i) * w + p % ow * s + j;
  }
};

template <class S>
Pool pool_of(const char* op, const BasicNode<S>& na, const Pool2dGeometry& g) {
  const Index s = g.stride == 0 ? g.kernel : g.stride;
  require(g.channels >= 1 && g.height >= 1 && g.width >= 1,
          fmt::format("{}: geometry {}x{}x{} needs channels, height and width >= 1", op, g.channels, g.height,
                      g.width));
  require(g.kernel >= 1, fmt::format("{}: kernel is {}, needs >= 1", op, g.kernel));
  require(s >= 1, fmt::format("{}: stride is {}, needs >= 1 (or 0 for the kernel size)", op, g.stride));
  require(g.kernel <= g.height && g.kernel <= g.width,
          fmt::format("{}: kernel {} is larger than the {}x{} image", op, g.kernel, g.height, g.width));
  require(na.cols == g.channels * g.height * g.width,
          fmt::format("{}: input has {} columns, geometry {}x{}x{} needs {}", op, na.cols, g.channels, g.height,
                      g.width, g.channels * g.height * g.width));
  return {g.channels, g.height, g.width, g.kernel, s, (g.height - g.kernel) / s + 1, (g.width - g.kernel) / s + 1};
}

}  // namespace

Index Conv2dGeometry::out_height() const { return (height + 2 * padding - kernel_height) / stride + 1; }
Index Conv2dGeometry::out_width() const { return (width + 2 * padding - kernel_width) / stride + 1; }

template <class S>
BasicVar<S> conv2d(BasicVar<S> input, BasicVar<S> weight, BasicVar<S> bias, const Conv2dGeometry& g) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ix = input.index(t, "conv2d");
  const std::int32_t iw = weight.index(t, "conv2d");
  const std::int32_t ib = bias.index(t, "conv2d");
  const Node& nx = t.node(ix);
  const Node& nw = t.node(iw);
  const Node& nb = t.node(ib);
  require(g.channels >= 1 && g.height >= 1 && g.width >= 1,
          fmt::format("conv2d: geometry {}x{}x{} needs channels, height and width >= 1", g.channels, g.height,
                      g.width));
  require(g.kernel_height >= 1 && g.kernel_width >= 1,
          fmt::format("conv2d: kernel {}x{} needs both sizes >= 1", g.kernel_height, g.kernel_width));
  require(g.stride >= 1, fmt::format("conv2d: stride is {}, needs >= 1", g.stride));
  require(g.padding >= 0, fmt::format("conv2d: padding is {}, needs >= 0", g.padding));
  require(g.kernel_height <= g.height + 2 * g.padding && g.kernel_width <= g.width + 2 * g.padding,
          fmt::format("conv2d: kernel {}x{} is larger than the {}x{} image with padding {}", g.kernel_height,
                      g.kernel_width, g.height, g.width, g.padding));
  const Index pixels = g.channels * g.height * g.width, patch = g.channels * g.kernel_height * g.kernel_width;
  require(nx.cols == pixels, fmt::format("conv2d: input has {} columns, geometry {}x{}x{} needs {}", nx.cols,
                                         g.channels, g.height, g.width, pixels));
  require(nw.cols == patch && nw.rows >= 1,
          fmt::format("conv2d: weight is {}, needs out_channels x {} ({} channels x {}x{} kernel)", shape(nw),
                      patch, g.channels, g.kernel_height, g.kernel_width));
  require(nb.rows == 1 && nb.cols == nw.rows,
          fmt::format("conv2d: bias is {}, needs 1x{} (one per output channel of a {} weight)", shape(nb),
                      nw.rows, shape(nw)));
  const Dims d{nx.rows, g.channels, g.height, g.width, g.kernel_height, g.kernel_width,
               g.stride, g.padding, g.out_height(), g.out_width()};
  const std::int32_t iy = convolve(t, ix, iw, d).index(t, "conv2d");

  // The bias: y(n, oc*P + p) += b(oc). d(y + b) = dy + sum over n and p of dy into db
  const Node& ny = t.node(iy);
  Map z = t.new_value(ny.rows, ny.cols);
  const Index positions = d.positions();
  for (Index o = 0; o < nb.cols; ++o) {
    z.middleCols(o * positions, positions) = ny.value().middleCols(o * positions, positions) + nb.val[o];
  }
  return detail::record(t, "conv2d", z, [](Tape& t, const Node& n) {
    Node& ny = t.node(n.a);
    Node& nb = t.node(n.b);
    if (ny.adj) add_to(ny, n.grad());
    if (nb.adj) {
      const Index positions = n.cols / nb.cols;
      Map db = zeroed_grad(nb);
      for (Index o = 0; o < nb.cols; ++o) db(0, o) += n.grad().middleCols(o * positions, positions).sum();
    }
  }, iy, ib);
}

template <class S>
BasicVar<S> max_pool2d(BasicVar<S> a, const Pool2dGeometry& g) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "max_pool2d");
  const Node& na = t.node(ia);
  const Pool p = pool_of("max_pool2d", na, g);
  const Index n = na.rows, out_cols = p.c * p.positions();
  Map y = t.new_value(n, out_cols);
  const bool grad = t.grad_enabled() && na.adj;
  // The input column of each result's maximum, for the adjoint; like PyTorch, the
  // first maximum in the window wins a tie, and a NaN counts as the maximum.
  Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> from(grad ? n : 0, grad ? out_cols : 0);
  const Map x = na.value();
  for (Index c = 0; c < p.c; ++c) {
    for (Index q = 0; q < p.positions(); ++q) {
      const Index col = c * p.positions() + q;
      for (Index r = 0; r < n; ++r) {
        Index best = p.source(c, q, 0, 0);
        for (Index i = 0; i < p.k; ++i) {
          for (Index j = 0; j < p.k; ++j) {
            const Index s = p.source(c, q, i, j);
            if (x(r, s) > x(r, best) || std::isnan(x(r, s))) best = s;
          }
        }
        y(r, col) = x(r, best);
        if (grad) from(r, col) = best;
      }
    }
  }
  // d max(window) = d a at the window's arg-max
  const std::int32_t k = t.record("max_pool2d", y, na.adj, [](Tape& t, const Node& n) {
    Map dx = zeroed_grad(t.node(n.a));
    const Map g = n.grad();
    for (Index col = 0; col < n.cols; ++col) {
      for (Index r = 0; r < n.rows; ++r) dx(r, n.ints[r + col * n.rows]) += g(r, col);
    }
  }, ia);
  if (grad) t.node(k).ints = t.store_ints(from.data(), std::size_t(from.size()));
  return finish(t, k);
}

template <class S>
BasicVar<S> avg_pool2d(BasicVar<S> a, const Pool2dGeometry& g) {
  DESCENT_SCALAR_TYPES(S);
  Tape& t = Tape::current();
  const std::int32_t ia = a.index(t, "avg_pool2d");
  const Node& na = t.node(ia);
  const Pool p = pool_of("avg_pool2d", na, g);
  Map y = t.new_value(na.rows, p.c * p.positions());
  y.setZero();
  const S scale = S(1) / S(p.k * p.k);
  for (Index c = 0; c < p.c; ++c) {
    for (Index q = 0; q < p.positions(); ++q) {
      for (Index i = 0; i < p.k; ++i) {
        for (Index j = 0; j < p.k; ++j) y.col(c * p.positions() + q) += na.value().col(p.source(c, q, i, j));
      }
    }
  }
  y *= scale;
  // d mean(window) = mean of d a over the window: each tap gets g / K^2
  const std::int32_t k = t.record("avg_pool2d", y, na.adj, [](Tape& t, const Node& n) {
    const Pool p{n.ints[0], n.ints[1], n.ints[2], n.ints[3], n.ints[4], n.ints[5], n.ints[6]};
    Map dx = zeroed_grad(t.node(n.a));
    const S scale = S(1) / S(p.k * p.k);
    for (Index c = 0; c < p.c; ++c) {
      for (Index q = 0; q < p.positions(); ++q) {
        for (Index i = 0; i < p.k; ++i) {
          for (Index j = 0; j < p.k; ++j) dx.col(p.source(c, q, i, j)) += scale * n.grad().col(c * p.positions() + q);
        }
      }
    }
  }, ia);
  const std::int64_t slots[7] = {p.c, p.h, p.w, p.k, p.s, p.oh, p.ow};
  t.node(k).ints = t.store_ints(slots, 7);
  return finish(t, k);
}

// The ops above for each scalar type, as ops.hpp declares them.
#define DESCENT_CONV_OPS(S) \
  BasicVar<S> conv2d(BasicVar<S> input, BasicVar<S> weight, BasicVar<S> bias, const Conv2dGeometry& g) { \
    return conv2d<S>(input, weight, bias, g); } \
  BasicVar<S> max_pool2d(BasicVar<S> a, const Pool2dGeometry& g) { return max_pool2d<S>(a, g); } \
  BasicVar<S> avg_pool2d(BasicVar<S> a, const Pool2dGeometry& g) { return avg_pool2d<S>(a, g); }
DESCENT_CONV_OPS(double)
DESCENT_CONV_OPS(float)
#undef DESCENT_CONV_OPS

}  // namespace autodiff
