// SPDX-License-Identifier: MIT
// Checkpoints: a run stopped part-way and resumed ends bit for bit where an
// uninterrupted run ends, for every update rule and its buffers; a checkpoint
// file is checked like a model file, and a failed load changes nothing.
#define BOOST_TEST_MODULE checkpoint
#include <boost/test/unit_test.hpp>

#include "optim_problems.hpp"
#include "temp_files.hpp"
#include "throws_with.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <string>

using optim_problems::LeastSquares;
using support::RemoveOnExit;
using support::throws_with;

namespace {

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(optim::ParameterList)>;

const std::vector<std::pair<std::string, MakeOptimizer>>& rules() {
  static const std::vector<std::pair<std::string, MakeOptimizer>> all = {
      {"SGD momentum nesterov",
       [](optim::ParameterList p) {
         return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.02, .momentum = 0.9, .nesterov = true});
       }},
      {"Adam amsgrad",
       [](optim::ParameterList p) {
         return std::make_unique<optim::Adam>(p, optim::AdamOptions{.lr = 0.05, .weight_decay = 1e-3, .amsgrad = true});
       }},
      {"AdamW",
       [](optim::ParameterList p) { return std::make_unique<optim::AdamW>(p, optim::AdamWOptions{.lr = 0.05}); }},
      {"RMSprop centered momentum",
       [](optim::ParameterList p) {
         return std::make_unique<optim::RMSprop>(p,
                                                 optim::RMSpropOptions{.lr = 0.01, .momentum = 0.5, .centered = true});
       }},
      {"Adagrad",
       [](optim::ParameterList p) { return std::make_unique<optim::Adagrad>(p, optim::AdagradOptions{.lr = 0.1}); }},
  };
  return all;
}

std::filesystem::path temp_file(const std::string& name) { return support::temp_path("checkpoint", name); }

bool bit_equal(const autodiff::Array& a, const autodiff::Array& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), std::size_t(a.size()) * sizeof(double)) == 0;
}

// One run of 300 mini-batch updates with a decaying schedule, from a fresh problem.
optim::Result run(const MakeOptimizer& make, optim::LoopOptions options) {
  LeastSquares p;
  auto optimizer = make(p.list());
  const auto loss = optim::Loss::recorded([&](const optim::Batch& b) { return p.record(b); });
  options.schedule = optim::Schedule::step(50, 0.5);
  options.full_loss_every = 5;
  return optim::minimize(loss, p.list(), *optimizer, optim::Batching::mini_batches(8, 3, 11),
                         {.tolerance = 0.0, .max_iterations = 300}, options);
}

struct Stop {};  // thrown by a callback to kill a run part-way

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
}

// A problem, an Adam and a batching with a checkpoint of them in a file.
struct Saved {
  LeastSquares p;
  optim::Adam adam{p.list(), {.lr = 0.05, .amsgrad = true}};
  optim::Batching batching = optim::Batching::mini_batches(8, 3, 5);
  RemoveOnExit file{temp_file("saved.ckpt")};
  Saved() {
    for (int k = 0; k < 4; ++k) {
      adam.zero_grad();
      p.objective(batching.next(), true);
      adam.step();
    }
    optim::save_checkpoint(file.path, p.list(), adam, batching, {.step = 4, .numbers = {1.5}, .trace = {}});
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_run_killed_part_way_and_resumed_ends_bit_identical_to_an_uninterrupted_one) {
  for (const auto& [name, make] : rules()) {
    const optim::Result whole = run(make, {});
    RemoveOnExit file{temp_file("run.ckpt")};
    BOOST_CHECK_THROW(run(make, {.callback = [](const optim::Progress& g) -> bool {
                                   if (g.iteration == 150) throw Stop{};
                                   return false;
                                 },
                                 .checkpoint = file.path,
                                 .checkpoint_every = 7}),
                      Stop);
    // The last checkpoint before the kill is after update 147 (a multiple of 7): 153 updates are left.
    std::size_t updates = 0;
    const optim::Result resumed = run(make, {.callback = [&](const optim::Progress&) { return ++updates, false; },
                                             .checkpoint = file.path,
                                             .checkpoint_every = 7,
                                             .resume = true});
    BOOST_TEST(updates == 300u - 147u, name);
    BOOST_TEST(resumed.iterations == whole.iterations, name);
    for (std::size_t q = 0; q < whole.values.size(); ++q) {
      BOOST_TEST(bit_equal(resumed.values[q], whole.values[q]), name << ": parameter " << q);
    }
    BOOST_TEST(resumed.trace.points() == whole.trace.points(), name);
    BOOST_TEST(std::memcmp(&resumed.final_loss, &whole.final_loss, sizeof(double)) == 0, name);
  }
}

BOOST_AUTO_TEST_CASE(a_checkpoint_restores_the_optimizer_and_the_batches_exactly) {
  Saved s;
  LeastSquares q;
  optim::Adam adam(q.list(), {.lr = 0.05, .amsgrad = true});
  optim::Batching batching = optim::Batching::mini_batches(8, 3, 5);
  const optim::LoopState loop = optim::load_checkpoint(s.file.path, q.list(), adam, batching);
  BOOST_TEST(loop.step == 4u);
  BOOST_TEST(loop.numbers == std::vector<double>{1.5});
  BOOST_TEST(adam.steps() == 4u);
  for (int k = 0; k < 5; ++k) {
    const optim::Batch a = s.batching.next();
    const optim::Batch b = batching.next();
    BOOST_TEST(std::vector<Eigen::Index>(a.indices.begin(), a.indices.end()) ==
               std::vector<Eigen::Index>(b.indices.begin(), b.indices.end()));
    s.adam.zero_grad();
    s.p.objective(a, true);
    s.adam.step();
    adam.zero_grad();
    q.objective(b, true);
    adam.step();
  }
  BOOST_TEST(bit_equal(s.p.w.value(), q.w.value()));
}

BOOST_AUTO_TEST_CASE(a_truncated_checkpoint_is_refused_naming_the_file_and_changes_nothing) {
  Saved s;
  const std::string bytes = read_bytes(s.file.path);
  LeastSquares q;
  q.w.value().setConstant(7.0);
  optim::Adam adam(q.list(), {.lr = 0.05, .amsgrad = true});
  optim::Batching batching = optim::Batching::mini_batches(8, 3, 5);
  // Every cut in the parameters, the optimizer and the loop's part; every 61st inside the
  // generator's 6 KB of text, whose reading is one length check.
  for (std::size_t n = 0; n < bytes.size(); n += (n > 400 && n + 400 < bytes.size()) ? 61 : 1) {
    write_bytes(s.file.path, bytes.substr(0, n));
    BOOST_TEST_REQUIRE(
        throws_with<optim::CheckpointError>([&] { optim::load_checkpoint(s.file.path, q.list(), adam, batching); },
                                            {"load_checkpoint: " + s.file.path.string(), "truncated"}),
        "at " << n << " bytes");
  }
  write_bytes(s.file.path, bytes + "x");
  BOOST_TEST(throws_with<optim::CheckpointError>([&] { optim::load_checkpoint(s.file.path, q.list(), adam, batching); },
                                                 {"has 1 byte after the trace"}));
  BOOST_TEST((q.w.value() == 7.0).all());
  BOOST_TEST(adam.steps() == 0u);
  BOOST_TEST(batching.epoch() == 0u);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_of_another_run_is_refused_naming_what_differs) {
  Saved s;
  LeastSquares q;
  optim::Batching batching = optim::Batching::mini_batches(8, 3, 5);
  optim::SGD sgd(q.list(), {.lr = 0.1});
  BOOST_TEST(throws_with<optim::CheckpointError>([&] { optim::load_checkpoint(s.file.path, q.list(), sgd, batching); },
                                                 {"the optimizer is Adam in the file, SGD here"}));
  optim::Adam plain(q.list(), {.lr = 0.05});  // no amsgrad: its v_max buffer is empty
  BOOST_TEST(
      throws_with<optim::CheckpointError>([&] { optim::load_checkpoint(s.file.path, q.list(), plain, batching); },
                                          {"buffer 2 of the Adam holds 2 arrays in the file, 0 here"}));
  optim::Adam adam(q.list(), {.lr = 0.05, .amsgrad = true});
  optim::Batching other = optim::Batching::mini_batches(8, 4, 5);
  BOOST_TEST(throws_with<optim::CheckpointError>([&] { optim::load_checkpoint(s.file.path, q.list(), adam, other); },
                                                 {"Batching::load_state", "in batches of 3"}));
  BOOST_TEST(adam.steps() == 0u);  // the batching is checked before the optimizer changes
  autodiff::Parameter w(autodiff::Array::Zero(3, 1), "w");
  optim::Adam wide({&w, &q.b}, {.lr = 0.05, .amsgrad = true});
  BOOST_TEST(throws_with<optim::CheckpointError>(
      [&] {
        optim::load_checkpoint(s.file.path, {&w, &q.b}, wide, batching);
      },
      {"parameter 0 ('w') is 2x1 in the file, 3x1 here"}));
  std::string bytes = read_bytes(s.file.path);
  bytes[7] = '2';
  write_bytes(s.file.path, bytes);
  BOOST_TEST(throws_with<optim::CheckpointError>([&] { optim::load_checkpoint(s.file.path, q.list(), adam, batching); },
                                                 {"is not a descent checkpoint", "DESCCKP2"}));
}

BOOST_AUTO_TEST_CASE(a_batch_order_that_is_not_a_permutation_is_refused) {
  Saved s;
  std::string bytes = read_bytes(s.file.path);
  // The order is the 8 u64 before the last 3 batching words, the loop step, counts and the trace.
  const std::size_t tail = 8 * 3 + 8 + 8 + 8 * 1 + 8;
  const std::size_t first_index = bytes.size() - tail - 8 * 8;
  bytes.replace(first_index, 8, std::string("\x09\0\0\0\0\0\0\0", 8));
  write_bytes(s.file.path, bytes);
  LeastSquares q;
  optim::Adam adam(q.list(), {.lr = 0.05, .amsgrad = true});
  optim::Batching batching = optim::Batching::mini_batches(8, 3, 5);
  BOOST_TEST(throws_with<optim::CheckpointError>([&] { optim::load_checkpoint(s.file.path, q.list(), adam, batching); },
                                                 {"not a permutation of 0 ... 7 (index 9)"}));
}

BOOST_AUTO_TEST_CASE(minimize_resume_without_a_file_is_an_error) {
  LeastSquares p;
  optim::SGD sgd(p.list(), {.lr = 0.1});
  const auto loss = optim::Loss::recorded([&](const optim::Batch& b) { return p.record(b); });
  BOOST_TEST(throws_with<std::invalid_argument>(
      [&] { optim::minimize(loss, p.list(), sgd, optim::Batching::full(8), {}, {.resume = true}); },
      {"minimize: resume needs the checkpoint file"}));
  BOOST_TEST(throws_with<optim::CheckpointError>(
      [&] {
        optim::minimize(loss, p.list(), sgd, optim::Batching::full(8), {},
                        {.checkpoint = temp_file("none.ckpt"), .resume = true});
      },
      {"load_checkpoint", "cannot open it"}));
}
