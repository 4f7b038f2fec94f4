// Scalar MX reference, written from ../shared/MX.md alone: element values are enumerated from
// each format's definition and rounding picks the nearest one in double precision, so it shares
// no method with the generated kernels' integer bit arithmetic.
#pragma once

#include <cstdint>
#include <vector>

#include "lpgen/mx.hpp"

namespace lpgen::ref {

// The value of one element code (NaN for NaN codes, +-Inf for E5M2 infinities).
double mx_element_value(MxFormat format, int code);

struct MxBlocks {
    std::vector<uint8_t> codes;   // one element code per value, rows x padded K
    std::vector<uint8_t> scales;  // rows x blocks
};

// Quantize rows x k values (MX.md "fp32 -> MX").
MxBlocks mx_quantize(const std::vector<float> &values, int rows, int k, MxFormat format);

// One element code per value -> the packed byte layout of generators/mx_formats.h.
std::vector<uint8_t> mx_pack(const std::vector<uint8_t> &codes, MxFormat format);

// element * 2^(scale - 127) as fp32; NaN for scale 0xFF.
float mx_dequantize(MxFormat format, int code, uint8_t scale);

}  // namespace lpgen::ref
