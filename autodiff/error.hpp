// SPDX-License-Identifier: MIT
// The exceptions autodiff throws. Every message names the operation and, where
// it matters, the shapes involved, so a user can find the line that caused it.
#pragma once

#include <stdexcept>
#include <string>

namespace autodiff {

// Base class of everything autodiff throws.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Operand shapes that an op cannot combine (e.g. 3x2 + 4x2).
struct ShapeError : Error {
  using Error::Error;
};

// A Var whose tape was cleared, that belongs to another thread, or is empty.
struct StaleVarError : Error {
  using Error::Error;
};

// An index or block outside a Var's shape, or a label outside the class range.
struct IndexError : Error {
  using Error::Error;
};

// Anomaly mode found a NaN or an infinity.
struct NonFiniteError : Error {
  using Error::Error;
};

// Misuse of backward(): a non-scalar loss, or a loss that depends on no parameter.
struct BackwardError : Error {
  using Error::Error;
};

}  // namespace autodiff
