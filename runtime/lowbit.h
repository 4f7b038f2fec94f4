// What LowbitWeights holds (runtime/lowbit_weights.cpp fills it) and what the GEMM reads.
#pragma once

#include <vector>

#include "huge_page_allocator.h"
#include "lpgen/lowbit.hpp"

namespace lpgen {

constexpr int kLowbitGemvTile = 64;  // = schedules/lowbit_gemv_schedule.h's

// The largest |value| a format's weights take: 2^(bits-1) signed, 2^bits - 1 unsigned (code
// minus zero point), 1 ternary.
int lowbit_max_value(const LowbitFormat &f);

struct LowbitWeights::Prepared {
    int rows = 0, k = 0, groups = 0;
    LowbitFormat format;
    size_t row_bytes = 0;          // of a packed row
    std::vector<uint8_t> packed;   // [rows][row_bytes]: the codes, dense
    // The MX int8 kernels' operands (runtime/mx_weights.h): values in groups of four along k,
    // `padded_rows` columns, k padded with zeros to whole groups (`blocks` 32-blocks); per
    // segment -128 * its value sum and the group's scale, with segments of one block (for
    // activations scaled per 32-block) or of a group (scaled per row).
    int blocks = 0, padded_rows = 0;
    std::vector<int8_t, HugePageAllocator<int8_t>> quads;  // (kk, n, kq)
    std::vector<int32_t> block_offsets, group_offsets;     // (n, block), (n, group)
    std::vector<float> block_scales, column_group_scales;  // (n, block), (n, group)
    // The packed GEMV's weights (generators/lowbit_gemv_generator.cpp), in tiles of
    // kLowbitGemvTile columns, each tile's run over K contiguous: fields of `field_bits` (1, 2
    // or 4; 3-bit codes in 4-bit fields), field i of byte (kk, ni, kp, t) the code of column
    // 64 t + ni at k = 4 ((8 / field_bits) kp + i) + kk, standing for field - zero; per column
    // and group, (ni, g, t): the zero and the scale.
    int field_bits = 0, tiles = 0;
    std::vector<uint8_t, HugePageAllocator<uint8_t>> fields;  // (kk, ni, kp, t)
    // Signed and ternary codes have one zero for all columns and groups (uniform_zero): then
    // zeros holds one tile's row, which the GEMV reads for every group (strides 0) instead of
    // streaming a copy per group (Zen 4, W2 1x4096x14336: 0.72 -> 0.76 of the read bound).
    bool uniform_zero = false;
    std::vector<int8_t> zeros;                                 // (ni, g, t), or (ni) if uniform
    std::vector<float> group_scales;                           // (ni, g, t)
};

}  // namespace lpgen
