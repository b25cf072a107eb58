// SPDX-License-Identifier: MIT
// Expressions (autodiff/expr.hpp): a chain of element-wise ops written as one
// expression records one node. Each case is checked three ways: it did record one
// node, its value and gradients equal op-by-op recording (DetectAnomaly records op
// by op), and its gradients pass gradcheck.
#define BOOST_TEST_MODULE expr
#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"
#include "throws_with.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

namespace {

using namespace autodiff;

// A tree over Vars a, b, c and data d (a Constant): with d among its operands
// each op builds an Expr (expr.hpp).
using Tree = std::function<Var(const Var&, const Var&, const Var&, const Constant&)>;

struct Case {
  std::string text;
  Tree f;
};

// Every rule appears in at least one tree, inside another op.
const std::vector<Case>& cases() {
  using V = const Var&;
  using D = const Constant&;
  static const std::vector<Case> all = {
      {"tanh(d * a + b) * c", [](V a, V b, V c, D d) { return tanh(d * a + b) * c; }},
      {"exp(d * 0.1 + a) - 2.0 / (d + b + 3.0)",
       [](V a, V b, V, D d) { return exp(d * 0.1 + a) - 2.0 / (d + b + 3.0); }},
      {"pow(abs(d + a) + 1.0, 1.5) * sqrt(square(d * b) + 1.0)",
       [](V a, V b, V, D d) { return pow(abs(d + a) + 1.0, 1.5) * sqrt(square(d * b) + 1.0); }},
      {"log(sigmoid(d + a) + 0.5) - relu(d * b - c)",
       [](V a, V b, V c, D d) { return log(sigmoid(d + a) + 0.5) - relu(d * b - c); }},
      {"-((d + a) / (square(d * b) + 1.0)) + (1.0 - d * c) * a",
       [](V a, V b, V c, D d) { return -((d + a) / (square(d * b) + 1.0)) + (1.0 - d * c) * a; }},
      {"(d + a) * a + a (one leaf three times)", [](V a, V, V, D d) { return (d + a) * a + a; }},
      {"pow(d + a, 0.0) * b + pow(d * c, 2.0)",
       [](V a, V b, V c, D d) { return pow(d + a, 0.0) * b + pow(d * c, 2.0); }},
      {"(d - a) / 4.0 * b - c", [](V a, V b, V c, D d) { return (d - a) / 4.0 * b - c; }},
      {"sum(square(d - (a + d * b) * c))",
       [](V a, V b, V c, D d) { return sum(square(d - (a + d * b) * c)); }},
      {"mean(tanh(d * a) * b - c)", [](V a, V b, V c, D d) { return mean(tanh(d * a) * b - c); }},
  };
  return all;
}

using Shape = std::pair<Index, Index>;
// Shapes of a, b, c and d: all 1x1 (scalar code), all one shape, and 1x1 operands
// broadcast among full ones.
const std::vector<std::vector<Shape>> kShapes = {{{1, 1}, {1, 1}, {1, 1}, {1, 1}},
                                                 {{3, 2}, {3, 2}, {3, 2}, {3, 2}},
                                                 {{3, 2}, {1, 1}, {3, 2}, {3, 2}},
                                                 {{1, 1}, {4, 3}, {1, 1}, {1, 1}}};
// Arrays of several chunks (expr.hpp runs trees 1,024 elements at a time) and a
// last, shorter one: with full leaves, and with only 1x1 leaves taking gradients
// over data (the job-duration loss's case). A tree's first four leaves, when 1x1, are
// constants in its loops and later ones are read from a filled chunk: the seven-leaf
// case "-((d + a) / ...) + (1.0 - d * c) * a" has 1x1 leaves on both sides of the fourth.
const std::vector<std::vector<Shape>> kLongShapes = {{{1500, 2}, {1, 1}, {1500, 2}, {1500, 2}},
                                                     {{1, 1}, {1, 1}, {1, 1}, {1500, 2}}};

struct Params {
  std::vector<Parameter> p;
  Constant d;
  Params(const std::vector<Shape>& shapes, unsigned seed)
      : d((std::srand(seed), Array(Array::Random(shapes[3].first, shapes[3].second)))) {
    for (std::size_t k = 0; k < 3; ++k) p.emplace_back(Array(Array::Random(shapes[k].first, shapes[k].second)));
  }
  ParameterList pointers() { return {&p[0], &p[1], &p[2]}; }
};

// Where the tape stands: its nodes, and its ScalarEntries (1x1 ops on 1x1 Vars).
struct Mark {
  std::size_t nodes = tape().size(), scalars = tape().scalar_size();
};

// The ops recorded since `first` that pass a gradient on: nodes with a reverse rule (not
// leaves), and ScalarEntries that take a gradient.
std::size_t ops_since(const Mark& first) {
  std::size_t ops = 0;
  for (std::size_t j = first.scalars; j < tape().scalar_size(); ++j) {
    ops += tape().needs_grad(tape().scalar(std::int32_t(j)));
  }
  for (std::size_t k = first.nodes; k < tape().size(); ++k) ops += tape().node(std::int32_t(k)).backward != nullptr;
  return ops;
}

// The loss: the tree's result weighted element by element, so that every element's
// gradient differs. Returns the loss, how many ops the tree itself recorded and
// whether its result is 1x1 (then every leaf it uses is, as broadcasting never shrinks).
std::tuple<Var, std::size_t, bool> record(const Tree& f, Params& ps) {
  const Var a = ps.p[0], b = ps.p[1], c = ps.p[2];
  const Mark before;
  const Var z = f(a, b, c, ps.d);
  const std::size_t ops = ops_since(before);
  if (z.is_scalar()) return {z, ops, true};
  const Array w = Eigen::ArrayXd::LinSpaced(z.size(), 0.5, 1.5).reshaped(z.rows(), z.cols());
  return {sum(z * Var(w)), ops, false};
}

struct Result {
  double loss;
  std::vector<Array> grads;
  std::size_t ops;
  bool scalar;
};

Result run(const Tree& f, Params& ps) {
  tape().clear();
  for (Parameter& p : ps.p) p.zero_grad();
  const auto [loss, ops, scalar] = record(f, ps);
  backward(loss);
  return {loss.item(), {ps.p[0].grad(), ps.p[1].grad(), ps.p[2].grad()}, ops, scalar};
}

bool close(const Array& a, const Array& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && ((a - b).abs() <= 1e-12 * b.abs().max(1.0)).all();
}

}  // namespace

// Trees of 1x1 leaves record op by op (scalar code), but for a sum or mean of one.
BOOST_AUTO_TEST_CASE(each_tree_records_one_node_and_matches_op_by_op_recording) {
  unsigned seed = 1;
  std::vector<std::vector<Shape>> all_shapes = kShapes;
  all_shapes.insert(all_shapes.end(), kLongShapes.begin(), kLongShapes.end());
  for (const Case& c : cases()) {
    for (const std::vector<Shape>& shapes : all_shapes) {
      BOOST_TEST_CONTEXT(c.text << " at shapes " << shapes[0].first << "x" << shapes[0].second << ", "
                                << shapes[1].first << "x" << shapes[1].second << ", " << shapes[2].first
                                << "x" << shapes[2].second << ", d " << shapes[3].first << "x"
                                << shapes[3].second) {
        Params ps(shapes, seed++);
        const Result fused = run(c.f, ps);
        Result op_by_op;
        {
          const DetectAnomaly anomaly;  // records every op as its own node
          op_by_op = run(c.f, ps);
        }
        const bool reduced = c.text.rfind("sum(", 0) == 0 || c.text.rfind("mean(", 0) == 0;
        BOOST_TEST(fused.ops == (fused.scalar && !reduced ? op_by_op.ops : 1u));
        BOOST_TEST(op_by_op.ops > 1u);
        BOOST_TEST(std::abs(fused.loss - op_by_op.loss) <= 1e-12 * std::max(1.0, std::abs(op_by_op.loss)));
        for (std::size_t k = 0; k < 3; ++k) {
          BOOST_TEST(close(fused.grads[k], op_by_op.grads[k]),
                     "d/d" << "abc"[k] << ": " << fused.grads[k].transpose() << " vs "
                           << op_by_op.grads[k].transpose());
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(each_tree_passes_gradcheck) {
  unsigned seed = 100;
  for (const Case& c : cases()) {
    for (const std::vector<Shape>& shapes : kShapes) {
      Params ps(shapes, seed++);
      const GradcheckResult r = gradcheck([&] { return std::get<0>(record(c.f, ps)); }, ps.pointers());
      BOOST_TEST(r.passed, c.text << ": " << r.summary());
    }
  }
}

BOOST_AUTO_TEST_CASE(the_job_duration_loss_is_one_node_with_the_hand_derived_gradient) {
  std::srand(7);
  const Array xv = Array::Random(776, 1), yv = 0.3 + 0.7 * xv;
  const Constant x(xv), y(yv);
  Parameter t0(-0.2), t1(1.3);
  tape().clear();
  const Var v0 = t0, v1 = t1;
  const std::size_t before = tape().size();
  const Var loss = sum(square(y - (v0 + v1 * x)));
  BOOST_TEST(tape().size() - before == 3u);  // the two Constants' leaves, then the loss
  backward(loss);
  // dL/dt0 = -2 sum r, dL/dt1 = -2 sum r x, with r = y - (t0 + t1 x)
  const Array r = yv - (-0.2 + 1.3 * xv);
  BOOST_TEST(std::abs(loss.item() - r.square().sum()) <= 1e-12 * r.square().sum());
  BOOST_TEST(std::abs(t0.grad()(0) - -2.0 * r.sum()) <= 1e-10);
  BOOST_TEST(std::abs(t1.grad()(0) - -2.0 * (r * xv).sum()) <= 1e-10);
}

BOOST_AUTO_TEST_CASE(ops_on_vars_alone_record_at_once) {
  tape().clear();
  const Var a(2.0), b(3.0);
  const Mark before;
  const Var z = a * b + 1.0;  // two Vars: two ops (1x1: ScalarEntries), as before there were expressions
  BOOST_TEST(tape().size() + tape().scalar_size() == before.nodes + before.scalars + 2);
  BOOST_TEST(z.item() == 7.0);
}

BOOST_AUTO_TEST_CASE(an_expression_records_nothing_until_it_becomes_a_var_and_then_once) {
  tape().clear();
  const Constant d(Array::Constant(2, 2, 2.0));
  const Parameter pb(3.0), pc(0.5);
  const Var b = pb, c = pc;
  const Mark before;
  const auto e = d * b + c;  // a Constant operand makes every op an Expr
  BOOST_TEST(tape().size() == before.nodes + 1);  // d's leaf only
  BOOST_TEST(ops_since(before) == 0u);
  const Var z = e;
  BOOST_TEST(ops_since(before) == 1u);
  BOOST_TEST((Array(z.value()) == 6.5).all());
  // Used again, alone or inside another expression, it is the Var it was recorded as.
  const Var z2 = e;
  BOOST_TEST(ops_since(before) == 1u);
  BOOST_TEST(z2.value().data() == z.value().data());
  const Var z3 = e * 2.0;
  BOOST_TEST(ops_since(before) == 2u);
  BOOST_TEST((Array(z3.value()) == 13.0).all());
}

// expr(v) gives a chain of Vars the path of data: the job-duration loss over Vars is
// one node, with the gradients of op-by-op recording.
BOOST_AUTO_TEST_CASE(expr_of_a_var_makes_a_chain_of_vars_one_node) {
  std::srand(11);
  const Array xv = Array::Random(3000, 1), yv = 0.3 + 0.7 * xv;
  Parameter t0(-0.2), t1(1.3);
  auto run = [&](bool as_expression) {
    tape().clear();
    t0.zero_grad();
    t1.zero_grad();
    const Var x(xv), y(yv), a = t0, b = t1;
    const Mark before;
    const Var loss = as_expression ? sum(square(y - (a + b * expr(x)))) : sum(square(y - (a + b * x)));
    const std::size_t ops = ops_since(before);
    backward(loss);
    return std::tuple{ops, loss.item(), t0.grad()(0), t1.grad()(0)};
  };
  const auto [ops, loss, g0, g1] = run(true);
  const auto [eager_ops, eager_loss, eager_g0, eager_g1] = run(false);
  BOOST_TEST(ops == 1u);
  BOOST_TEST(eager_ops == 5u);
  BOOST_TEST(std::abs(loss - eager_loss) <= 1e-12 * eager_loss);
  BOOST_TEST(std::abs(g0 - eager_g0) <= 1e-10);
  BOOST_TEST(std::abs(g1 - eager_g1) <= 1e-10);
}

BOOST_AUTO_TEST_CASE(a_row_broadcast_is_recorded_op_by_op_with_the_same_gradients) {
  std::srand(3);
  const Constant d(Array(Array::Random(4, 3)));
  Parameter m(Array(Array::Random(4, 3))), row(Array(Array::Random(1, 3)));
  auto f = [&](const Var& a, const Var& b) { return tanh(d * a + b) * 2.0; };
  tape().clear();
  const Var va = m, vb = row;
  const Mark before;
  const Var z = f(va, vb);
  BOOST_TEST(ops_since(before) == 4u);  // * + tanh *: the row does not fit one node
  BOOST_TEST(z.rows() == 4);
  const GradcheckResult r = gradcheck([&] { return sum(f(m, row)); }, {&m, &row});
  BOOST_TEST(r.passed, r.summary());
}

BOOST_AUTO_TEST_CASE(an_expression_kept_past_clear_is_rejected_as_stale) {
  tape().clear();
  const Constant d(Array::Constant(1, 1, 2.0));
  const Var a(3.0);
  const auto e = tanh(d * a);
  tape().clear();
  BOOST_TEST(support::throws_with<StaleVarError>([&] { (void)Var(e); }, {"operator*", "cleared"}));
}

BOOST_AUTO_TEST_CASE(operands_are_checked_when_the_op_is_written) {
  tape().clear();
  const Var stale(1.0);
  tape().clear();
  const Constant d(Array::Ones(3, 2));
  const Var b = Var(Array(Array::Ones(4, 2)));
  BOOST_TEST(support::throws_with<StaleVarError>([&] { (void)tanh(d * stale); }, {"operator*", "stale"}));
  BOOST_TEST(support::throws_with<ShapeError>([&] { (void)exp(d * 2.0 + b); }, {"operator+", "3x2", "4x2"}));
}

BOOST_AUTO_TEST_CASE(under_nograd_an_expression_records_one_node_without_a_gradient_path) {
  Parameter p(Array(Array::Constant(3, 2, 0.5)));
  const Constant d(Array::Constant(3, 2, 2.0));
  tape().clear();
  const NoGrad no_grad;
  const Var v = p;
  const std::size_t before = tape().size();
  const Var z = tanh(d * v + 1.0);
  BOOST_TEST(tape().size() == before + 2);  // d's leaf and the expression
  BOOST_TEST(!z.requires_grad());
  BOOST_TEST(std::abs(z.value()(0, 0) - std::tanh(2.0)) <= 1e-15);
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_op_inside_an_expression_that_made_a_nan) {
  tape().clear();
  const DetectAnomaly anomaly;
  const Constant d(Array::Constant(1, 1, 1.0));
  BOOST_TEST(support::throws_with<NonFiniteError>([&] { (void)(log(d - 1.0) * 2.0); }, {"log", "infinity"}));
}
