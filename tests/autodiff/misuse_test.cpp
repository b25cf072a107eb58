// SPDX-License-Identifier: MIT
// The misuse catalogue of docs/testing.md: each misuse of autodiff, the exception type it
// gets and its exact message. A change of wording must change the catalogue too.
#define BOOST_TEST_MODULE misuse
#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"

#include <functional>
#include <string>
#include <thread>

namespace {

using namespace autodiff;

// The message of the E that f throws; fails the test if f throws nothing or something else.
template <class E>
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    BOOST_ERROR("threw another type: " << e.what());
    return {};
  }
  BOOST_ERROR("threw nothing");
  return {};
}

Var zeros(Index r, Index c) { return Var(Array::Zero(r, c)); }

struct FreshTape {
  FreshTape() { tape().clear(); }
  ~FreshTape() { tape().clear(); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(misuse, FreshTape)

BOOST_AUTO_TEST_CASE(adding_3x2_and_4x2_throws_shape_error_naming_both) {
  BOOST_TEST(message_of<ShapeError>([] { zeros(3, 2) + zeros(4, 2); }) ==
             "operator+: cannot broadcast shapes 3x2 and 4x2");
}

BOOST_AUTO_TEST_CASE(matmul_with_unequal_inner_dimensions_throws_shape_error) {
  BOOST_TEST(message_of<ShapeError>([] { matmul(zeros(3, 2), zeros(3, 2)); }) ==
             "matmul: inner dimensions differ: 3x2 times 3x2");
}

BOOST_AUTO_TEST_CASE(dot_of_two_shapes_throws_shape_error) {
  BOOST_TEST(message_of<ShapeError>([] { dot(zeros(1, 3), zeros(3, 1)); }) ==
             "dot: needs two Vars of one shape, got 1x3 and 3x1");
}

BOOST_AUTO_TEST_CASE(softmax_of_empty_logits_throws_shape_error) {
  BOOST_TEST(message_of<ShapeError>([] { softmax(zeros(0, 3)); }) ==
             "softmax: needs at least one row and one column, got 0x3");
}

BOOST_AUTO_TEST_CASE(cross_entropy_with_one_label_too_many_throws_shape_error) {
  BOOST_TEST(message_of<ShapeError>([] { cross_entropy(zeros(3, 2), std::vector<int>{0, 1, 0, 1}); }) ==
             "cross_entropy: 4 labels for logits of shape 3x2 (one label per row)");
}

BOOST_AUTO_TEST_CASE(cross_entropy_with_a_label_outside_the_classes_throws_index_error) {
  BOOST_TEST(message_of<IndexError>([] { cross_entropy(zeros(3, 2), std::vector<int>{0, 2, 1}); }) ==
             "cross_entropy: label 2 at row 1 is outside [0, 2) for logits of shape 3x2");
  BOOST_TEST(message_of<IndexError>([] { cross_entropy(zeros(1, 4), std::vector<int>{-1}); }) ==
             "cross_entropy: label -1 at row 0 is outside [0, 4) for logits of shape 1x4");
}

BOOST_AUTO_TEST_CASE(nll_loss_with_a_label_outside_the_classes_throws_index_error) {
  const std::vector<std::int64_t> labels{0, 1, 2};
  BOOST_TEST(message_of<IndexError>([&] { nll_loss(zeros(3, 2), labels); }) ==
             "nll_loss: label 2 at row 2 is outside [0, 2) for log_probs of shape 3x2");
  BOOST_TEST(message_of<ShapeError>([&] { nll_loss(zeros(2, 2), labels); }) ==
             "nll_loss: 3 labels for log_probs of shape 2x2 (one label per row)");
}

BOOST_AUTO_TEST_CASE(clamp_with_lo_above_hi_throws_error_naming_both) {
  BOOST_TEST(message_of<Error>([] { clamp(zeros(3, 2), 2.0, 1.0); }) == "clamp: lo 2 is greater than hi 1");
}

BOOST_AUTO_TEST_CASE(hstack_of_parts_with_unequal_rows_throws_shape_error_naming_every_part) {
  BOOST_TEST(message_of<ShapeError>([] { hstack({zeros(3, 2), zeros(3, 1), zeros(2, 2)}); }) ==
             "hstack: the parts need equal rows (one height), got 3x2, 3x1, 2x2");
  BOOST_TEST(message_of<ShapeError>([] { vstack({}); }) == "vstack: needs at least one Var, got none");
}

BOOST_AUTO_TEST_CASE(reshape_to_another_size_throws_shape_error) {
  BOOST_TEST(message_of<ShapeError>([] { reshape(zeros(3, 2), 4, 2); }) ==
             "reshape: a 3x2 Var (6 elements) cannot be 4x2");
}

BOOST_AUTO_TEST_CASE(losses_of_two_shapes_throw_shape_error) {
  BOOST_TEST(message_of<ShapeError>([] { mse_loss(zeros(3, 2), zeros(3, 1)); }) ==
             "mse_loss: pred 3x2 and target 3x1 need one shape");
  BOOST_TEST(message_of<Error>([] { huber_loss(zeros(1, 1), zeros(1, 1), -1.0); }) ==
             "huber_loss: delta -1 is not positive");
}

BOOST_AUTO_TEST_CASE(where_with_a_mask_that_does_not_broadcast_throws_shape_error) {
  BOOST_TEST(message_of<ShapeError>([] { where(Mask::Constant(2, 2, true), zeros(3, 2), zeros(1, 1)); }) ==
             "where: cannot broadcast the 2x2 mask with a 3x2 and b 1x1");
}

BOOST_AUTO_TEST_CASE(max_of_an_empty_var_throws_shape_error) {
  BOOST_TEST(message_of<ShapeError>([] { max(zeros(0, 3)); }) == "max: needs at least one element, got 0x3");
  BOOST_TEST(message_of<ShapeError>([] { argmax_rowwise(zeros(2, 0)); }) ==
             "argmax_rowwise: needs at least one element, got 2x0");
}

BOOST_AUTO_TEST_CASE(element_outside_the_var_throws_index_error) {
  BOOST_TEST(message_of<IndexError>([] { element(zeros(3, 2), 3, 0); }) ==
             "element: index (3, 0) is outside a 3x2 Var");
  BOOST_TEST(message_of<IndexError>([] { zeros(1, 4)(4); }) == "element: index (0, 4) is outside a 1x4 Var");
}

BOOST_AUTO_TEST_CASE(block_that_does_not_fit_throws_index_error) {
  BOOST_TEST(message_of<IndexError>([] { block(zeros(3, 2), 2, 1, 2, 2); }) ==
             "block: a 2x2 block at (2, 1) does not fit in a 3x2 Var");
  BOOST_TEST(message_of<IndexError>([] { rows(zeros(3, 2), 2, 2); }) ==
             "rows: rows 2 to 3 are outside a 3x2 Var");
}

BOOST_AUTO_TEST_CASE(gather_rows_outside_the_table_throws_index_error) {
  const std::vector<std::int64_t> r{0, 4};
  BOOST_TEST(message_of<IndexError>([&] { gather_rows(zeros(4, 3), std::span<const std::int64_t>(r)); }) ==
             "gather_rows: index 4 at (1, 0) is outside the 4 rows of a 4x3 table");
}

BOOST_AUTO_TEST_CASE(one_index_into_a_matrix_throws_shape_error) {
  BOOST_TEST(message_of<ShapeError>([] { zeros(3, 2)(1); }) ==
             "Var::operator(): one index needs a vector, got 3x2; use (i, j)");
}

BOOST_AUTO_TEST_CASE(item_of_a_non_scalar_throws_shape_error) {
  BOOST_TEST(message_of<ShapeError>([] { zeros(2, 2).item(); }) == "Var::item: needs a 1x1 Var, got 2x2");
}

BOOST_AUTO_TEST_CASE(backward_on_a_non_scalar_throws_backward_error) {
  Parameter p(Array::Ones(3, 2));
  BOOST_TEST(message_of<BackwardError>([&] { backward(p * 2.0); }) ==
             "backward: the loss must be a scalar (1x1), got 3x2; reduce it first, e.g. with sum() or mean()");
}

BOOST_AUTO_TEST_CASE(backward_on_a_loss_without_parameters_throws_backward_error) {
  const std::string expected =
      "backward: the loss does not depend on any Parameter (or was computed under NoGrad), so there is no "
      "gradient to compute";
  BOOST_TEST(message_of<BackwardError>([] { backward(sum(zeros(2, 2) + 1.0)); }) == expected);
  Parameter p(1.0);
  BOOST_TEST(message_of<BackwardError>([&] {
               NoGrad off;
               backward(p * 2.0);
             }) == expected);
  BOOST_TEST(message_of<BackwardError>([&] { backward(detach(p * 2.0)); }) == expected);
}

BOOST_AUTO_TEST_CASE(backward_twice_through_a_cleared_tape_throws_stale_var_error) {
  Parameter p(2.0);
  const Var loss = square(p);
  backward(loss);
  tape().clear();
  BOOST_TEST(message_of<StaleVarError>([&] { backward(loss); }) ==
             "backward: the Var is stale: its tape was cleared after it was recorded; record it again in this step");
  BOOST_TEST(p.grad()(0) == 4.0);  // the first backward counted once, the failed one not at all
}

BOOST_AUTO_TEST_CASE(stale_var_in_an_op_throws_stale_var_error_naming_the_op) {
  const Var v = zeros(2, 2);
  tape().clear();
  BOOST_TEST(message_of<StaleVarError>([&] { tanh(v); }) ==
             "tanh: the Var is stale: its tape was cleared after it was recorded; record it again in this step");
  BOOST_TEST(message_of<StaleVarError>([&] { v.value(); }) ==
             "Var::value: the Var is stale: its tape was cleared after it was recorded; record it again in this step");
}

BOOST_AUTO_TEST_CASE(var_used_on_another_thread_throws_stale_var_error) {
  const Var v = zeros(2, 2);
  std::string message;
  std::thread([&] { message = message_of<StaleVarError>([&] { sum(v); }); }).join();
  BOOST_TEST(message ==
             "sum: the Var was recorded on another thread's tape; each thread records on its own tape, so compute "
             "it on this thread");
}

BOOST_AUTO_TEST_CASE(empty_var_throws_stale_var_error) {
  const Var empty;
  BOOST_TEST(message_of<StaleVarError>([&] { empty * 2.0; }) ==
             "operator*: the Var is empty (default-constructed); assign it the result of an operation first");
  BOOST_TEST(message_of<StaleVarError>([&] { empty.rows(); }) ==
             "Var::rows: the Var is empty (default-constructed); assign it the result of an operation first");
}

BOOST_AUTO_TEST_CASE(moved_from_parameter_throws_stale_var_error) {
  Parameter p(1.0);
  Parameter q(std::move(p));
  BOOST_TEST(message_of<StaleVarError>([&] { p.var(); }) == "Parameter::var: the Parameter was moved from");
  BOOST_TEST(q.var().item() == 1.0);
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_op_that_produced_nan) {
  Parameter p(Array((Array(1, 3) << 1.0, -1.0, 2.0).finished()));
  DetectAnomaly on;
  BOOST_TEST(message_of<NonFiniteError>([&] { log(p); }) ==
             "anomaly: log produced NaN at element (0, 1) of its 1x3 result");
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_op_whose_backward_produced_infinity) {
  Parameter p(Array((Array(2, 1) << 1.0, 0.0).finished()));
  DetectAnomaly on;
  BOOST_TEST(message_of<NonFiniteError>([&] { backward(sum(sqrt(p))); }) ==
             "anomaly: the backward of sqrt produced infinity in the gradient of its 2x1 operand (parameter) at "
             "element (1, 0)");
}

BOOST_AUTO_TEST_CASE(without_anomaly_mode_nan_flows_through_silently) {
  Parameter p(-1.0);
  const Var y = log(p);
  BOOST_TEST(std::isnan(y.item()));
  backward(y);
  BOOST_TEST(p.grad()(0) == -1.0);
}

BOOST_AUTO_TEST_CASE(gradcheck_without_parameters_throws_error) {
  BOOST_TEST(message_of<Error>([] { gradcheck([] { return Var(1.0); }, {}); }) == "gradcheck: no parameters to check");
}

BOOST_AUTO_TEST_SUITE_END()
