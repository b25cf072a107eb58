// SPDX-License-Identifier: MIT
// Everything a user of autodiff needs: Var, Parameter, Constant, the ops, backward and gradcheck.
#pragma once

#include "autodiff/error.hpp"
#include "autodiff/gradcheck.hpp"
#include "autodiff/ops.hpp"
#include "autodiff/tape.hpp"
#include "autodiff/var.hpp"
