// SPDX-License-Identifier: MIT
// What plain C++ can do to the things a tape refers to: temporaries, Parameters
// destroyed, moved or resized before backward, moved-from objects, huge and empty
// shapes, two threads sharing a Parameter. Each is either rejected at compile time,
// throws an autodiff::Error naming the op, or is safe because the tape shares
// ownership of what it records (docs/design.md, "Lifetimes").
#define BOOST_TEST_MODULE lifetime
#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"
#include "throws_with.hpp"

#include <cstdint>
#include <limits>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

using namespace autodiff;
using support::throws_with;

// A temporary Parameter would take a gradient nobody can read: binding one is a compile error.
static_assert(std::is_convertible_v<Parameter&, Var>);
static_assert(!std::is_convertible_v<Parameter&&, Var>);
static_assert(!std::is_constructible_v<Var, Parameter&&>);

BOOST_AUTO_TEST_CASE(a_parameter_destroyed_before_backward_is_kept_alive_by_the_tape) {
  tape().clear();
  Var loss;
  {
    Parameter p(Array::Constant(3, 1, 2.0));
    loss = sum(p * p);
  }
  backward(loss);  // writes into storage the tape still owns: no use after free
  BOOST_TEST(loss.item() == 12.0);
  tape().clear();
}

// A data-parallel worker's sink (GradientSink) may die before the tape it recorded
// into is swept: the tape holds the sink's buffers, so the sweep writes there, safely.
BOOST_AUTO_TEST_CASE(a_gradient_sink_destroyed_before_backward_is_kept_alive_by_the_tape) {
  tape().clear();
  Parameter w(2.0);
  Var loss;
  {
    auto sink = std::make_unique<GradientSink>(ParameterList{&w});
    GradientSink::Scope scope(*sink);
    loss = w * w;
  }
  loss.backward();
  BOOST_TEST(w.grad()(0) == 0.0);  // the gradient went to the sink, not to w
  tape().clear();
}

// A Parameter that dies while a sink lists it keeps its storage, so no other
// Parameter made later at the same address is mistaken for it.
BOOST_AUTO_TEST_CASE(a_gradient_sink_keeps_the_parameters_it_lists_apart_from_new_ones) {
  tape().clear();
  auto first = std::make_unique<Parameter>(1.0);
  GradientSink sink({first.get()});
  first.reset();
  Parameter second(3.0);
  {
    GradientSink::Scope scope(sink);
    backward(second * second);
  }
  BOOST_TEST(second.grad()(0) == 6.0);
  BOOST_TEST(sink.grad(0)(0) == 0.0);
  tape().clear();
}

BOOST_AUTO_TEST_CASE(a_parameter_move_assigned_over_before_backward_keeps_its_old_gradient_apart) {
  tape().clear();
  Parameter p(Array::Constant(2, 1, 3.0), "p");
  const Var loss = sum(p * p);
  p = Parameter(Array::Constant(2, 1, 1.0), "q");
  backward(loss);
  BOOST_TEST((p.grad() == 0.0).all());  // the new Parameter took no part in the loss
  tape().clear();
}

BOOST_AUTO_TEST_CASE(a_parameter_resized_after_it_was_recorded_is_rejected_by_backward) {
  tape().clear();
  Parameter p(Array::Constant(3, 1, 2.0), "weights");
  const Var loss = sum(p * p);
  p.value() = Array::Constant(3, 3, 1.0);  // reallocates what the tape points at
  BOOST_TEST(throws_with<StaleVarError>([&] { backward(loss); },
                                        {"backward", "'weights'", "3x1", "3x3", "record the loss again"}));
  tape().clear();
}

BOOST_AUTO_TEST_CASE(a_temporary_constant_is_kept_alive_by_the_tape) {
  tape().clear();
  Parameter w(Array::Constant(4, 1, 0.5));
  const Var x = Constant(Array::Constant(4, 1, 3.0));
  const Var loss = sum(x * w);
  backward(loss);
  BOOST_TEST(loss.item() == 6.0);
  BOOST_TEST((w.grad() == 3.0).all());
  tape().clear();
}

BOOST_AUTO_TEST_CASE(a_moved_from_parameter_throws_naming_the_call) {
  Parameter p(1.0, "p");
  Parameter q(std::move(p));
  BOOST_TEST(throws_with<StaleVarError>([&] { (void)p.name(); }, {"Parameter::name", "moved from"}));
  BOOST_TEST(throws_with<StaleVarError>([&] { (void)p.rows(); }, {"Parameter::rows", "moved from"}));
  BOOST_TEST(throws_with<StaleVarError>([&] { (void)p.cols(); }, {"Parameter::cols", "moved from"}));
  BOOST_TEST(throws_with<StaleVarError>([&] { (void)p.value(); }, {"Parameter::value", "moved from"}));
  BOOST_TEST(throws_with<StaleVarError>([&] { (void)p.grad(); }, {"Parameter::grad", "moved from"}));
  BOOST_TEST(throws_with<StaleVarError>([&] { p.zero_grad(); }, {"Parameter::zero_grad", "moved from"}));
  BOOST_TEST(throws_with<StaleVarError>([&] { (void)p.var(); }, {"Parameter::var", "moved from"}));
  BOOST_TEST(q.name() == "p");
}

BOOST_AUTO_TEST_CASE(a_moved_from_constant_throws_naming_the_call) {
  Constant c(Array::Ones(2, 2));
  Constant d(std::move(c));
  BOOST_TEST(throws_with<StaleVarError>([&] { (void)c.var(); }, {"Constant::var", "moved from"}));
  BOOST_TEST(throws_with<StaleVarError>([&] { (void)c.value(); }, {"Constant::value", "moved from"}));
  BOOST_TEST(throws_with<StaleVarError>([&] { (void)c.rows(); }, {"Constant::rows", "moved from"}));
  BOOST_TEST(d.rows() == 2);
}

BOOST_AUTO_TEST_CASE(a_null_parameter_in_gradcheck_throws_naming_its_position) {
  Parameter p(1.0);
  BOOST_TEST(throws_with<Error>([&] { (void)gradcheck([&] { return square(p); }, {&p, nullptr}); },
                                {"gradcheck", "parameter 1", "null"}));
}

BOOST_AUTO_TEST_CASE(broadcasting_a_zero_size_operand_gives_an_empty_result_as_numpy) {
  tape().clear();
  Parameter p(Array::Constant(1, 4, 2.0));
  const Var z = Var(Array(0, 1)) + p;
  BOOST_TEST(z.rows() == 0);
  BOOST_TEST(z.cols() == 4);
  const Var s = sum(Var(Array(0, 1)) * p);
  backward(s);
  BOOST_TEST(s.item() == 0.0);
  BOOST_TEST((p.grad() == 0.0).all());
  tape().clear();
}

BOOST_AUTO_TEST_CASE(slicing_with_huge_counts_throws_instead_of_overflowing) {
  tape().clear();
  const Var v(Array::Ones(3, 2));
  const Index huge = std::numeric_limits<Index>::max();
  BOOST_TEST(throws_with<IndexError>([&] { (void)block(v, 1, 0, huge, 1); }, {"block", "does not fit"}));
  BOOST_TEST(throws_with<IndexError>([&] { (void)block(v, 0, 1, 1, huge); }, {"block", "does not fit"}));
  BOOST_TEST(throws_with<IndexError>([&] { (void)rows(v, 1, huge); }, {"rows", "outside"}));
  BOOST_TEST(throws_with<IndexError>([&] { (void)rows(v, huge, 1); }, {"rows", "outside"}));
}

BOOST_AUTO_TEST_CASE(dimensions_of_two_to_the_31_or_more_are_rejected_not_truncated) {
  tape().clear();
  const Index big = Index(1) << 32;
  BOOST_TEST(throws_with<ShapeError>([&] { (void)Var(Array(0, big + 2)); }, {"0x4294967298", "2147483647"}));
  BOOST_TEST(throws_with<ShapeError>([&] { (void)Parameter(Array(0, Index(1) << 31)).rows(); },
                                     {"Parameter", "0x2147483648"}));
  BOOST_TEST(throws_with<ShapeError>([&] { (void)Constant(Array(big, 0)).rows(); }, {"Constant", "4294967296x0"}));
}

// Two threads record the same Parameters and run backward at once, many times: their
// sweeps into each Parameter's gradient take turns (per-Parameter locks, taken in one
// order), so the gradient is the exact sum. ThreadSanitizer runs this in .ci/run.
BOOST_AUTO_TEST_CASE(two_threads_backward_into_one_parameter_take_turns_and_sum_exactly) {
  Parameter a(Array::Constant(64, 1, 0.5), "a"), b(Array::Constant(64, 1, 2.0), "b");
  const int steps = 200;
  auto work = [&] {
    for (int k = 0; k < steps; ++k) {
      tape().clear();
      backward(sum(a * b) + sum(b * 1.0));  // d/da = b = 2, d/db = a + 1 = 1.5
    }
    tape().clear();
  };
  std::thread t1(work), t2(work);
  t1.join();
  t2.join();
  BOOST_TEST((a.grad() == 2.0 * 2.0 * steps).all());
  BOOST_TEST((b.grad() == 2.0 * 1.5 * steps).all());
}
