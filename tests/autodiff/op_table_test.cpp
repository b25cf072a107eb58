// SPDX-License-Identifier: MIT
// Walks the op table (tests/support/op_table.hpp): for every op and sample shape, the value
// against a plain-loop reference, the tape gradient against central differences, repeatable
// backward, zero adjoints, gradient shapes and the errors of faulty calls. It also proves the
// table lists every declaration of autodiff/ops.hpp, so a new op needs a row.
#define BOOST_TEST_MODULE op_table
#include <boost/test/unit_test.hpp>

#include "op_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace {

using namespace autodiff;
using support::Domain;
using support::find_op;
using support::op_table;
using support::OpInfo;
using support::Shape;
using Shapes = std::vector<Shape>;


constexpr int kPointsPerSample = 3;

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(DESCENT_SOURCE_DIR) + "/" + relative);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << relative << " under the source tree");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string describe(const OpInfo& op, const Shapes& shapes) {
  std::string s = op.name + " on";
  for (Shape x : shapes) s += " " + support::to_string(x);
  return s;
}

// One sample of one op: its parameters at a random point of the domain, and the
// weights w of the loss sum(op(...) .* w), so that the upstream adjoint is not uniform.
struct Case {
  const OpInfo& op;
  std::vector<Parameter> params;
  Array weights;

  Case(const OpInfo& o, const Shapes& shapes, std::mt19937_64& rng) : op(o) {
    for (std::size_t k = 0; k < shapes.size(); ++k) {
      params.emplace_back(support::sample(op.domains[k], shapes[k], rng), fmt::format("arg{}", k));
    }
    const Array y = reference();
    weights = support::sample(Domain::real, {y.rows(), y.cols()}, rng);
  }

  std::vector<Array> values() const {
    std::vector<Array> v;
    for (const Parameter& p : params) v.push_back(p.value());
    return v;
  }
  Array reference() const { return op.reference(values()); }

  // Operand k is the Parameter when live[k], else a constant copy of its value.
  Var output(const std::vector<bool>& live) const {
    std::vector<Var> v;
    for (std::size_t k = 0; k < params.size(); ++k) {
      v.push_back(live[k] ? params[k].var() : Var(params[k].value()));
    }
    return op.apply(v);
  }
  Var output() const { return output(std::vector<bool>(params.size(), true)); }
  Var loss(const std::vector<bool>& live) const { return dot(output(live), Var(weights)); }
  Var loss() const { return loss(std::vector<bool>(params.size(), true)); }

  // The same weighted loss with the op's result as an expression (expr.hpp): the
  // weighting and the sum then record one node, one pass over the result.
  Var expression_loss() const {
    std::vector<Var> v;
    for (const Parameter& p : params) v.push_back(p.var());
    return sum(expr(op.apply(v)) * Var(weights));
  }

  ParameterList pointers(const std::vector<bool>& live) {
    ParameterList out;
    for (std::size_t k = 0; k < params.size(); ++k) {
      if (live[k]) out.push_back(&params[k]);
    }
    return out;
  }
  void zero_grads() {
    for (Parameter& p : params) p.zero_grad();
  }
  std::vector<Array> grads() const {
    std::vector<Array> g;
    for (const Parameter& p : params) g.push_back(p.grad());
    return g;
  }
};

// Calls check(c) for every op, sample and random point; `differentiable_only` skips detach.
template <class F>
void for_each_case(bool differentiable_only, F check) {
  std::uint64_t seed = 1;
  for (const OpInfo& op : op_table()) {
    if (differentiable_only && !op.differentiable) continue;
    for (const Shapes& shapes : op.samples) {
      for (int point = 0; point < kPointsPerSample; ++point) {
        std::mt19937_64 rng(seed++);
        BOOST_TEST_CONTEXT(describe(op, shapes) << ", point " << point) {
          tape().clear();
          Case c(op, shapes, rng);
          check(c);
        }
      }
    }
  }
  tape().clear();
}

bool close(double value, double reference) {
  return std::abs(value - reference) <= 1e-12 * std::max(1.0, std::abs(reference));
}

}  // namespace

BOOST_AUTO_TEST_CASE(table_rows_have_unique_names) {
  std::set<std::string> names;
  for (const OpInfo& op : op_table()) {
    BOOST_TEST(names.insert(op.name).second, "duplicate row " << op.name);
  }
}

BOOST_AUTO_TEST_CASE(every_declaration_of_ops_hpp_has_a_table_row) {
  // ops.hpp declares the ops, the element-wise ones in the two headers it includes.
  const std::string header = read_source("autodiff/ops.hpp") + read_source("autodiff/arithmetic.hpp") +
                             read_source("autodiff/elementwise.hpp");
  const std::vector<std::string> declared = support::parse_op_signatures(header);

  // A crude count the parser must agree with: lines that begin with "Var " or "auto ",
  // or with a template head followed by " auto ".
  std::size_t lines = 0;
  std::istringstream in(header);
  for (std::string line; std::getline(in, line);) {
    lines += line.rfind("Var ", 0) == 0 || line.rfind("auto ", 0) == 0 ||
             (line.rfind("template", 0) == 0 && line.find("> auto ") != std::string::npos);
  }
  BOOST_TEST(declared.size() == lines);
  BOOST_TEST(declared.size() >= 40u);  // the parser found the declarations at all

  std::set<std::string> in_table;
  for (const OpInfo& op : op_table()) {
    if (op.signature.rfind("Var::", 0) != 0) in_table.insert(op.signature);
  }
  const std::set<std::string> in_header(declared.begin(), declared.end());
  BOOST_TEST(in_header.size() == declared.size(), "ops.hpp declares a signature twice");
  for (const std::string& s : in_header) BOOST_TEST(in_table.count(s) == 1u, "ops.hpp declares " << s << " but the table has no row for it");
  for (const std::string& s : in_table) BOOST_TEST(in_header.count(s) == 1u, "the table has " << s << " but ops.hpp does not declare it");
}

BOOST_AUTO_TEST_CASE(signature_parser_drops_names_const_and_references) {
  const auto sigs = support::parse_op_signatures(
      "// Var commented(const Var& a);\n"
      "Var operator-(const Var& a, double b);\n"
      "Var f(const Var& t, const Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>& index);\n"
      "  Var g(std::span<const std::int64_t> labels);  // Var h(\n"
      "template <Operand A> auto e(const A& a) { return a; }\n");
  BOOST_TEST(sigs.size() == 4u);
  BOOST_TEST(sigs.at(0) == "operator-(Var,double)");
  BOOST_TEST(sigs.at(1) == "f(Var,Eigen::Array<std::int64_t,Eigen::Dynamic,Eigen::Dynamic>)");
  BOOST_TEST(sigs.at(2) == "g(std::span<std::int64_t>)");
  BOOST_TEST(sigs.at(3) == "e(Var)");
}

BOOST_AUTO_TEST_CASE(broadcasting_rows_sample_every_pairing_in_both_orders) {
  const Shapes scalar{{1, 1}}, row{{1, 2}}, column{{3, 1}}, matrix{{3, 2}};
  const std::vector<Shapes> pairings = {{{1, 1}, {3, 2}}, {{3, 2}, {1, 1}}, {{1, 2}, {3, 2}},
                                        {{3, 2}, {1, 2}}, {{3, 1}, {3, 2}}, {{3, 2}, {3, 1}},
                                        {{1, 2}, {3, 1}}, {{3, 1}, {1, 2}}, {{1, 1}, {1, 1}}};
  for (const char* name : {"a + b", "a - b", "a * b", "a / b"}) {
    const OpInfo& op = find_op(name);
    for (const Shapes& p : pairings) {
      BOOST_TEST(std::count(op.samples.begin(), op.samples.end(), p) == 1,
                 name << " lacks the sample " << support::to_string(p[0]) << " with " << support::to_string(p[1]));
    }
    BOOST_TEST(!op.errors.empty());
  }
  for (const OpInfo& op : op_table()) {
    for (const Shapes& s : op.samples) {
      BOOST_TEST(op.accepts(s), describe(op, s) << " is a sample its row does not accept");
    }
  }
}

BOOST_AUTO_TEST_CASE(values_match_plain_loop_references) {
  for_each_case(false, [](Case& c) {
    const Array expected = c.reference();
    const Var y = c.output();
    BOOST_REQUIRE_EQUAL(y.rows(), expected.rows());
    BOOST_REQUIRE_EQUAL(y.cols(), expected.cols());
    const auto got = y.value();
    for (Index k = 0; k < expected.size(); ++k) {
      BOOST_TEST(close(got(k), expected(k)), "element " << k << ": " << got(k) << " vs reference " << expected(k));
    }
  });
}

BOOST_AUTO_TEST_CASE(gradients_match_central_differences) {
  for_each_case(true, [](Case& c) {
    // All operands live, then each alone with the others as constants (no adjoint there).
    std::vector<std::vector<bool>> masks = {std::vector<bool>(c.params.size(), true)};
    if (c.params.size() == 2) masks.insert(masks.end(), {{true, false}, {false, true}});
    for (const auto& live : masks) {
      const GradcheckResult r = gradcheck([&] { return c.loss(live); }, c.pointers(live));
      BOOST_TEST(r.passed, (live.size() == 2 ? fmt::format("live {}{}: ", int(live[0]), int(live[1])) : "") << r.summary());
    }
  });
}

BOOST_AUTO_TEST_CASE(expression_evaluation_gives_the_values_and_gradients_of_eager_evaluation) {
  for_each_case(true, [](Case& c) {
    auto run = [&c](bool expression) {
      tape().clear();
      c.zero_grads();
      const Var loss = expression ? c.expression_loss() : c.loss();
      const double value = loss.item();
      backward(loss);
      return std::pair{value, c.grads()};
    };
    const auto [eager_value, eager_grads] = run(false);
    const auto [expression_value, expression_grads] = run(true);
    BOOST_TEST(close(expression_value, eager_value), "loss " << expression_value << " vs " << eager_value);
    for (std::size_t k = 0; k < eager_grads.size(); ++k) {
      for (Index e = 0; e < eager_grads[k].size(); ++e) {
        BOOST_TEST(close(expression_grads[k](e), eager_grads[k](e)),
                   "d/d arg" << k << " element " << e << ": " << expression_grads[k](e) << " vs " << eager_grads[k](e));
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(backward_after_recording_again_gives_identical_gradients) {
  for_each_case(true, [](Case& c) {
    backward(c.loss());
    const std::vector<Array> first = c.grads();
    c.zero_grads();
    tape().clear();
    backward(c.loss());
    const std::vector<Array> second = c.grads();
    for (std::size_t k = 0; k < first.size(); ++k) {
      BOOST_TEST((first[k] == second[k]).all(), "operand " << k << " differs on the second recording");
    }
  });
}

BOOST_AUTO_TEST_CASE(backward_twice_on_one_recording_accumulates_twice) {
  for_each_case(true, [](Case& c) {
    backward(c.loss());
    const std::vector<Array> once = c.grads();
    c.zero_grads();
    tape().clear();
    const Var loss = c.loss();
    backward(loss);
    backward(loss);
    const std::vector<Array> twice = c.grads();
    for (std::size_t k = 0; k < once.size(); ++k) {
      const double err = (twice[k] - 2.0 * once[k]).abs().maxCoeff();
      BOOST_TEST(err <= 1e-14 * std::max(1.0, once[k].abs().maxCoeff()), "operand " << k << " off by " << err);
    }
  });
}

BOOST_AUTO_TEST_CASE(zero_upstream_adjoint_gives_zero_gradients) {
  for_each_case(true, [](Case& c) {
    backward(sum(c.output() * 0.0));
    for (const Parameter& p : c.params) {
      BOOST_TEST((p.grad() == 0.0).all(), p.name() << " has gradient\n" << p.grad());
    }
  });
}

BOOST_AUTO_TEST_CASE(gradients_have_the_shapes_of_what_they_differentiate) {
  for_each_case(true, [](Case& c) {
    const Var y = c.output();
    backward(dot(y, Var(c.weights)));
    for (const Parameter& p : c.params) {
      BOOST_TEST(p.grad().rows() == p.rows());
      BOOST_TEST(p.grad().cols() == p.cols());
    }
    // The loss is sum(y .* w), so d loss / d y is w itself.
    const Array gy = y.grad();
    BOOST_REQUIRE(gy.rows() == c.weights.rows());
    BOOST_REQUIRE(gy.cols() == c.weights.cols());
    BOOST_TEST((gy == c.weights).all());
  });
}

BOOST_AUTO_TEST_CASE(ops_record_no_gradient_path_under_no_grad) {
  for_each_case(false, [](Case& c) {
    const Array expected = c.reference();
    NoGrad off;
    const Var y = c.output();
    BOOST_TEST(!y.requires_grad());
    for (Index k = 0; k < expected.size(); ++k) BOOST_TEST(close(y.value()(k), expected(k)));
  });
}

BOOST_AUTO_TEST_CASE(detach_stops_the_gradient) {
  tape().clear();
  Parameter p(Array::Constant(2, 3, 1.5));
  const Var d = detach(p * 2.0);
  BOOST_TEST(!d.requires_grad());
  BOOST_CHECK_THROW(backward(sum(d)), BackwardError);
  // In a loss that also uses p directly, only the direct use counts: d(sum(p .* detach(2p)))/dp = 2p.
  backward(sum(p * d));
  BOOST_TEST((p.grad() == 3.0).all());
  tape().clear();
}

BOOST_AUTO_TEST_CASE(error_inputs_throw_naming_the_op_and_the_operands) {
  std::mt19937_64 rng(99);
  std::size_t checked = 0;
  for (const OpInfo& op : op_table()) {
    for (const support::ErrorCase& e : op.errors) {
      BOOST_TEST_CONTEXT(op.name << ": " << e.what) {
        tape().clear();
        std::vector<Var> vars;
        for (std::size_t k = 0; k < e.shapes.size(); ++k) {
          vars.push_back(Var(support::sample(op.domains[k], e.shapes[k], rng)));
        }
        std::string message;
        try {
          (e.call ? e.call : op.apply)(vars);
        } catch (const autodiff::Error& error) {
          message = error.what();
        }
        BOOST_TEST(!message.empty(), "no autodiff::Error thrown");
        for (const std::string& w : e.words) {
          BOOST_TEST(message.find(w) != std::string::npos, "'" << w << "' not in: " << message);
        }
        ++checked;
      }
    }
  }
  BOOST_TEST(checked >= 40u);
  tape().clear();
}

// The loss may be a Parameter's own leaf: its seed adds to the accumulating gradient.
BOOST_AUTO_TEST_CASE(backward_on_a_parameter_itself_accumulates_into_its_gradient) {
  tape().clear();
  Parameter p(3.0);
  p.grad()(0, 0) = 5.0;
  backward(p.var());
  BOOST_TEST(p.grad()(0, 0) == 6.0);
  const Var leaf = p.var();
  backward(leaf);
  backward(leaf);
  BOOST_TEST(p.grad()(0, 0) == 8.0);
  tape().clear();
}
