// Per-format decode tables the MX kernels read (code -> value * 2^shift, value, NaN/Inf flag),
// and which fast path a format's integer decoding fits.
#pragma once

#include <array>
#include <cstdint>

#include "generators/mx_formats.h"

namespace lpgen {

struct MxDecodeTables {
    int shift;  // value * 2^shift is an integer for every code; -1 where none is (E5M2)
    int int16_planes;  // int16 planes that hold value * 2^shift: 1, 2 (lo + 4096 hi) or 0 (none)
    bool fits_int8;    // value * 2^shift within int8 and no NaN/Inf codes
    int64_t max_magnitude;       // largest |value * 2^shift| of a finite code
    std::array<int32_t, 256> integer{};
    std::array<float, 256> real{};
    std::array<int32_t, 256> special{};
};

const MxDecodeTables &mx_tables(MxFormat format);

}  // namespace lpgen
