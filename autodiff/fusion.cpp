// SPDX-License-Identifier: MIT
// Running lazy element-wise regions chunk by chunk (see detail/fusion.hpp).
#include "autodiff/detail/fusion.hpp"

#include "autodiff/detail/record.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

namespace autodiff::detail {

namespace {

// 1024 doubles = 8 KiB per buffer: a region's values and adjoints stay in L2,
// and the bookkeeping per chunk is paid once per 1024 elements (with 256 it
// cost 4 instructions an element on the job-duration loss).
constexpr Index kChunk = 1024;

// A leaf that receives gradient from a region: a full array (its adjoint is
// zeroed chunk by chunk if nothing was added to it yet) or a 1x1 value (its
// contributions are summed, then added once).
struct Leaf {
  std::int32_t node;
  bool fresh;
  double sum;
};

// One region at a time per thread; its buffers keep their capacity, so a
// training loop stops allocating after its first step.
struct Region {
  std::vector<std::int32_t> members;  // the lazy nodes and the root, in tape order
  std::vector<std::int32_t> stack;
  std::vector<double> values;         // members.size() chunks
  std::vector<double> adjoints;       // members.size() chunks
  std::vector<double> scratch;        // two chunks: a rule's contributions to a and b
  std::vector<unsigned char> touched; // adjoint chunk holds a contribution
  std::vector<Leaf> leaves;
  std::vector<double> uniform;        // one chunk of a uniform upstream adjoint
  std::vector<std::int64_t> pairs;

  // Gathers root and every lazy node it reaches through lazy operands.
  void collect(const Tape& t, std::int32_t root) {
    members.clear();
    stack.assign(1, root);
    while (!stack.empty()) {
      const std::int32_t k = stack.back();
      stack.pop_back();
      if (std::find(members.begin(), members.end(), k) != members.end()) continue;
      members.push_back(k);
      const Node& n = t.node(k);
      if (n.a >= 0 && t.node(n.a).lazy) stack.push_back(n.a);
      if (n.b >= 0 && t.node(n.b).lazy) stack.push_back(n.b);
    }
    std::sort(members.begin(), members.end());  // tape order is evaluation order
    values.resize(members.size() * kChunk);
    adjoints.resize(members.size() * kChunk);
    scratch.resize(2 * kChunk);
    touched.resize(members.size());
  }

  std::size_t slot(std::int32_t k) const {
    return std::size_t(std::lower_bound(members.begin(), members.end(), k) - members.begin());
  }
  double* value_chunk(std::size_t m) { return values.data() + m * kChunk; }
  double* adjoint_chunk(std::size_t m) { return adjoints.data() + m * kChunk; }

  Operand operand(const Tape& t, std::int32_t k, Index offset) {
    if (k < 0) return {};
    const Node& o = t.node(k);
    if (o.lazy) return {value_chunk(slot(k)), false};
    if (o.size() == 1) return {o.val, true};
    return {o.val + offset, false};
  }

  // Values of every member for elements [offset, offset + len). A member that is
  // already materialized (only the root can be) keeps its stored value.
  void forward(const Tape& t, Index offset, Index len) {
    for (std::size_t m = 0; m < members.size(); ++m) {
      const Node& n = t.node(members[m]);
      if (!n.lazy) continue;
      n.kernel->forward(n, operand(t, n.a, offset), operand(t, n.b, offset), value_chunk(m), len);
    }
  }
  const double* result(const Tape& t, std::size_t m, Index offset) {
    const Node& n = t.node(members[m]);
    return n.lazy ? value_chunk(m) : n.val + offset;
  }

  // The leaves that receive gradient. A backward sweep takes each one's fresh
  // flag once (`sweep`); fused_sum only looks at them.
  void find_leaves(Tape& t, bool sweep) {
    leaves.clear();
    for (std::int32_t k : members) {
      const Node& n = t.node(k);
      for (std::int32_t o : {n.a, n.b}) {
        if (o < 0) continue;
        Node& leaf = t.node(o);
        if (leaf.lazy || !leaf.adj) continue;
        if (std::any_of(leaves.begin(), leaves.end(), [o](const Leaf& l) { return l.node == o; })) continue;
        const bool full = leaf.size() != 1;
        leaves.push_back({o, sweep && full && take_fresh(leaf), 0.0});
      }
    }
  }

  void add(Tape& t, std::int32_t k, const double* d, Index offset, Index len) {
    Node& o = t.node(k);
    if (o.lazy) {
      const std::size_t m = slot(k);
      double* adj = adjoint_chunk(m);
      if (touched[m]) {
        for (Index e = 0; e < len; ++e) adj[e] += d[e];
      } else {
        std::memcpy(adj, d, std::size_t(len) * sizeof(double));
        touched[m] = 1;
      }
    } else if (o.size() == 1) {  // the kernel summed the chunk's contributions
      std::find_if(leaves.begin(), leaves.end(), [k](const Leaf& l) { return l.node == k; })->sum += d[0];
    } else {
      double* adj = o.adj + offset;
      for (Index e = 0; e < len; ++e) adj[e] += d[e];
    }
  }

  // Given the root's upstream adjoint g for elements [offset, offset + len),
  // after forward() for the same chunk: sweeps the members in reverse.
  void backward(Tape& t, const double* g, Index offset, Index len) {
    for (const Leaf& l : leaves) {
      const Node& o = t.node(l.node);
      if (l.fresh) std::fill_n(o.adj + offset, len, 0.0);
    }
    std::fill(touched.begin(), touched.end(), 0);
    for (std::size_t m = members.size(); m-- > 0;) {
      const Node& n = t.node(members[m]);
      const double* gm = m + 1 == members.size() ? g : touched[m] ? adjoint_chunk(m) : nullptr;
      if (!gm) continue;  // no gradient reached this member in this region
      const bool da = n.a >= 0 && t.node(n.a).needs_grad();
      const bool db = n.b >= 0 && t.node(n.b).needs_grad();
      if (!da && !db) continue;
      // A lazy operand's first contribution is written straight into its adjoint chunk.
      const bool direct_a = da && first_write(t, n.a);
      const bool direct_b = db && n.b != n.a && first_write(t, n.b);
      double* out_a = !da ? nullptr : direct_a ? adjoint_chunk(slot(n.a)) : scratch.data();
      double* out_b = !db ? nullptr : direct_b ? adjoint_chunk(slot(n.b)) : scratch.data() + kChunk;
      n.kernel->backward(n, gm, operand(t, n.a, offset), operand(t, n.b, offset),
                         result(t, m, offset), out_a, out_b, len);
      if (direct_a) touched[slot(n.a)] = 1; else if (da) add(t, n.a, out_a, offset, len);
      if (direct_b) touched[slot(n.b)] = 1; else if (db) add(t, n.b, out_b, offset, len);
    }
  }
  bool first_write(const Tape& t, std::int32_t k) const {
    return t.node(k).lazy && !touched[slot(k)];
  }

  // Adds the 1x1 leaves' summed contributions.
  void finish(Tape& t) {
    for (const Leaf& l : leaves) {
      Node& o = t.node(l.node);
      if (o.size() != 1) continue;
      o.adj[0] = take_fresh(o) ? l.sum : o.adj[0] + l.sum;
    }
  }
};

thread_local Region region;

// The reverse rule of a materialized element-wise node: its adjoint, chunk by
// chunk, through its own rule and any lazy nodes that feed it.
void region_backward(Tape& t, const Node& n) {
  const std::int32_t root = std::int32_t(&n - &t.node(0));
  region.collect(t, root);
  region.find_leaves(t, true);
  for (Index offset = 0; offset < n.size(); offset += kChunk) {
    const Index len = std::min(kChunk, n.size() - offset);
    region.forward(t, offset, len);
    region.backward(t, n.adj + offset, offset, len);
  }
  region.finish(t);
}

}  // namespace

void materialize(Tape& t, std::int32_t k) {
  Node& n = t.node(k);
  n.val = t.allocate_values(std::size_t(n.size()));
  region.collect(t, k);
  for (Index offset = 0; offset < n.size(); offset += kChunk) {
    const Index len = std::min(kChunk, n.size() - offset);
    region.forward(t, offset, len);
    std::memcpy(n.val + offset, region.value_chunk(region.members.size() - 1),
                std::size_t(len) * sizeof(double));
  }
  n.lazy = false;
  if (n.lazy_grad) {
    // Computed after a backward that fused it, its gradient from that sweep is gone.
    n.grad_dropped = t.swept();
    n.adj = t.allocate_adjoints(std::size_t(n.size()));
    n.fresh = true;
    n.backward = &region_backward;
    n.lazy_grad = false;
  }
}

void fused_sum(Tape& t, Node& s) {
  const std::int32_t root = s.a;
  region.collect(t, root);
  // The adjoint a sum passes back is uniform, so when every leaf that takes a
  // gradient is 1x1, d sum / d leaf can be summed in the same pass over the data
  // (upstream adjoint 1), and backward only scales it: one pass instead of two.
  bool partials = s.adj != nullptr;
  if (partials) {
    region.find_leaves(t, false);
    partials = !region.leaves.empty() &&
               std::all_of(region.leaves.begin(), region.leaves.end(),
                           [&](const Leaf& l) { return t.node(l.node).size() == 1; });
    if (partials) region.uniform.assign(std::size_t(kChunk), 1.0);
  }
  const Index size = t.node(root).size();
  double total = 0.0;
  for (Index offset = 0; offset < size; offset += kChunk) {
    const Index len = std::min(kChunk, size - offset);
    region.forward(t, offset, len);
    total += Eigen::Map<const Eigen::ArrayXd>(region.result(t, region.members.size() - 1, offset), len).sum();
    if (partials) region.backward(t, region.uniform.data(), offset, len);
  }
  s.val[0] = total;
  if (partials) {
    // Stored in the tape's integer arena: the count, then (leaf, bits of d sum / d leaf) pairs.
    std::vector<std::int64_t>& pairs = region.pairs;
    pairs.assign(1, std::int64_t(region.leaves.size()));
    for (const Leaf& l : region.leaves) {
      pairs.push_back(l.node);
      pairs.push_back(std::bit_cast<std::int64_t>(l.sum));
    }
    s.ints = t.store_ints(pairs.data(), pairs.size());
  }
}

void fused_sum_backward(Tape& t, const Node& s) {
  const double g = s.adj[0];
  if (!s.ints) {
    fused_backward_uniform(t, s.a, g);
    return;
  }
  for (std::int64_t l = 0; l < s.ints[0]; ++l) {
    Node& leaf = t.node(std::int32_t(s.ints[1 + 2 * l]));
    const double d = g * std::bit_cast<double>(s.ints[2 + 2 * l]);
    leaf.adj[0] = take_fresh(leaf) ? d : leaf.adj[0] + d;
  }
}

void fused_backward_uniform(Tape& t, std::int32_t root, double g) {
  region.collect(t, root);
  region.find_leaves(t, true);
  const Index size = t.node(root).size();
  region.uniform.assign(std::size_t(kChunk), g);
  for (Index offset = 0; offset < size; offset += kChunk) {
    const Index len = std::min(kChunk, size - offset);
    region.forward(t, offset, len);
    region.backward(t, region.uniform.data(), offset, len);
  }
  region.finish(t);
}

}  // namespace autodiff::detail
