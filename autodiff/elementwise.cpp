// SPDX-License-Identifier: MIT
// The eager (one node per op) form of each rule in elementwise.hpp, compiled
// once here rather than in every file that uses the function, and the functions
// on Vars, which record that form.
#include "autodiff/elementwise.hpp"

#include "autodiff/detail/record.hpp"

namespace autodiff::detail {

template Var eager_unary<rules::Pow>(const Var&, double);
template Var eager_unary<rules::Square>(const Var&, double);
template Var eager_unary<rules::Sqrt>(const Var&, double);
template Var eager_unary<rules::Exp>(const Var&, double);
template Var eager_unary<rules::Log>(const Var&, double);
template Var eager_unary<rules::Tanh>(const Var&, double);
template Var eager_unary<rules::Sigmoid>(const Var&, double);
template Var eager_unary<rules::Relu>(const Var&, double);
template Var eager_unary<rules::Abs>(const Var&, double);

}  // namespace autodiff::detail

namespace autodiff {

using detail::eager_unary;

Var pow(Var a, double exponent) { return eager_unary<rules::Pow>(a, exponent); }
Var square(Var a) { return eager_unary<rules::Square>(a, 0.0); }
Var sqrt(Var a) { return eager_unary<rules::Sqrt>(a, 0.0); }
Var exp(Var a) { return eager_unary<rules::Exp>(a, 0.0); }
Var log(Var a) { return eager_unary<rules::Log>(a, 0.0); }
Var tanh(Var a) { return eager_unary<rules::Tanh>(a, 0.0); }
Var sigmoid(Var a) { return eager_unary<rules::Sigmoid>(a, 0.0); }
Var relu(Var a) { return eager_unary<rules::Relu>(a, 0.0); }
Var abs(Var a) { return eager_unary<rules::Abs>(a, 0.0); }

}  // namespace autodiff
