// SPDX-License-Identifier: MIT
// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (2-norm).
#pragma once

#include "optimizer.hpp"

namespace optim {

// n = ‖(‖g_1‖, …, ‖g_k‖)‖;  every g ← g · min(1, max_norm / (n + 1e-6)).
// Returns n, the norm before clipping. max_norm must be positive and finite.
double clip_grad_norm(const ParameterList& params, double max_norm);

}  // namespace optim
