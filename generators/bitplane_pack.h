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

// The Funcs of one packing: `groups` holds 8 consecutive codes per uint64 (one per byte),
// `packed` the words of bit-planes.
struct BitPlanePacking {
    Halide::Func groups;  // (g, rest...): codes k = 8g .. 8g+7, zero past K
    Halide::Func packed;  // (kw, plane, rest...)
};

// packed(kw, plane, rest...) from groups(g, rest...): 8 codes per uint64, code 8g + b in byte b
// (little-endian memory order, so 8 consecutive uint8 codes read as one uint64 are a group).
inline Halide::Func pack_groups(const Halide::Func &groups, const std::string &name) {
    using namespace Halide;
    std::vector<Var> rest(groups.dimensions() - 1);
    std::vector<Expr> rest_args(rest.begin(), rest.end());
    Var kw("kw"), plane("plane");
    auto args = [&](std::vector<Expr> head) {
        head.insert(head.end(), rest_args.begin(), rest_args.end());
        return head;
    };
    Expr word = cast<uint64_t>(0);
    for (int j = 0; j < 8; ++j) {
        Expr bits = (groups(args({kw * 8 + j})) >> cast<uint64_t>(plane)) & Expr(uint64_t{0x0101010101010101});
        Expr byte = (bits * Expr(uint64_t{0x0102040810204080})) >> cast<uint64_t>(56);
        word = word | (byte << (8 * j));
    }
    Func packed(name);
    packed(args({kw, plane})) = word;
    return packed;
}

// packed(kw, plane, rest...) from codes(k, rest...) (values 0..255) over a length `k_extent`.
// `codes` is never read outside 0 <= k < k_extent.
//
// Bit `plane` of 8 codes held one per byte of a uint64 x becomes one byte by the multiply
// trick: t = (x >> plane) & 0x0101..01 has bit 8j set for code j; in t * 0x0102040810204080
// the copy of bit 8j shifted by 7(7-j)+7 lands on bit 56+j and no two partial products
// overlap, so (t * magic) >> 56 is those 8 bits in order.
inline BitPlanePacking pack_bit_planes(const Halide::Func &codes, const Halide::Expr &k_extent,
                                       const std::string &name) {
    using namespace Halide;
    std::vector<Var> rest(codes.dimensions() - 1);
    Var g("g");
    std::vector<Expr> rest_args(rest.begin(), rest.end());
    auto args = [&](std::vector<Expr> head) {
        head.insert(head.end(), rest_args.begin(), rest_args.end());
        return head;
    };

    BitPlanePacking p{Func(name + "_groups"), Func(name)};
    Expr group = cast<uint64_t>(0);
    for (int b = 0; b < 8; ++b) {
        Expr k = g * 8 + b;
        Expr code = cast<uint64_t>(cast<uint8_t>(codes(args({min(k, k_extent - 1)}))));
        group = group | (select(k < k_extent, code, cast<uint64_t>(0)) << (8 * b));
    }
    p.groups(args({g})) = group;
    p.packed = pack_groups(p.groups, name);
    return p;
}

}  // namespace lpgen
