// SPDX-License-Identifier: MIT
// The data-parallel step: worker-local gradients leave the Parameters alone, one
// worker is the serial loop bit for bit, a run with W workers repeats bit for bit,
// runs with 1, 2 and 4 workers agree to 1e-12, and a mean over uneven shards is
// the mean over the batch.
#define BOOST_TEST_MODULE data_parallel
#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"
#include "models/mlp.hpp"
#include "optim/optim.hpp"
#include "parallel_problem.hpp"
#include "throws_with.hpp"

#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

using parallel_problem::bit_identical;
using parallel_problem::Data;
using parallel_problem::max_relative_difference;
using parallel_problem::mean_loss;
using parallel_problem::train;

BOOST_AUTO_TEST_CASE(a_leaf_recorded_under_a_sink_accumulates_into_the_sink_not_into_grad) {
  autodiff::Parameter x(3.0, "x");
  autodiff::GradientSink sink({&x});
  autodiff::tape().clear();
  {
    autodiff::GradientSink::Scope scope(sink);
    autodiff::backward(autodiff::square(x.var()));
    autodiff::backward(autodiff::square(x.var()) * 2.0);
  }
  BOOST_TEST(x.grad()(0, 0) == 0.0);
  BOOST_TEST(sink.grad(0)(0, 0) == 6.0 + 12.0);  // d(x²) = 2x dx, twice with weights 1 and 2
  autodiff::tape().clear();
  autodiff::backward(autodiff::square(x.var()));  // after the scope: into grad() again
  BOOST_TEST(x.grad()(0, 0) == 6.0);
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(a_parameter_outside_the_sink_still_accumulates_into_grad) {
  autodiff::Parameter x(3.0, "x"), y(2.0, "y");
  autodiff::GradientSink sink({&x});
  autodiff::tape().clear();
  {
    autodiff::GradientSink::Scope scope(sink);
    autodiff::backward(x.var() * y.var());
  }
  BOOST_TEST(sink.grad(0)(0, 0) == 2.0);
  BOOST_TEST(y.grad()(0, 0) == 3.0);
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(one_worker_is_the_serial_loop_bit_for_bit) {
  BOOST_TEST(bit_identical(train(1), train(0)));
}

BOOST_AUTO_TEST_CASE(a_run_with_the_same_workers_repeats_bit_for_bit) {
  for (std::size_t threads : {2, 4}) {
    BOOST_TEST_CONTEXT("threads " << threads) { BOOST_TEST(bit_identical(train(threads), train(threads))); }
  }
}

BOOST_AUTO_TEST_CASE(runs_with_one_two_and_four_workers_agree_to_1e_12) {
  const auto one = train(1);
  for (std::size_t threads : {2, 4}) {
    BOOST_TEST_CONTEXT("threads " << threads) { BOOST_TEST(max_relative_difference(train(threads), one) < 1e-12); }
  }
}

BOOST_AUTO_TEST_CASE(a_mean_over_uneven_shards_is_the_mean_over_the_batch) {
  const Data data;
  models::Mlp mlp({5, 8, 3}, models::Activation::tanh, 3);
  const auto record = mean_loss(mlp, data);
  // 7 examples over 3 workers: shards of 3, 2 and 2, weighed 3/7, 2/7 and 2/7.
  const std::vector<Eigen::Index> indices = {4, 9, 13, 21, 22, 30, 38};
  const optim::Batch batch{indices, false};
  for (auto* p : mlp.parameters()) p->zero_grad();
  autodiff::tape().clear();
  const autodiff::Var serial = record(batch);
  autodiff::backward(serial);
  const double serial_loss = serial.item();
  std::vector<autodiff::Array> serial_grad;
  for (auto* p : mlp.parameters()) serial_grad.push_back(p->grad());
  autodiff::tape().clear();

  for (auto* p : mlp.parameters()) p->zero_grad();
  optim::DataParallel parallel(mlp.parameters(), {.threads = 3});
  const double loss = parallel(record, batch, true);
  std::vector<autodiff::Array> grad;
  for (auto* p : mlp.parameters()) grad.push_back(p->grad());
  BOOST_TEST(std::abs(loss - serial_loss) <= 1e-12 * std::abs(serial_loss));
  BOOST_TEST(max_relative_difference(grad, serial_grad) < 1e-12);
  // An unweighted sum over the shards would be wrong: the weights matter.
  BOOST_TEST(optim::split(batch, 3)[0].size() == 3);
  BOOST_TEST(optim::split(batch, 3)[2].size() == 2);
}

BOOST_AUTO_TEST_CASE(a_sum_over_shards_adds_up_and_more_workers_than_examples_leave_some_idle) {
  autodiff::Parameter w(2.0, "w");
  const Eigen::ArrayXXd x = Eigen::ArrayXXd::Constant(3, 1, 1.5);
  const optim::Loss::Record record = [&](const optim::Batch& batch) {
    return autodiff::sum(w.var() * autodiff::Var(optim::select_rows(x, batch)));
  };
  const std::vector<Eigen::Index> indices = {0, 1, 2};
  optim::DataParallel parallel({&w}, {.threads = 4, .reduction = optim::LossReduction::sum});
  BOOST_TEST(parallel({record}, optim::Batch{indices, false}, true) == 9.0);  // Σ w x over 3 examples
  BOOST_TEST(w.grad()(0, 0) == 4.5);                                            // d(Σ w x) = Σ x dw
}

BOOST_AUTO_TEST_CASE(an_error_on_a_worker_is_rethrown_by_the_caller) {
  autodiff::Parameter w(2.0, "w");
  const std::vector<Eigen::Index> indices = {0, 1, 2, 3};
  optim::DataParallel parallel({&w}, {.threads = 2});
  const optim::Loss::Record throws_on_second = [&](const optim::Batch& batch) -> autodiff::Var {
    if (batch.indices[0] == 2) throw std::runtime_error("shard starting at 2 failed");
    return w.var() * 1.0;
  };
  BOOST_TEST(support::throws_with<std::runtime_error>(
      [&] { parallel(throws_on_second, optim::Batch{indices, false}, true); }, {"shard starting at 2"}));
  // The pool survives an error.
  const optim::Loss::Record fine = [&](const optim::Batch&) { return w.var() * 1.0; };
  BOOST_TEST(parallel(fine, optim::Batch{indices, false}, false) == 2.0);
}

BOOST_AUTO_TEST_CASE(a_loss_that_is_not_1x1_names_the_shape) {
  autodiff::Parameter w(Eigen::ArrayXXd::Ones(2, 1), "w");
  const std::vector<Eigen::Index> indices = {0, 1};
  optim::DataParallel parallel({&w}, {.threads = 2});
  const optim::Loss::Record vector_loss = [&](const optim::Batch&) { return w.var() * 1.0; };
  BOOST_TEST(support::throws_with<autodiff::ShapeError>(
      [&] { parallel(vector_loss, optim::Batch{indices, false}, true); }, {"DataParallel", "2x1", "1x1"}));
}

BOOST_AUTO_TEST_CASE(bad_arguments_throw_naming_them) {
  BOOST_TEST(support::throws_with<std::invalid_argument>([] { optim::DataParallel({}, {}); }, {"DataParallel", "empty"}));
  BOOST_TEST(support::throws_with<std::invalid_argument>([] { optim::DataParallel({nullptr}, {}); },
                                                         {"DataParallel", "parameter 0", "null"}));
  const std::vector<Eigen::Index> indices = {0};
  BOOST_TEST(support::throws_with<std::invalid_argument>([&] { optim::split(optim::Batch{indices, false}, 0); },
                                                         {"split", "0"}));
}
