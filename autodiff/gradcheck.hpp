// SPDX-License-Identifier: MIT
// Checks tape gradients against central finite differences, as PyTorch's
// torch.autograd.gradcheck does: element k passes when
//   |analytic_k - numeric_k| <= atol + rtol * |numeric_k|.
#pragma once

#include "var.hpp"

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

namespace autodiff {

struct GradcheckOptions {
  double eps = 1e-6;   // finite-difference step
  double atol = 1e-5;  // absolute tolerance
  double rtol = 1e-3;  // relative tolerance
};

struct GradcheckResult {
  bool passed = true;
  // The element that came closest to failing (or failed worst):
  double worst_ratio = 0.0;     // |analytic - numeric| / (atol + rtol |numeric|); <= 1 passes
  double relative_error = 0.0;  // |analytic - numeric| / max(|numeric|, |analytic|, 1e-12)
  double analytic = 0.0;
  double numeric = 0.0;
  std::size_t parameter = 0;    // index in the list given
  Index row = 0, col = 0;
  std::string where;            // "parameter 1 ('W') element (2, 0)"
  std::size_t checked = 0;      // elements compared
  std::string summary() const;
};

// f records a scalar loss from the parameters on the calling thread's tape.
// gradcheck clears that tape between evaluations; the parameters' values and
// gradients are as before when it returns, and also when f throws (the exception
// then passes through).
GradcheckResult gradcheck(const std::function<Var()>& f, const ParameterList& params,
                          GradcheckOptions options = {});

}  // namespace autodiff
