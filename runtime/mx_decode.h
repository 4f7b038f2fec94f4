// Calls of the MX decode kernels over `rows` rows of `blocks` blocks of packed codes (the
// layout of generators/mx_formats.h), shared by the per-call activations and the once-per-handle
// weights.
#pragma once

#include <cstdint>

#include "mx_decode_tables.h"

namespace lpgen {

// mx_decode_i16: values (k, plane, row) = element * 2^shift in `planes` int16 planes: the
// format's own (1, or 2 for lo + 4096 hi), or 2 for any of them (hi = 0 where the values fit
// one plane: the kernels that take both operands as lo and hi); nan (block, row) = 1 for NaN
// blocks.
void decode_int16(const uint8_t *codes, const uint8_t *scales, MxFormat format, int rows, int blocks, int planes,
                  int16_t *values, uint8_t *nan);

// The int8 MX kernels take activations as element * 2^shift + this (uint8, for vpmaddubsw and
// vpdpbusd), and take it back through the weights' per-block offsets, -this * (block sum).
constexpr int kMxI8ActivationOffset = 128;

// The E8M0 scale of 2^0: a conv's padded taps are zero elements at this scale.
constexpr uint8_t kMxUnitScale = 127;

// mx_decode_i8: values (k, row) = element * 2^shift + offset as uint8; block_scales (block, row)
// = 2^(E8M0 - 127 - scale_shift), NaN for 0xFF.
void decode_int8(const uint8_t *codes, const uint8_t *scales, MxFormat format, int rows, int blocks, int offset,
                 int scale_shift, uint8_t *values, float *block_scales);

}  // namespace lpgen
