// SPDX-License-Identifier: MIT
// Random expression graphs: a seeded generator composes ops of the op table (depth up to
// 8, broadcasting shapes, shared subexpressions, 1-3 Parameters; ops bound to a geometry or
// three operands get operands carried to a sample shape by matmul) and checks the tape
// gradient against central differences. Run more with: random_graph_test -- --graphs N --seed S
// (and --graph G to rerun graph G alone); a failure prints the seed, index and graph.
#define BOOST_TEST_MODULE random_graph
#include <boost/test/unit_test.hpp>

#include "op_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace {

using namespace autodiff;
using support::Domain;
using support::OpInfo;
using support::Shape;

constexpr int kMaxDepth = 8;

struct GraphNode {
  std::string label;                             // "e3", "p0[3x2]", "c1[1x4]"
  std::string text;                              // what computes it: "tanh((e1 + p0[3x2]))"
  std::string op;                                // the op table's row name; empty for leaves and glue
  std::vector<int> args;                         // earlier nodes
  std::function<Var(const std::vector<Var>&)> fn;  // empty for leaves
  int param = -1, constant = -1;
  Shape shape;
  int depth = 0;
  bool operand = true;  // false once replaced by a scaled copy
  bool live = false;    // depends on a Parameter: the gradient reaches it
};

// A graph is a program: nodes in evaluation order, then loss = sum over sinks of dot(node, w).
struct Graph {
  std::vector<Array> params;     // values of the Parameters at the point checked
  std::vector<Array> constants;
  std::vector<GraphNode> nodes;
  std::vector<std::pair<int, Array>> sinks;

  std::vector<Var> evaluate(const std::vector<Parameter>& p, std::size_t count) const {
    std::vector<Var> v;
    for (std::size_t k = 0; k < count; ++k) {
      const GraphNode& n = nodes[k];
      if (n.param >= 0) {
        v.push_back(p[std::size_t(n.param)].var());
      } else if (n.constant >= 0) {
        v.push_back(Var(constants[std::size_t(n.constant)]));
      } else {
        std::vector<Var> in;
        for (int a : n.args) in.push_back(v[std::size_t(a)]);
        v.push_back(n.fn(in));
      }
    }
    return v;
  }

  // sum over sinks of dot(sink, weights); `expression` writes each dot as the sum
  // of an expression (expr.hpp), one node over the sink and its weights.
  Var loss(const std::vector<Parameter>& p, bool expression = false) const {
    const std::vector<Var> v = evaluate(p, nodes.size());
    Var total;
    for (const auto& [k, w] : sinks) {
      const Var term = expression ? sum(expr(v[std::size_t(k)]) * w) : dot(v[std::size_t(k)], Var(w));
      total = sinks.front().first == k ? term : total + term;
    }
    return total;
  }

  std::string print() const {
    std::string s;
    for (const GraphNode& n : nodes) {
      if (!n.fn) continue;
      s += fmt::format("  {} = {}   [{}]\n", n.label, n.text, support::to_string(n.shape));
    }
    s += "  loss = ";
    for (const auto& [k, w] : sinks) {
      s += fmt::format("{}dot({}, w[{}x{}])", k == sinks.front().first ? "" : " + ",
                       nodes[std::size_t(k)].label, w.rows(), w.cols());
    }
    return s + "\n";
  }

  int depth() const {
    int d = 0;
    for (const GraphNode& n : nodes) d = std::max(d, n.depth);
    return d;
  }
};

class Generator {
 public:
  Generator(std::uint64_t seed, int graph) : rng_(engine(seed, graph)) {}

  Graph build() {
    const int n_params = pick(1, 3);
    for (int k = 0; k < n_params; ++k) {
      const Shape s = random_shape();
      g_.params.push_back(support::sample(Domain::real, s, rng_));
      add_leaf(fmt::format("p{}[{}]", k, support::to_string(s)), s, k, -1);
    }
    const int n_constants = pick(0, 2);
    for (int k = 0; k < n_constants; ++k) constant(random_shape());
    const int steps = pick(1, 16);
    for (int step = 0; step < steps; ++step) add_random_op();

    std::vector<int> uses(g_.nodes.size(), 0);
    for (const GraphNode& n : g_.nodes) {
      for (int a : n.args) ++uses[std::size_t(a)];
    }
    for (std::size_t k = 0; k < g_.nodes.size(); ++k) {
      const GraphNode& n = g_.nodes[k];
      if (uses[k] == 0 && n.constant < 0) {
        g_.sinks.emplace_back(int(k), support::sample(Domain::real, n.shape, rng_));
      }
    }
    tape().clear();
    return std::move(g_);
  }

 private:
  static std::mt19937_64 engine(std::uint64_t seed, int graph) {
    std::seed_seq s{seed, std::uint64_t(graph)};
    return std::mt19937_64(s);
  }
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  // Scalars, rows, columns and matrices, each often.
  Shape random_shape() {
    const int kind = pick(0, 3);
    return {kind == 1 || kind == 3 ? pick(2, 4) : 1, kind == 2 || kind == 3 ? pick(2, 4) : 1};
  }

  int add_leaf(std::string label, Shape s, int param, int constant) {
    GraphNode n;
    n.label = std::move(label);
    n.shape = s;
    n.param = param;
    n.constant = constant;
    n.live = param >= 0;
    g_.nodes.push_back(std::move(n));
    values_.push_back(value_of(g_.nodes.size() - 1));
    return int(g_.nodes.size() - 1);
  }

  // The value of node k at the graph's point, computed on the tape kept during building.
  Array value_of(std::size_t k) {
    tape().clear();
    params_.clear();
    for (const Array& a : g_.params) params_.emplace_back(a);
    return g_.evaluate(params_, k + 1).back().value();
  }

  int add(std::string text, std::vector<int> args, std::function<Var(const std::vector<Var>&)> fn) {
    GraphNode n;
    n.label = fmt::format("e{}", g_.nodes.size());
    n.text = std::move(text);
    for (int a : args) {
      n.depth = std::max(n.depth, g_.nodes[std::size_t(a)].depth + 1);
      n.live = n.live || g_.nodes[std::size_t(a)].live;
    }
    n.args = std::move(args);
    n.fn = std::move(fn);
    g_.nodes.push_back(std::move(n));
    const Array v = value_of(g_.nodes.size() - 1);
    g_.nodes.back().shape = {v.rows(), v.cols()};
    values_.push_back(v);
    return int(g_.nodes.size() - 1);
  }

  // Makes node k a valid operand for the domain: exp(tanh(x)) lies in (0.36, 2.8) for any x;
  // a kink's input is shifted off 0 at this point by more than any finite-difference step.
  int into_domain(int k, Domain d) {
    const std::string& l = g_.nodes[std::size_t(k)].label;
    if (d == Domain::positive || d == Domain::nonzero) {
      return add(fmt::format("exp(tanh({}))", l), {k}, [](const std::vector<Var>& v) { return exp(tanh(v[0])); });
    }
    if (d == Domain::off_kink) {
      const Array& x = values_[std::size_t(k)];
      for (double shift : {0.0, 0.1, -0.1, 0.2, -0.2, 0.3, -0.3, 0.45, -0.45, 0.6, -0.6, 0.8}) {
        if ((x + shift).abs().minCoeff() >= 0.02) {
          if (shift == 0.0) return k;
          return add(fmt::format("({} + {})", l, shift), {k}, [shift](const std::vector<Var>& v) { return v[0] + shift; });
        }
      }
    }
    return k;
  }

  // Keeps magnitudes in a safe range for exp and friends: a constant factor when |y| > 4.
  // The largest magnitude becomes 2 less a little per node, so that two tamed nodes never
  // tie exactly: a tie is a kink of maximum, minimum and l1_loss between them.
  int tame(int k) {
    const double m = values_[std::size_t(k)].abs().maxCoeff();
    if (m <= 4.0) return k;
    const double c = (2.0 - 0.001 * double(k % 500)) / m;
    g_.nodes[std::size_t(k)].operand = false;
    return add(fmt::format("({} * {:.4g})", g_.nodes[std::size_t(k)].label, c), {k},
               [c](const std::vector<Var>& v) { return v[0] * c; });
  }

  void add_random_op() {
    const auto& table = support::op_table();
    for (int attempt = 0; attempt < 50; ++attempt) {
      const OpInfo& op = table[std::size_t(pick(0, int(table.size()) - 1))];
      if (!op.differentiable) continue;
      // Operand tuples whose shapes the op accepts and that stay within the depth limit.
      std::vector<std::vector<int>> candidates;
      const int n = int(g_.nodes.size());
      for (int i = 0; i < n; ++i) {
        if (op.arity() == 1) {
          candidates.push_back({i});
          continue;
        }
        for (int j = 0; j < n; ++j) candidates.push_back({i, j});
      }
      std::erase_if(candidates, [&](const std::vector<int>& c) {
        std::vector<Shape> shapes;
        int depth = 0;
        for (int a : c) {
          shapes.push_back(g_.nodes[std::size_t(a)].shape);
          depth = std::max(depth, g_.nodes[std::size_t(a)].depth);
        }
        const bool hidden = std::any_of(c.begin(), c.end(), [&](int a) { return !g_.nodes[std::size_t(a)].operand; });
        return hidden || depth >= kMaxDepth || !op.accepts(shapes);
      });
      // Half the time extend the newest node, so that chains grow deep.
      if (pick(0, 1) == 0) {
        std::vector<std::vector<int>> chained;
        for (const auto& c : candidates) {
          if (std::find(c.begin(), c.end(), n - 1) != c.end()) chained.push_back(c);
        }
        if (!chained.empty()) candidates = std::move(chained);
      }
      std::vector<int> args = candidates.empty() ? fitted_operands(op)
                                                 : candidates[std::size_t(pick(0, int(candidates.size()) - 1))];
      if (args.empty()) continue;
      std::string text = op.display;
      for (std::size_t k = 0; k < args.size(); ++k) {
        args[k] = into_domain(args[k], op.domains[k]);
        const std::string placeholder = fmt::format("{{{}}}", k);
        text.replace(text.find(placeholder), placeholder.size(), g_.nodes[std::size_t(args[k])].label);
      }
      const int k = add(text, args, op.apply);
      g_.nodes[std::size_t(k)].op = op.name;
      tame(k);
      return;
    }
  }

  // Operands for an op that no tuple of existing nodes fits (three operands, or widths
  // bound to a geometry, as conv2d, the pools and layer_norm): one of the op's sample
  // shape tuples, each operand an existing node carried to its shape by matmul with
  // constants, so that the gradient still flows through the rest of the graph.
  std::vector<int> fitted_operands(const OpInfo& op) {
    if (op.samples.empty()) return {};
    std::vector<int> sources, live;
    for (int i = 0; i < int(g_.nodes.size()); ++i) {
      const GraphNode& n = g_.nodes[std::size_t(i)];
      if (n.operand && n.depth < kMaxDepth - 2) {
        sources.push_back(i);
        if (n.live) live.push_back(i);
      }
    }
    if (sources.empty()) return {};
    const std::vector<Shape>& shapes = op.samples[std::size_t(pick(0, int(op.samples.size()) - 1))];
    std::vector<int> args;
    for (const Shape& s : shapes) {
      // The first operand depends on a Parameter whenever one can, so the op is on a gradient path.
      const std::vector<int>& from = args.empty() && !live.empty() ? live : sources;
      args.push_back(fit(from[std::size_t(pick(0, int(from.size()) - 1))], s));
    }
    return args;
  }

  // Node k carried to shape s: C1 * k * C2 with constants of matching sizes (either
  // factor left out when the rows or columns already match), entries of order 1/sqrt(n)
  // so that magnitudes stay of order one.
  int fit(int k, Shape s) {
    const Shape from = g_.nodes[std::size_t(k)].shape;
    if (from.cols != s.cols) k = multiply(k, constant({from.cols, s.cols}, from.cols), false);
    if (from.rows != s.rows) k = multiply(k, constant({s.rows, from.rows}, from.rows), true);
    return k;
  }

  // A constant leaf of shape s, its entries sampled in (-2, 2) / sqrt(inner).
  int constant(Shape s, Index inner = 1) {
    g_.constants.push_back(support::sample(Domain::real, s, rng_) / std::sqrt(double(inner)));
    const int c = int(g_.constants.size()) - 1;
    return add_leaf(fmt::format("c{}[{}]", c, support::to_string(s)), s, -1, c);
  }

  int multiply(int k, int c, bool constant_first) {
    const int left = constant_first ? c : k, right = constant_first ? k : c;
    return add(fmt::format("matmul({}, {})", g_.nodes[std::size_t(left)].label, g_.nodes[std::size_t(right)].label),
               {left, right}, [](const std::vector<Var>& v) { return matmul(v[0], v[1]); });
  }

  std::mt19937_64 rng_;
  Graph g_;
  std::vector<Array> values_;
  std::vector<Parameter> params_;
};

struct Options {
  int graphs = 5000;
  std::uint64_t seed = 20240601;
  std::optional<int> only;
};

// Reads --graphs N, --seed S and --graph G given after Boost's "--" separator.
Options options() {
  Options o;
  const auto& suite = boost::unit_test::framework::master_test_suite();
  for (int k = 1; k + 1 < suite.argc; k += 2) {
    const std::string flag = suite.argv[k];
    const char* value = suite.argv[k + 1];
    if (flag == "--graphs") {
      o.graphs = std::atoi(value);
    } else if (flag == "--seed") {
      o.seed = std::strtoull(value, nullptr, 10);
    } else if (flag == "--graph") {
      o.only = std::atoi(value);
    } else {
      BOOST_FAIL("unknown option " << flag << "; use --graphs N --seed S --graph G");
    }
  }
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_graphs_have_tape_gradients_matching_central_differences) {
  const Options o = options();
  int failures = 0;
  int first = o.only.value_or(0);
  int last = o.only ? *o.only + 1 : o.graphs;
  for (int g = first; g < last && failures < 5; ++g) {
    const Graph graph = Generator(o.seed, g).build();
    std::vector<Parameter> params;
    for (std::size_t k = 0; k < graph.params.size(); ++k) params.emplace_back(graph.params[k], fmt::format("p{}", k));
    ParameterList pointers;
    for (Parameter& p : params) pointers.push_back(&p);
    const GradcheckResult r = gradcheck([&] { return graph.loss(params); }, pointers);
    if (!r.passed) ++failures;
    if (o.only) BOOST_TEST_MESSAGE("graph " << g << " of seed " << o.seed << ":\n" << graph.print() << r.summary());
    BOOST_TEST(r.passed, "graph " << g << " of seed " << o.seed << " (rerun: random_graph_test -- --seed "
                                  << o.seed << " --graph " << g << ")\n"
                                  << graph.print() << r.summary());
  }
  BOOST_TEST_MESSAGE("checked " << (last - first) << " graphs of seed " << o.seed);
}

// Every sink reduced as the sum of an expression over it and its weights.
BOOST_AUTO_TEST_CASE(random_graphs_reduced_through_expressions_have_tape_gradients_matching_central_differences) {
  const Options o = options();
  const int last = std::min(o.graphs, 1500);
  int failures = 0;
  for (int g = 0; g < last && failures < 5; ++g) {
    const Graph graph = Generator(o.seed + 1, g).build();
    std::vector<Parameter> params;
    for (std::size_t k = 0; k < graph.params.size(); ++k) params.emplace_back(graph.params[k], fmt::format("p{}", k));
    ParameterList pointers;
    for (Parameter& p : params) pointers.push_back(&p);
    const GradcheckResult r = gradcheck([&] { return graph.loss(params, true); }, pointers);
    if (!r.passed) ++failures;
    BOOST_TEST(r.passed, "expression graph " << g << " of seed " << o.seed + 1 << "\n" << graph.print() << r.summary());
  }
}

BOOST_AUTO_TEST_CASE(generator_is_deterministic_for_a_seed_and_index) {
  for (int g = 0; g < 20; ++g) {
    const Graph a = Generator(5, g).build();
    const Graph b = Generator(5, g).build();
    BOOST_TEST(a.print() == b.print());
    BOOST_TEST(a.params.size() == b.params.size());
    for (std::size_t k = 0; k < a.params.size() && k < b.params.size(); ++k) {
      BOOST_TEST((a.params[k] == b.params[k]).all());
    }
  }
  BOOST_TEST(Generator(5, 0).build().print() != Generator(6, 0).build().print());
}

BOOST_AUTO_TEST_CASE(generated_graphs_share_subexpressions_broadcast_and_respect_the_depth_limit) {
  int shared = 0, broadcast = 0, deep = 0;
  for (int g = 0; g < 300; ++g) {
    const Graph graph = Generator(11, g).build();
    BOOST_TEST(graph.depth() <= kMaxDepth + 3);  // + domain transforms and scaling
    BOOST_TEST(graph.params.size() >= 1u);
    BOOST_TEST(graph.params.size() <= 3u);
    std::vector<int> uses(graph.nodes.size(), 0);
    for (const GraphNode& n : graph.nodes) {
      for (int a : n.args) ++uses[std::size_t(a)];
      if (n.args.size() == 2 && !(graph.nodes[std::size_t(n.args[0])].shape == graph.nodes[std::size_t(n.args[1])].shape) &&
          n.text.find("matmul") == std::string::npos) {
        ++broadcast;
      }
    }
    shared += std::any_of(uses.begin(), uses.end(), [](int u) { return u >= 2; });
    deep += graph.depth() >= 6;
  }
  BOOST_TEST(shared >= 30);
  BOOST_TEST(broadcast >= 30);
  BOOST_TEST(deep >= 10);
}

// Every differentiable row of the op table, including the three-operand and geometry-bound
// ones (conv2d, the pools, layer_norm), is drawn among the default seed's graphs, on a
// path from a Parameter (so that the gradient check goes through it) in at least 10 of them.
BOOST_AUTO_TEST_CASE(every_differentiable_op_of_the_table_is_on_a_gradient_path_in_the_default_graphs) {
  const Options o = options();
  std::map<std::string, int> graphs_with;
  for (int g = 0; g < o.graphs; ++g) {
    std::set<std::string> ops;
    for (const GraphNode& n : Generator(o.seed, g).build().nodes) {
      if (n.live) ops.insert(n.op);
    }
    for (const std::string& op : ops) ++graphs_with[op];
  }
  std::pair<int, std::string> rarest{o.graphs + 1, ""};
  for (const OpInfo& op : support::op_table()) {
    if (op.differentiable) {
      rarest = std::min(rarest, std::pair{graphs_with[op.name], op.name});
      BOOST_TEST(graphs_with[op.name] >= 10, op.name << " is on a gradient path in " << graphs_with[op.name]
                                                      << " graphs of seed " << o.seed);
    }
  }
  BOOST_TEST_MESSAGE("the rarest op on a gradient path, " << rarest.second << ", is in " << rarest.first << " graphs");
}
