// SPDX-License-Identifier: MIT
// Everything a user of autodiff needs: Var, Parameter, Constant, the ops, backward and gradcheck.
#pragma once

#include "error.hpp"
#include "gradcheck.hpp"
#include "ops.hpp"
#include "tape.hpp"
#include "var.hpp"
