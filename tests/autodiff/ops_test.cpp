// SPDX-License-Identifier: MIT
// Values, broadcasting and error messages of the ops, family by family.
// (tests/autodiff/op_table_test.cpp checks every op's gradient exhaustively.)
#define BOOST_TEST_MODULE ops
#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"
#include "throws_with.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

using namespace autodiff;
using support::throws_with;
namespace tt = boost::test_tools;

namespace {

bool same(const Array& a, const Array& b, double tol = 1e-14) {
  return a.rows() == b.rows() && a.cols() == b.cols() && ((a - b).abs() <= tol * (1.0 + b.abs())).all();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_row_vector_broadcasts_over_the_rows_of_a_matrix) {
  tape().clear();
  Parameter m(Array::Random(3, 4)), row(Array::Random(1, 4));
  Var y = m + row;
  BOOST_TEST(same(y.value(), m.value().rowwise() + row.value().row(0)));
  backward(sum(y * y));
  // The row's adjoint is the column sums of 2y.
  BOOST_TEST(same(row.grad(), (2.0 * Array(y.value())).colwise().sum()));
}

BOOST_AUTO_TEST_CASE(a_column_vector_broadcasts_over_the_columns_of_a_matrix) {
  tape().clear();
  Parameter m(Array::Random(3, 4)), col(Array::Random(3, 1));
  Var y = col * m;
  BOOST_TEST(same(y.value(), m.value().colwise() * col.value().col(0)));
  backward(sum(y));
  BOOST_TEST(same(col.grad(), m.value().rowwise().sum()));
  BOOST_TEST(same(m.grad(), col.value().replicate(1, 4)));
}

BOOST_AUTO_TEST_CASE(a_row_and_a_column_broadcast_to_their_outer_shape) {
  tape().clear();
  Parameter row(Array::Random(1, 4)), col(Array::Random(3, 1));
  Var y = col - row;
  BOOST_TEST(y.rows() == 3);
  BOOST_TEST(y.cols() == 4);
  backward(sum(y));
  BOOST_TEST(same(row.grad(), Array::Constant(1, 4, -3.0)));
  BOOST_TEST(same(col.grad(), Array::Constant(3, 1, 4.0)));
}

BOOST_AUTO_TEST_CASE(a_scalar_var_broadcasts_with_anything_and_sums_its_adjoint) {
  tape().clear();
  Parameter s(2.0), m(Array::Random(2, 3));
  backward(sum(m / s));
  BOOST_TEST(s.grad()(0) == -m.value().sum() / 4.0, tt::tolerance(1e-13));
  BOOST_TEST(same(m.grad(), Array::Constant(2, 3, 0.5)));
}

BOOST_AUTO_TEST_CASE(incompatible_shapes_name_the_op_and_both_shapes) {
  tape().clear();
  Parameter a(Array::Ones(3, 2)), b(Array::Ones(4, 2));
  BOOST_TEST(throws_with<ShapeError>([&] { (void)(a + b); }, {"operator+", "3x2", "4x2"}));
  BOOST_TEST(throws_with<ShapeError>([&] { (void)(a * b); }, {"operator*", "3x2", "4x2"}));
  BOOST_TEST(throws_with<ShapeError>([&] { (void)matmul(a, b); }, {"matmul", "3x2", "4x2"}));
  BOOST_TEST(throws_with<ShapeError>([&] { (void)dot(a, b); }, {"dot", "3x2", "4x2"}));
}

BOOST_AUTO_TEST_CASE(elementwise_functions_match_eigen) {
  tape().clear();
  Array v = Array::Random(3, 3) + 1.5;  // positive, for log and sqrt
  Var x = v;
  BOOST_TEST(same(exp(x).value(), v.exp()));
  BOOST_TEST(same(log(x).value(), v.log()));
  BOOST_TEST(same(sqrt(x).value(), v.sqrt()));
  BOOST_TEST(same(tanh(x).value(), v.tanh()));
  BOOST_TEST(same(pow(x, 2.5).value(), v.pow(2.5)));
  BOOST_TEST(same(square(x).value(), v.square()));
  BOOST_TEST(same(sigmoid(x).value(), 1.0 / (1.0 + (-v).exp())));
  BOOST_TEST(same(relu(x - 2.0).value(), (v - 2.0).max(0.0)));
  BOOST_TEST(same(abs(x - 2.0).value(), (v - 2.0).abs()));
  BOOST_TEST(same((-x).value(), -v));
  BOOST_TEST(same((1.0 / x).value(), v.inverse()));
  BOOST_TEST(same((3.0 - x).value(), 3.0 - v));
}

BOOST_AUTO_TEST_CASE(reductions_give_the_shapes_eigen_gives) {
  tape().clear();
  Array v = Array::Random(3, 4);
  Var x = v;
  BOOST_TEST(sum(x).item() == v.sum(), tt::tolerance(1e-14));
  BOOST_TEST(mean(x).item() == v.mean(), tt::tolerance(1e-14));
  BOOST_TEST(same(sum_rowwise(x).value(), v.rowwise().sum()));
  BOOST_TEST(same(sum_colwise(x).value(), v.colwise().sum()));
  BOOST_TEST(same(mean_rowwise(x).value(), v.rowwise().mean()));
  BOOST_TEST(same(mean_colwise(x).value(), v.colwise().mean()));
}

// w * m with m an Eigen Matrix would be element-wise here and a matrix product in
// Eigen: element-wise ops take arrays only, and a Matrix gets a compile error
// pointing to matmul (the MatrixOperands overloads of arithmetic.hpp).
static_assert(BinaryOperands<Var, Eigen::ArrayXXd> && BinaryOperands<Eigen::ArrayXd, Parameter>);
static_assert(!BinaryOperands<Var, Eigen::MatrixXd> && !BinaryOperands<Eigen::VectorXd, Parameter>);
static_assert(MatrixOperands<Parameter, Eigen::MatrixXd> && MatrixOperands<Eigen::VectorXd, Var>);

BOOST_AUTO_TEST_CASE(an_eigen_array_takes_part_in_element_wise_ops_as_data) {
  tape().clear();
  Parameter w(Array::Constant(2, 2, 3.0));
  const Eigen::ArrayXXd m = Eigen::ArrayXXd::Constant(2, 2, 2.0);
  const Var z = w * m;
  BOOST_TEST((Array(z.value()) == 6.0).all());
}

BOOST_AUTO_TEST_CASE(matmul_transpose_and_dot_match_eigen) {
  tape().clear();
  Eigen::MatrixXd a = Eigen::MatrixXd::Random(3, 2), b = Eigen::MatrixXd::Random(2, 4);
  BOOST_TEST(same(matmul(Var(a), Var(b)).value(), (a * b).array()));
  BOOST_TEST(same(transpose(Var(a)).value(), a.transpose().array()));
  BOOST_TEST(dot(Var(a), Var(a)).item() == a.squaredNorm(), tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(softmax_rows_sum_to_one_and_cross_entropy_matches_its_definition) {
  tape().clear();
  Array logits = Array::Random(4, 3) * 5.0;
  Var x = logits;
  Array p = softmax(x).value();
  BOOST_TEST(same(p.rowwise().sum(), Array::Ones(4, 1)));
  BOOST_TEST(same(log_softmax(x).value(), p.log(), 1e-12));
  BOOST_TEST(same(logsumexp(x).value(), logits.exp().rowwise().sum().log(), 1e-12));
  std::vector<int> labels{0, 2, 1, 2};
  double expected = 0.0;
  for (int r = 0; r < 4; ++r) expected -= std::log(p(r, labels[std::size_t(r)])) / 4.0;
  BOOST_TEST(cross_entropy(x, labels).item() == expected, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(cross_entropy_rejects_bad_labels_naming_the_row) {
  tape().clear();
  Var x = Array(Array::Zero(3, 4));
  BOOST_TEST(throws_with<IndexError>([&] { (void)cross_entropy(x, std::vector<int>{0, 4, 1}); },
                                     {"cross_entropy", "label 4", "row 1", "3x4"}));
  BOOST_TEST(throws_with<ShapeError>([&] { (void)cross_entropy(x, std::vector<int>{0, 1}); },
                                     {"cross_entropy", "2 labels", "3x4"}));
}

BOOST_AUTO_TEST_CASE(gather_rows_concatenates_the_rows_of_each_context) {
  tape().clear();
  Array table(3, 2);
  table << 1, 2, 3, 4, 5, 6;
  Parameter emb(table);
  Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> index(2, 2);
  index << 2, 0, 1, 1;
  Var y = gather_rows(emb, index);
  Array expected(2, 4);
  expected << 5, 6, 1, 2, 3, 4, 3, 4;
  BOOST_TEST(same(y.value(), expected));
  backward(sum(y));
  Array counts(3, 2);
  counts << 1, 1, 2, 2, 1, 1;  // row 1 is used twice
  BOOST_TEST(same(emb.grad(), counts));
  index(1, 1) = 3;
  BOOST_TEST(throws_with<IndexError>([&] { (void)gather_rows(emb, index); }, {"gather_rows", "index 3", "3 rows"}));
}

BOOST_AUTO_TEST_CASE(indexing_takes_elements_and_blocks_and_rejects_what_is_outside) {
  tape().clear();
  Parameter m(Array::Random(4, 3));
  Var e = m.var()(2, 1);
  Var b = block(m, 1, 1, 2, 2);
  Var r = rows(m, 3, 1);
  BOOST_TEST(e.item() == m.value()(2, 1));
  BOOST_TEST(same(b.value(), m.value().block(1, 1, 2, 2)));
  BOOST_TEST(same(r.value(), m.value().row(3)));
  backward(e + sum(b));
  BOOST_TEST(m.grad()(2, 1) == 2.0);
  BOOST_TEST(m.grad()(0, 0) == 0.0);
  BOOST_TEST(throws_with<IndexError>([&] { (void)m.var()(4, 0); }, {"element", "(4, 0)", "4x3"}));
  BOOST_TEST(throws_with<IndexError>([&] { (void)block(m, 3, 0, 2, 1); }, {"block", "4x3"}));
  BOOST_TEST(throws_with<ShapeError>([&] { (void)m.var()(1); }, {"4x3"}));
  BOOST_TEST(throws_with<ShapeError>([&] { (void)m.var().item(); }, {"item", "4x3"}));
}

BOOST_AUTO_TEST_CASE(gradcheck_reports_a_wrong_gradient_and_where_it_is) {
  Parameter p(Array::Random(2, 2), "W");
  auto good = gradcheck([&] { return sum(tanh(p) * p); }, {&p});
  BOOST_TEST(good.passed, good.summary());
  // detach hides part of the dependence, so the tape's gradient disagrees with finite differences.
  auto bad = gradcheck([&] { return sum(detach(p) * p); }, {&p});
  BOOST_TEST(!bad.passed);
  BOOST_TEST(bad.where.find("'W'") != std::string::npos);
  BOOST_TEST(bad.summary().find("FAILED") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(gradcheck_puts_values_and_gradients_back_when_f_throws) {
  Parameter p(Array::Random(2, 3), "W");
  const Array value = p.value();
  p.grad().setConstant(7.0);  // a gradient accumulated before the check
  // f throws on its n-th call: the first is the tape's gradient, the later ones the
  // finite differences, each with one element of p nudged.
  for (int fail_at : {1, 2, 3, 6}) {
    int calls = 0;
    auto f = [&] {
      if (++calls == fail_at) throw std::runtime_error("f failed");
      return sum(square(p));
    };
    BOOST_TEST(throws_with<std::runtime_error>([&] { (void)gradcheck(f, {&p}); }, {"f failed"}));
    BOOST_TEST((p.value() == value).all(), "call " << fail_at << " left p nudged");
    BOOST_TEST((p.grad() == 7.0).all(), "call " << fail_at << " lost p's gradient");
  }
}

BOOST_AUTO_TEST_CASE(where_takes_a_comparison_as_its_mask_and_broadcasts_all_three) {
  tape().clear();
  Parameter x(Array((Array(2, 3) << -1.0, 2.0, -3.0, 4.0, -5.0, 6.0).finished()));
  // A leaky relu written with where: x where x > 0, else 0.1 x.
  const Var y = where(x.value() > 0.0, x, 0.1 * x);
  BOOST_TEST(same(y.value(), (Array(2, 3) << -0.1, 2.0, -0.3, 4.0, -0.5, 6.0).finished()));
  backward(sum(y));
  BOOST_TEST(same(x.grad(), (Array(2, 3) << 0.1, 1.0, 0.1, 1.0, 0.1, 1.0).finished()));
  // A 1x3 mask and a 2x1 column against a scalar: a 2x3 result; each adjoint summed back.
  tape().clear();
  Parameter col(Array((Array(2, 1) << 1.0, 2.0).finished())), s(Array::Constant(1, 1, 9.0));
  const Mask mask = (Mask(1, 3) << true, false, true).finished();
  const Var z = where(mask, col, s);
  BOOST_TEST(same(z.value(), (Array(2, 3) << 1, 9, 1, 2, 9, 2).finished()));
  backward(sum(z));
  BOOST_TEST(same(col.grad(), Array::Constant(2, 1, 2.0)));
  BOOST_TEST(same(s.grad(), Array::Constant(1, 1, 2.0)));
}

BOOST_AUTO_TEST_CASE(reshape_keeps_column_major_order_and_stacks_take_any_number_of_parts) {
  tape().clear();
  const Var a(Array((Array(2, 3) << 1, 3, 5, 2, 4, 6).finished()));  // column-major: 1 2 3 4 5 6
  BOOST_TEST(same(reshape(a, 3, 2).value(), (Array(3, 2) << 1, 4, 2, 5, 3, 6).finished()));
  BOOST_TEST(same(reshape(a, 1, 6).value(), (Array(1, 6) << 1, 2, 3, 4, 5, 6).finished()));
  Parameter p(Array::Constant(2, 1, 1.0));
  const Var h = hstack({p, a, p});
  BOOST_TEST(h.rows() == 2);
  BOOST_TEST(h.cols() == 5);
  BOOST_TEST(same(h.value().col(4), Array::Constant(2, 1, 1.0)));
  BOOST_TEST(vstack({a, a, a}).rows() == 6);
  backward(sum(h * 3.0));
  BOOST_TEST(same(p.grad(), Array::Constant(2, 1, 6.0)));  // used twice
}

BOOST_AUTO_TEST_CASE(argmax_rowwise_gives_the_first_maximum_of_each_row) {
  tape().clear();
  const Var a(Array((Array(3, 3) << 1, 5, 5, -2, -1, -3, 0, 0, 0).finished()));
  const Eigen::Array<std::int64_t, Eigen::Dynamic, 1> arg = argmax_rowwise(a);
  BOOST_TEST(arg.size() == 3);
  BOOST_TEST(arg(0) == 1);
  BOOST_TEST(arg(1) == 1);
  BOOST_TEST(arg(2) == 0);
}

BOOST_AUTO_TEST_CASE(activations_with_parameters_work_on_expressions_and_take_pytorchs_defaults) {
  tape().clear();
  const Array data = (Array(1, 4) << -2.0, -0.5, 0.25, 3.0).finished();
  Parameter p(data);
  // On an expression (data among the operands) and on a Parameter alone: the same values.
  const Var e = clamp(expr(p) * 1.0, -1.0, 1.0);
  BOOST_TEST(same(e.value(), (Array(1, 4) << -1.0, -0.5, 0.25, 1.0).finished()));
  BOOST_TEST(same(Var(leaky_relu(p)).value(), (Array(1, 4) << -0.02, -0.005, 0.25, 3.0).finished()));
  BOOST_TEST(same(Var(elu(p)).value(), data.unaryExpr([](double x) { return x > 0 ? x : std::expm1(x); })));
  const Var loss = mse_loss(p, Var(Array::Zero(1, 4)));
  BOOST_TEST(loss.item() == (4.0 + 0.25 + 0.0625 + 9.0) / 4.0);
  BOOST_TEST(mse_loss(p, Var(Array::Zero(1, 4)), Reduction::sum).item() == 4.0 + 0.25 + 0.0625 + 9.0);
  const std::vector<std::int64_t> labels{3};
  BOOST_TEST(nll_loss(p, labels).item() == -3.0);
}
