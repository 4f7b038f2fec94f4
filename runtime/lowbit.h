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
};

}  // namespace lpgen
