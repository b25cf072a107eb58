// SPDX-License-Identifier: MIT
// Global-norm clipping: one scale for all gradients, so their direction is kept.
#include "optim/clip.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace optim {

double clip_grad_norm(const ParameterList& params, double max_norm) {
  if (!(max_norm > 0.0) || !std::isfinite(max_norm)) {
    throw std::invalid_argument(fmt::format("clip_grad_norm: max_norm must be positive and finite, got {}", max_norm));
  }
  // The norm of the per-parameter norms, as PyTorch computes it.
  double sum = 0.0;
  for (std::size_t k = 0; k < params.size(); ++k) {
    if (!params[k]) throw std::invalid_argument(fmt::format("clip_grad_norm: parameter {} is a null pointer", k));
    const double n = params[k]->grad().matrix().norm();
    sum += n * n;
  }
  const double total = std::sqrt(sum);
  const double scale = std::min(1.0, max_norm / (total + 1e-6));
  if (scale < 1.0) {
    for (autodiff::Parameter* p : params) p->grad() *= scale;
  }
  return total;
}

}  // namespace optim
