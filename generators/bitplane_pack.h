// Bit-plane packing, the one place the layout is defined (DESIGN.md, "Packing"):
//
//   values  v[row][k]  (k = 0 .. K-1, small unsigned codes)
//              |  plane p = bit p of each code
//              v
//   words   P[row][p][kw]   bit (k mod 64) of word kw = k / 64 holds bit p of v[row][k]
//
//   row 0:  plane 0: | k0..k63 | k64..k127 | ... | k(64Kw-64)..  (zero past K) |
//           plane 1: | ...                                                     |
// Padding bits past K are zero, so they never contribute to a popcount.
#pragma once

#include "Halide.h"

namespace lpgen {

// packed(kw, plane, rest...) from codes(k, rest...) over a reduction length `k_extent`.
// `codes` must be defined for 0 <= k < k_extent; it is never read outside that range.
inline Halide::Func pack_bit_planes(const Halide::Func &codes, const Halide::Expr &k_extent,
                                    const std::string &name) {
    using namespace Halide;
    std::vector<Var> rest(codes.dimensions() - 1);
    Var kw("kw"), plane("plane");
    RDom bit(0, 64, "bit");
    std::vector<Expr> code_args{min(kw * 64 + bit, k_extent - 1)};
    std::vector<Var> packed_args{kw, plane};
    for (Var &v : rest) {
        code_args.push_back(v);
        packed_args.push_back(v);
    }
    Expr in_range = kw * 64 + bit < k_extent;
    Expr bit_value = cast<uint64_t>((codes(code_args) >> plane) & 1);
    Func packed(name);
    packed(packed_args) = cast<uint64_t>(0);
    // The bits are disjoint, so a sum is their OR; a sum lets the schedule vectorize the reduction.
    packed(packed_args) += select(in_range, bit_value, cast<uint64_t>(0)) << cast<uint64_t>(bit);
    return packed;
}

}  // namespace lpgen
