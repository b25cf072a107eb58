// SPDX-License-Identifier: MIT
// The DESCCKP1 checkpoint: writer and checked reader over io/'s encoding. The
// reader compares every declared shape with the live objects before it reads
// values, and every count with the file's size before it allocates.
#include "optim/checkpoint.hpp"

#include "io/atomic_write.hpp"
#include "io/binary_file.hpp"
#include "io/file_error.hpp"

#include <fmt/format.h>

#include <string>

namespace optim {

namespace {

constexpr std::string_view kMagic = "DESCCKP1";

void put_array(std::string& out, const autodiff::Array& a) {
  io::put_u64(out, std::uint64_t(a.rows()));
  io::put_u64(out, std::uint64_t(a.cols()));
  for (autodiff::Index k = 0; k < a.size(); ++k) io::put_f64(out, a(k));
}

// An array that must be rows x cols; what names it in messages.
autodiff::Array read_array(io::BinaryReader& in, autodiff::Index rows, autodiff::Index cols, const std::string& what) {
  const std::uint64_t r = in.u64("a row count");
  const std::uint64_t c = in.u64("a column count");
  if (r != std::uint64_t(rows) || c != std::uint64_t(cols)) {
    in.fail(fmt::format(": {} is {}x{} in the file, {}x{} here", what, r, c, rows, cols));
  }
  autodiff::Array a(rows, cols);
  in.f64s(a.data(), std::uint64_t(a.size()), "array values");
  return a;
}

struct Contents {
  std::vector<autodiff::Array> values;
  Optimizer::State optimizer;
  Batching::State batching;
  LoopState loop;
};

Contents read_contents(io::BinaryReader& in, const ParameterList& params, const Optimizer& optimizer,
                       const Batching& batching) {
  Contents c;
  const std::string magic = in.bytes(kMagic.size(), "the magic");
  if (magic != kMagic) {
    in.fail(fmt::format(" is not a descent checkpoint: it starts with \"{}\", expected \"DESCCKP1\"",
                        io::printable(magic)));
  }
  const std::uint64_t count = in.u64("the parameter count");
  if (count != params.size()) in.fail(fmt::format(" holds {} parameters, the run has {}", count, params.size()));
  for (std::size_t q = 0; q < params.size(); ++q) {
    const autodiff::Parameter& p = *params[q];
    const std::string name = in.bytes(in.u64("a name length"), "a parameter name");
    if (name != p.name()) {
      in.fail(fmt::format(": parameter {} is named '{}' in the file, '{}' here", q, io::printable(name), p.name()));
    }
    c.values.push_back(read_array(in, p.rows(), p.cols(), fmt::format("parameter {} ('{}')", q, p.name())));
  }

  const Optimizer::State live = optimizer.state();
  c.optimizer.optimizer = in.bytes(in.u64("the optimizer's name length"), "the optimizer's name");
  if (c.optimizer.optimizer != live.optimizer) {
    in.fail(fmt::format(": the optimizer is {} in the file, {} here", io::printable(c.optimizer.optimizer),
                        live.optimizer));
  }
  c.optimizer.lr = in.f64("the learning rate");
  c.optimizer.steps = in.u64("the step count");
  const std::uint64_t kinds = in.u64("the number of buffer kinds");
  if (kinds != live.buffers.size()) {
    in.fail(fmt::format(": the {} holds {} kinds of buffers in the file, {} here", live.optimizer, kinds,
                        live.buffers.size()));
  }
  for (std::size_t b = 0; b < live.buffers.size(); ++b) {
    const std::uint64_t arrays = in.u64("a buffer count");
    if (arrays != live.buffers[b].size()) {
      in.fail(fmt::format(": buffer {} of the {} holds {} arrays in the file, {} here (other options?)", b,
                          live.optimizer, arrays, live.buffers[b].size()));
    }
    c.optimizer.buffers.emplace_back();
    for (std::size_t k = 0; k < live.buffers[b].size(); ++k) {
      const autodiff::Array& a = live.buffers[b][k];
      c.optimizer.buffers.back().push_back(
          read_array(in, a.rows(), a.cols(), fmt::format("buffer {} of parameter {}", b, k)));
    }
  }

  Batching::State& s = c.batching;
  s.kind = in.u64("the batching kind");
  s.examples = in.u64("the number of examples");
  s.batch_size = in.u64("the batch size");
  s.last = in.u64("the last-batch rule");
  s.rng = in.bytes(in.count("the generator state's length", 1), "the generator state");
  const std::uint64_t order = in.count("the order's length", 8);
  if (order != batching.state().order.size()) {
    in.fail(
        fmt::format(": the batch order holds {} indices in the file, {} here", order, batching.state().order.size()));
  }
  for (std::uint64_t k = 0; k < order; ++k) s.order.push_back(Eigen::Index(in.u64("the batch order")));
  s.position = in.u64("the batch position");
  s.epoch = in.u64("the epoch");
  s.step = in.u64("the batching step");

  c.loop.step = in.u64("the loop step");
  c.loop.numbers.resize(in.count("the loop's number count", 8));
  in.f64s(c.loop.numbers.data(), c.loop.numbers.size(), "the loop's numbers");
  const std::uint64_t points = in.count("the trace length", 16);
  for (std::uint64_t k = 0; k < points; ++k) {
    const std::uint64_t iteration = in.u64("a trace iteration");
    c.loop.trace.record(iteration, in.f64("a trace loss"));
  }
  in.expect_end("the trace");
  return c;
}

}  // namespace

void save_checkpoint(const std::filesystem::path& file, const ParameterList& params, const Optimizer& optimizer,
                     const Batching& batching, const LoopState& loop) {
  std::string out(kMagic);
  io::put_u64(out, params.size());
  for (const autodiff::Parameter* p : params) {
    io::put_text(out, p->name());
    put_array(out, p->value());
  }
  const Optimizer::State o = optimizer.state();
  io::put_text(out, o.optimizer);
  io::put_f64(out, o.lr);
  io::put_u64(out, o.steps);
  io::put_u64(out, o.buffers.size());
  for (const auto& kind : o.buffers) {
    io::put_u64(out, kind.size());
    for (const autodiff::Array& a : kind) put_array(out, a);
  }
  const Batching::State b = batching.state();
  for (const std::uint64_t x : {b.kind, b.examples, b.batch_size, b.last}) io::put_u64(out, x);
  io::put_text(out, b.rng);
  io::put_u64(out, b.order.size());
  for (const Eigen::Index i : b.order) io::put_u64(out, std::uint64_t(i));
  for (const std::uint64_t x : {b.position, b.epoch, b.step}) io::put_u64(out, x);
  io::put_u64(out, loop.step);
  io::put_u64(out, loop.numbers.size());
  for (const double x : loop.numbers) io::put_f64(out, x);
  io::put_u64(out, loop.trace.size());
  for (const TracePoint& p : loop.trace.points()) {
    io::put_u64(out, p.iteration);
    io::put_f64(out, p.loss);
  }
  try {
    io::write_atomically(file, out, "save_checkpoint");
  } catch (const io::FileError& e) {
    throw CheckpointError(e.what());
  }
}

LoopState load_checkpoint(const std::filesystem::path& file, const ParameterList& params, Optimizer& optimizer,
                          Batching& batching) {
  Contents c;
  Batching restored = batching;
  try {
    io::BinaryReader in(file, "load_checkpoint");
    c = read_contents(in, params, optimizer, batching);
    // Both checks run before anything is assigned: the batching on a copy, the optimizer validates first.
    try {
      restored.load_state(c.batching);
      optimizer.load_state(c.optimizer);
    } catch (const std::invalid_argument& e) {
      in.fail(fmt::format(": {}", e.what()));
    }
  } catch (const io::FileError& e) {
    throw CheckpointError(e.what());
  }
  batching = std::move(restored);
  for (std::size_t q = 0; q < params.size(); ++q) params[q]->value() = c.values[q];
  return std::move(c.loop);
}

}  // namespace optim
