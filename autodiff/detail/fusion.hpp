// SPDX-License-Identifier: MIT
// Fusion of element-wise chains. On large arrays, an element-wise op records a
// lazy node: no value, no adjoint, just its operands and its rule (a ChunkKernel,
// built from the same forward and adjoint lambdas as the eager op). The op that
// consumes a lazy node (sum, or materialize() for any other op) runs the whole
// lazy "region" feeding it chunk by chunk, so each chunk's intermediates stay in
// cache (L2: 1,024 elements a chunk) and no intermediate array is written. Backward does the same in reverse: for
// each chunk it recomputes the region's values, then sweeps the region's adjoints
// and adds into the region's leaves (materialized nodes, Parameters).
//
// A region's nodes all have the root's shape; their operands are region nodes,
// leaves of that shape, or 1x1 leaves (broadcast). Other broadcasts run eagerly.
#pragma once

#include "../tape.hpp"

#include <cstdint>

namespace autodiff::detail {

// One operand of an element-wise rule over a chunk: a run of len values, or a
// 1x1 value used for every element.
struct Operand {
  const double* p = nullptr;
  bool scalar = false;
};

struct ChunkKernel {
  // y[0, len) = the op applied to a and b (b unused by one-operand ops).
  void (*forward)(const Node& n, Operand a, Operand b, double* y, Index len);
  // da, db (when not null) = the op's contribution to each operand's adjoint,
  // element by element, given the upstream adjoint g and the result y; for a
  // 1x1 operand, one double: the sum of its contributions over the chunk.
  void (*backward)(const Node& n, const double* g, Operand a, Operand b, const double* y,
                   double* da, double* db, Index len);
};

// Whether an element-wise op whose result is rows x cols may record a lazy node
// over operand o: o is 1x1 or of that shape, and its value cannot change under us.
inline bool fusible_operand(const Node& o, Index rows, Index cols) {
  return o.size() == 1 || (o.rows == rows && o.cols == cols && !o.mutable_value);
}
inline bool fusion_on(const Tape& t, Index rows, Index cols) {
  return rows * cols >= t.fusion_threshold() && !t.anomaly_detection();
}

// Sets sum node s's value to the sum of its lazy operand's elements, computed
// chunk by chunk; s.ints may keep d s / d leaf for its 1x1 leaves.
void fused_sum(Tape& t, Node& s);
// The reverse rule of a sum recorded by fused_sum.
void fused_sum_backward(Tape& t, const Node& s);

// Back-propagates a uniform upstream adjoint g (every element of root's result
// receives g, as from sum) through lazy node root's region into its leaves.
void fused_backward_uniform(Tape& t, std::int32_t root, double g);

}  // namespace autodiff::detail
