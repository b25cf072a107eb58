// SPDX-License-Identifier: MIT
// Which examples each step sees: full batch, cyclic, shuffled, mini-batches with
// both last-batch policies; the seeded shuffle written out; row selection; bad sizes.
#define BOOST_TEST_MODULE batching
#include <boost/test/unit_test.hpp>

#include "optim/batching.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Indices = std::vector<Eigen::Index>;

Indices take(const optim::Batch& b) { return Indices(b.indices.begin(), b.indices.end()); }

Indices sorted(Indices v) {
  std::sort(v.begin(), v.end());
  return v;
}

Indices iota(Eigen::Index n) {
  Indices v(std::size_t(n), 0);
  for (Eigen::Index i = 0; i < n; ++i) v[std::size_t(i)] = i;
  return v;
}

auto has(const std::string& text) {
  return [text](const std::exception& e) { return std::string(e.what()).find(text) != std::string::npos; };
}

}  // namespace

BOOST_AUTO_TEST_CASE(full_batch_gives_every_example_in_order_each_step) {
  auto b = optim::Batching::full(5);
  for (int step = 0; step < 3; ++step) {
    const optim::Batch batch = b.next();
    BOOST_TEST(batch.full);
    BOOST_TEST(take(batch) == iota(5), boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(cyclic_step_i_sees_example_i_mod_n) {
  auto b = optim::Batching::cyclic(4);
  for (Eigen::Index i = 0; i < 11; ++i) {
    const optim::Batch batch = b.next();
    BOOST_TEST(!batch.full);
    BOOST_TEST(take(batch) == Indices{i % 4}, boost::test_tools::per_element());
  }
  BOOST_TEST(b.epoch() == 3u);
}

BOOST_AUTO_TEST_CASE(shuffled_visits_every_example_once_per_epoch_in_a_new_order) {
  auto b = optim::Batching::shuffled(12, 7);
  std::vector<Indices> epochs;
  for (int e = 0; e < 3; ++e) {
    Indices order;
    for (int i = 0; i < 12; ++i) {
      const auto batch = b.next();
      BOOST_TEST(batch.size() == 1);
      order.push_back(batch.indices[0]);
    }
    BOOST_TEST(sorted(order) == iota(12), boost::test_tools::per_element());
    epochs.push_back(order);
  }
  BOOST_TEST(b.epoch() == 3u);
  BOOST_TEST((epochs[0] != epochs[1] && epochs[1] != epochs[2]));
  BOOST_TEST(epochs[0] != iota(12));
}

BOOST_AUTO_TEST_CASE(the_shuffle_is_fisher_yates_on_mt19937_64_with_rejection) {
  // Written out from the engine's raw outputs, which the standard fixes for every library.
  std::mt19937_64 raw(42);
  Indices expected = iota(9);
  for (std::uint64_t i = 8; i >= 1; --i) {
    const std::uint64_t n = i + 1;
    const std::uint64_t threshold = (std::uint64_t(0) - n) % n;  // 2^64 mod n
    std::uint64_t x = raw();
    while (x < threshold) x = raw();
    std::swap(expected[i], expected[x % n]);
  }
  std::mt19937_64 rng(42);
  Indices order = iota(9);
  optim::shuffle(order, rng);
  BOOST_TEST(order == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(uniform_below_a_power_of_two_is_the_low_bits_of_the_engine) {
  std::mt19937_64 raw(3), rng(3);
  for (int k = 0; k < 5; ++k) BOOST_TEST(optim::uniform_below(rng, 1024) == raw() % 1024);
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_batches_and_another_seed_others) {
  auto a = optim::Batching::mini_batches(20, 3, 11);
  auto b = optim::Batching::mini_batches(20, 3, 11);
  auto c = optim::Batching::mini_batches(20, 3, 12);
  bool c_differs = false;
  for (int step = 0; step < 30; ++step) {
    const Indices x = take(a.next()), y = take(b.next()), z = take(c.next());
    BOOST_TEST(x == y, boost::test_tools::per_element());
    c_differs = c_differs || x != z;
  }
  BOOST_TEST(c_differs);
}

BOOST_AUTO_TEST_CASE(mini_batches_keep_a_smaller_last_batch_by_default) {
  auto b = optim::Batching::mini_batches(10, 4, 1);
  for (int e = 0; e < 2; ++e) {
    Indices seen;
    for (std::size_t size : {4u, 4u, 2u}) {
      const Indices batch = take(b.next());
      BOOST_TEST(batch.size() == size);
      seen.insert(seen.end(), batch.begin(), batch.end());
    }
    BOOST_TEST(sorted(seen) == iota(10), boost::test_tools::per_element());
  }
  BOOST_TEST(b.epoch() == 2u);
}

BOOST_AUTO_TEST_CASE(mini_batches_can_drop_the_last_partial_batch) {
  auto b = optim::Batching::mini_batches(10, 4, 1, optim::LastBatch::drop);
  for (int e = 0; e < 3; ++e) {
    std::set<Eigen::Index> seen;
    for (int k = 0; k < 2; ++k) {
      const Indices batch = take(b.next());
      BOOST_TEST(batch.size() == 4u);
      seen.insert(batch.begin(), batch.end());
    }
    BOOST_TEST(seen.size() == 8u);  // eight distinct examples, then a new epoch
    BOOST_TEST(b.epoch() == std::size_t(e + 1));
  }
}

BOOST_AUTO_TEST_CASE(select_rows_picks_the_batch_rows_in_batch_order) {
  Eigen::ArrayXXd data(4, 2);
  data << 0, 1, 10, 11, 20, 21, 30, 31;
  const Indices idx = {3, 1, 3};
  const Eigen::ArrayXXd rows = optim::select_rows(data, {idx, false});
  BOOST_TEST(rows.rows() == 3);
  BOOST_TEST(rows(0, 0) == 30.0);
  BOOST_TEST(rows(1, 1) == 11.0);
  BOOST_TEST(rows(2, 1) == 31.0);
  const auto all = optim::Batching::full(4).all();
  BOOST_TEST((optim::select_rows(data, all) == data).all());
  const std::vector<int> labels = {5, 6, 7, 8};
  BOOST_TEST(optim::select(labels, {idx, false}) == (std::vector<int>{8, 6, 8}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(select_rows_with_an_index_outside_the_data_throws) {
  const Eigen::ArrayXXd data = Eigen::ArrayXXd::Zero(3, 2);
  const Indices idx = {0, 3};
  BOOST_CHECK_EXCEPTION(optim::select_rows(data, {idx, false}), std::out_of_range,
                        has("select_rows: the batch names example 3, but the data has 3 rows"));
}

BOOST_AUTO_TEST_CASE(bad_sizes_throw_naming_the_value) {
  BOOST_CHECK_EXCEPTION(optim::Batching::full(0), std::invalid_argument,
                        has("the data set must hold at least one example, got 0"));
  BOOST_CHECK_EXCEPTION(optim::Batching::shuffled(0, 1), std::invalid_argument, has("at least one example, got 0"));
  BOOST_CHECK_EXCEPTION(optim::Batching::mini_batches(10, 0, 1), std::invalid_argument,
                        has("batch_size must be in [1, 10] (the number of examples), got 0"));
  BOOST_CHECK_EXCEPTION(optim::Batching::mini_batches(10, 11, 1), std::invalid_argument,
                        has("batch_size must be in [1, 10] (the number of examples), got 11"));
}
