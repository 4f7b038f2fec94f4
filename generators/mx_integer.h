// Integer decodings of MX element codes, for the decode kernels of the int8 and int16 GEMMs:
// element * 2^shift with the smallest shift that makes every element of the format an integer
// (FP4 1, FP6 E2M3 3, FP6 E3M2 4, FP8 E4M3 9, INT8 6). Computed with shifts and selects in
// narrow lanes rather than looked up, because a table lookup per element is a scalar gather on
// x86 and ARMv8.0 (the generic kernels still use runtime/mx_decode_tables.cpp's tables).
// tests/mx_decode_test.cpp compares the decode kernels with the reference codec on every code.
#pragma once

#include "Halide.h"
#include "mx_formats.h"

namespace lpgen {

// Whether `code` (uint8) is a NaN element: E4M3's S.1111.111 (E5M2 has no integer decoding).
inline Halide::Expr is_nan_code(const Halide::Expr &code, const MxFormatInfo &f) {
    if (!f.has_inf_nan) return Halide::Internal::const_false();
    return (code & 0x7F) == 0x7F;
}

// element * 2^shift of format f's `code` (uint8) in lanes of `type`: INT8 codes are the two's
// complement value; a minifloat's magnitude is m where the exponent field e is 0, else
// (2^M + m) << (e - 1), then its sign. NaN codes give 0 (the kernels flag them apart). In an
// unsigned type the result is the value modulo 2^bits (what the int8 kernels store).
inline Halide::Expr integer_element(const Halide::Expr &code, const MxFormatInfo &f, const Halide::Type &type) {
    using namespace Halide;
    if (f.exp_bits == 0) return cast(type, reinterpret<int8_t>(code));
    Expr c = cast(type, code);
    Expr m = c & ((1 << f.man_bits) - 1);
    Expr e = (c >> f.man_bits) & ((1 << f.exp_bits) - 1);
    Expr normal = m + (1 << f.man_bits);
    Expr magnitude;
    if (f.exp_bits <= 3) {  // a few selects in the narrow lanes
        magnitude = m;
        for (int field = 1; field < (1 << f.exp_bits); ++field) {
            magnitude = select(e == field, normal << (field - 1), magnitude);
        }
    } else {  // E4M3: a per-lane shift (32-bit lanes have one)
        magnitude = select(e == 0, m, normal << cast(type.with_code(Type::UInt), max(e, 1) - 1));
    }
    Expr value = select((c >> (f.bits - 1)) == 1, -magnitude, magnitude);
    return select(is_nan_code(code, f), Halide::Internal::make_zero(type), value);
}

}  // namespace lpgen
