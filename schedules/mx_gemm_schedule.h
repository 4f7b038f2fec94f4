// Schedule template for the generic MX GEMM (generators/mx_gemm_generator.cpp).
#pragma once

#include "Halide.h"
#include "knobs.h"

namespace lpgen {

struct MxGemmFuncs {
    Halide::Func output;       // (n, m) fp32 results
    Halide::Func dot;          // (n, m) blocks combined in block order
    Halide::Func block_sum;    // (b, n, m) one block's products
    Halide::Func block_value;  // (b, n, m) scaled block
    Halide::Func a_value, w_value;  // (k, row) decoded elements
    Halide::Func a_nan, w_nan;    // (b, row) NaN blocks
};

// Knobs: vec_lanes, tile_vecs, tile_m, parallel. No knob may reorder the block or element sums: the
// results are the same for every configuration.
const KnobSpace &mx_gemm_knob_space();
// The register tile fits the profile with fp64 block sums (the widest).
bool mx_gemm_knobs_fit(const Knobs &knobs, Profile profile);

void apply_mx_gemm_schedule(MxGemmFuncs funcs, const Knobs &knobs, const Halide::Target &target);

// The int8 and int16 fast paths (generators/mx_gemm_i8_generator.cpp, mx_gemm_i16_generator.cpp).
struct MxBlockFuncs {
    Halide::Func output;     // (n, m)
    Halide::Func dot;        // (n, m) blocks combined in block order
    Halide::Func block_sum;  // (n, b, m) exact int32 dot products of a block (int8: of a segment of
                             // blocks, the reduction's last dimension running over them)
    Halide::Func pair_sum;   // int8 only: (n, p, m) int16 sums of the products at k = 2p, 2p + 1;
                             // undefined where blocks are summed as 4-way or int16 dot products
    Halide::Func lane_sum;   // ARM only: (n, kk, b, m) sums of a block's products at position kk
                             // of its groups of k (int8: int16 sums of fours; int16: int32 of pairs)
    Halide::Func weights;    // (kk, n, kq) the weight values, groups of k dense
    std::vector<Halide::Func> weight_blocks;  // (n, b) what the kernel reads per column and block
};
struct MxGemmI16Funcs {
    MxBlockFuncs tile;
    Halide::Func a_scale;    // (b, m) block scales: fp32 powers of two, NaN for NaN blocks (ARMv7:
                             // E8M0 exponents, -1 for NaN blocks)
};

// Knobs: vec_lanes, tile_vecs, tile_m, parallel, pack_weights; none changes a result bit.
const KnobSpace &mx_gemm_i8_knob_space();
const KnobSpace &mx_gemm_i16_knob_space();
// The int32 register tile of the int8 and int16 kernels fits the profile.
bool mx_block_tile_knobs_fit(const Knobs &knobs, Profile profile);
// The int16 kernel with activations in two planes (a_planes=2): tile_m rows of two planes each.
const KnobSpace &mx_gemm_i16_split_knob_space();
bool mx_split_block_tile_knobs_fit(const Knobs &knobs, Profile profile);
// Both operands as lo and hi, the kernel adding lo + hi (a_planes=3): tile_m rows of three
// planes of products each.
const KnobSpace &mx_gemm_i16_fp8_knob_space();
bool mx_fp8_block_tile_knobs_fit(const Knobs &knobs, Profile profile);

void apply_mx_gemm_i8_schedule(MxBlockFuncs funcs, const Knobs &knobs, const Halide::Target &target);
void apply_mx_gemm_i16_schedule(MxGemmI16Funcs funcs, const Knobs &knobs, const Halide::Target &target);

// One block's exact integer sums (n, b, m, ...), computed at `at` for a tile of vectors of n (and
// rows of m): `group` products per 32-bit lane (quads: vpdpbusd), or from `pair_sum` and
// `lane_sum` where defined (x86's vpmaddubsw pairs, ARM's int16 lane sums). Shared with the
// low-bit GEMV, whose sums have the same first three dimensions.
void schedule_block_sums(const MxBlockFuncs &funcs, const Halide::LoopLevel &at, int group, int lanes);

// The same algorithms as GEMVs (a few rows): blocks outermost, then rows, then column tiles,
// the fp32 sums in memory. For each block the weights are read as rows of k, each a contiguous
// stream across all columns, which the hardware prefetchers follow; column tiles of the GEMM
// schedule read one cache line per page instead. Knobs: vec_lanes, tile_vecs.
const KnobSpace &mx_gemv_knob_space();
void apply_mx_gemv_i8_schedule(MxBlockFuncs funcs, const Knobs &knobs, const Halide::Target &target);
void apply_mx_gemv_i16_schedule(MxGemmI16Funcs funcs, const Knobs &knobs, const Halide::Target &target);

// The decode kernels (mx_decode_i16, mx_decode_i8): element values and one per-block output,
// one code path per format (`format` is the kernel's input, `formats` those it decodes).
void apply_mx_decode_schedule(Halide::Func values, Halide::Func per_block, const Halide::Expr &format,
                              const std::vector<int> &formats, const Halide::Target &target);

}  // namespace lpgen
