// Schedule template for the bit-serial GEMM generators (bitserial_gemm_{i32,f32,packed}).
#pragma once

#include "Halide.h"
#include "knobs.h"

namespace lpgen {

// The Funcs of generators/bitserial_gemm_generator.cpp that a schedule may touch.
struct BitserialGemmFuncs {
    Halide::Func output;        // (n, m) results, or packed (nw, plane, m) words
    Halide::Func dot;           // (n, m) exact int64 dot product
    Halide::Func core;          // (n, m) plane-weighted sum of plane_dot
    Halide::Func plane_dot;     // (ap, wp, n, m) popcount(A_ap & W_wp) summed over kw
    Halide::Func a_sum, w_sum;  // offset corrections, (m) and (n)
    Halide::Func weights;       // the weight input (kw, plane, n), zero outside N
    Halide::Func codes;         // (n, m) requantized codes, only for packed output
    Halide::Func groups;        // 8 codes per uint64 before packing, only for packed output
    Halide::Expr n_extent, m_extent;  // N and M of the call
    bool fixed_bits;            // plane counts are compile-time constants:
    int a_planes, w_planes;     // these (when fixed_bits)
};

// Knobs: vec_words, tile_vecs, tile_m, unroll_k, rows_inner, parallel (meanings in the .cpp).
const KnobSpace &bitserial_gemm_knob_space();
// The register tile (tile_m x tile_vecs vectors of vec_words words) fits the profile.
bool bitserial_gemm_knobs_fit(const Knobs &knobs, Profile profile);

void apply_bitserial_gemm_schedule(BitserialGemmFuncs funcs, const Knobs &knobs,
                                   const Halide::Target &target);

// The GEMV template (M = 1): rows of n per step, each row's packed words along vector lanes
// (the weights as packed, no staging), lane sums folded once per row.
// Knobs: vec_words, tile_n, unroll_k, parallel (meanings in the .cpp).
const KnobSpace &bitserial_gemv_knob_space();
void apply_bitserial_gemv_schedule(BitserialGemmFuncs funcs, const Knobs &knobs, const Halide::Target &target);

}  // namespace lpgen
