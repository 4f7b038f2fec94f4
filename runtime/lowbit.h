// What LowbitWeights holds (runtime/lowbit_weights.cpp fills it) and what the GEMM reads.
#pragma once

#include <vector>

#include "huge_page_allocator.h"
#include "lpgen/lowbit.hpp"

namespace lpgen {

// The largest |value| a format's weights take: 2^(bits-1) signed, 2^bits - 1 unsigned (code
// minus zero point), 1 ternary.
int lowbit_max_value(const LowbitFormat &f);

struct LowbitWeights::Prepared {
    int rows = 0, k = 0, groups = 0;
    LowbitFormat format;
    size_t row_bytes = 0;          // of a packed row
    std::vector<uint8_t> packed;   // [rows][row_bytes]: the codes, dense
    // The MX int8 kernels' operands (runtime/mx_weights.h): values in groups of four along k,
    // `padded_rows` columns; per 32-block -128 * the block's value sum and the group's scale.
    int blocks = 0, padded_rows = 0;
    std::vector<int8_t, HugePageAllocator<int8_t>> quads;  // (kk, n, kq)
    std::vector<int32_t> offsets;                          // (n, block)
    std::vector<float> block_scales;                       // (n, block)
    // The packed GEMV's weights (generators/lowbit_gemv_generator.cpp): fields of `field_bits`
    // (1, 2 or 4; 3-bit codes in 4-bit fields), field i of byte (kk, n, kp) the weight at
    // k = 4 ((8 / field_bits) kp + i) + kk; each field stands for field - zero(n, block).
    int field_bits = 0;
    std::vector<uint8_t, HugePageAllocator<uint8_t>> fields;  // (kk, n, kp)
    std::vector<int8_t> zeros;                                 // (n, block)
};

}  // namespace lpgen
