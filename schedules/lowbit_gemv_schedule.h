// Schedule template for the low-bit LLM GEMV (generators/lowbit_gemv_generator.cpp).
#pragma once

#include "Halide.h"
#include "knobs.h"

namespace lpgen {

// Columns per tile of the GEMV's weight layout (runtime/lowbit_weights.cpp lays them out so):
// each tile's weights are one contiguous run over K.
constexpr int kLowbitGemvTile = 64;

struct LowbitGemvFuncs {
    Halide::Func output;     // (n, m)
    Halide::Func dot;        // (ni, m, t) one tile's sums, segments in order
    Halide::Func block_sum;  // (ni, s, m, t) a segment's sum(q * field), int32
    Halide::Func lane_sum;   // ARM and AVX2: (ni, kk, b, m, t) int16 sums of the products (AVX2:
                             // pair sums) at position kk of the block's groups of k
    Halide::Func pair_sum;   // AVX2 only: (ni, j, kq, m, t) vpmaddubsw sums of pair j of the four at kq
    Halide::Func place_sum;  // VNNI only: (ni, p, s, m, t) a segment's sum(q * field) over the fields at
                             // position p of their bytes, masked in place (times 2^(bits p))
    Halide::Func a_sum;      // (s, m) a segment's sum(q)
    int fields_per_byte;     // 8 / bits
};

// Knobs: vec_lanes, tile_vecs (the columns of a tile computed together: a divisor of the
// tile's 64). Per tile and row: blocks outermost, their fp32 sums kept across blocks, the
// tile's weights read once in order. No knob changes a result bit.
const KnobSpace &lowbit_gemv_knob_space();
void apply_lowbit_gemv_schedule(LowbitGemvFuncs funcs, const Knobs &knobs, const Halide::Target &target);

}  // namespace lpgen
