// SPDX-License-Identifier: MIT
// The op table (in the manner of PyTorch's OpInfo): one row per differentiable op of
// autodiff/ops.hpp with its sample shapes, input domain, a plain-loop reference for its
// value and the faulty calls that must throw. The gradient tests walk it generically.
#pragma once

#include "autodiff/autodiff.hpp"

#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace support {

using autodiff::Array;
using autodiff::Index;
using autodiff::Var;

struct Shape {
  Index rows = 1;
  Index cols = 1;
  bool operator==(const Shape&) const = default;
};
std::string to_string(Shape s);  // "3x2"

// Where an operand may be sampled so that the op is smooth around it.
enum class Domain {
  real,      // anything; sampled in (-2, 2)
  positive,  // log, sqrt, pow with a non-integer exponent; sampled in (0.2, 3)
  nonzero,   // divisors, negative exponents; sampled in ±(0.3, 2)
  off_kink,  // relu, abs: away from 0 by more than the finite-difference step; ±(0.05, 2)
};

// A call that must throw: which operand shapes, and the words its message must hold.
struct ErrorCase {
  std::string what;                // "3x2 + 4x2"
  std::vector<Shape> shapes;       // shapes of the operands
  std::vector<std::string> words;  // each must appear in what() of the exception
  // The faulty call; when empty, the row's apply on operands of these shapes.
  std::function<Var(const std::vector<Var>&)> call;
};

struct OpInfo {
  std::string name;       // unique row name: "pow(a, 2.5)"
  std::string signature;  // the declaration without parameter names, const, & and
                          // spaces: "pow(Var,double)"; members start with "Var::"
  std::string display;    // fmt pattern over the operands, for graph dumps: "pow({0}, 2.5)"
  std::vector<Domain> domains;  // one per Var operand
  bool differentiable = true;   // false for detach: no gradient path by design
  bool elementwise = false;     // one operand, y_ij = f(a_ij): reference works at any value
  std::function<Var(const std::vector<Var>&)> apply;
  std::function<Array(const std::vector<Array>&)> reference;  // nested loops on doubles
  std::function<bool(const std::vector<Shape>&)> accepts;     // operand shapes it takes
  std::vector<std::vector<Shape>> samples;                    // operand shapes to test
  std::vector<ErrorCase> errors;

  std::size_t arity() const { return domains.size(); }
};

// Every row, in the order of ops.hpp.
const std::vector<OpInfo>& op_table();
// The row of that name; throws std::out_of_range if there is none.
const OpInfo& find_op(std::string_view name);

// A random value, or array, inside a domain.
double sample(Domain d, std::mt19937_64& rng);
Array sample(Domain d, Shape s, std::mt19937_64& rng);

// Labels and gather indices the table's rows use for operands of a given shape.
std::vector<std::int64_t> labels_for(Index rows, Index cols);
Eigen::Array<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> gather_index_for(Index table_rows);

// The declarations of ops.hpp in the table's signature form, in file order.
std::vector<std::string> parse_op_signatures(const std::string& header_text);

}  // namespace support
