// Element code k of a row of packed MX codes (layout in mx_formats.h), the definitions every MX
// generator shares, in two forms: unpack_code (32-bit operations; the width may be a runtime
// input) and packed_code (a known width in byte lanes, for the decode kernels).
#pragma once

#include <functional>

#include "Halide.h"

namespace lpgen {

// `byte_at(i)` reads byte i of the row as uint32; `bits` may be a constant (one width) or a
// runtime input (the select then picks the width).
inline Halide::Expr unpack_code(const std::function<Halide::Expr(Halide::Expr)> &byte_at, const Halide::Expr &bits,
                                const Halide::Expr &k) {
    using namespace Halide;
    Expr c8 = byte_at(k);
    Expr c4 = (byte_at(k / 2) >> cast<uint32_t>(4 * (k % 2))) & 0xF;
    Expr g = k / 4;
    Expr word = byte_at(3 * g) | (byte_at(3 * g + 1) << 8) | (byte_at(3 * g + 2) << 16);
    Expr c6 = (word >> cast<uint32_t>(6 * (k % 4))) & 0x3F;
    // A constant width builds only its own unpacking, so no read reaches past the row.
    if (const int64_t *width = Internal::as_const_int(bits)) {
        return cast<int32_t>(*width == 8 ? c8 : *width == 4 ? c4 : c6);
    }
    return cast<int32_t>(select(bits == 8, c8, bits == 4, c4, c6));
}

// The code as uint8 from 8-bit operations, so that it vectorizes across k in byte lanes.
// `byte_at(i)` reads byte i of the row as uint8.
inline Halide::Expr packed_code(const std::function<Halide::Expr(Halide::Expr)> &byte_at, int bits,
                                const Halide::Expr &k) {
    using namespace Halide;
    if (bits == 8) return byte_at(k);
    if (bits == 4) {
        Expr byte = byte_at(k / 2);
        return select(k % 2 == 0, byte & 0xF, byte >> 4);
    }
    // Four 6-bit codes in three bytes b0 b1 b2, least significant bits first.
    Expr g = 3 * (k / 4), j = k % 4;
    Expr b0 = byte_at(g), b1 = byte_at(g + 1), b2 = byte_at(g + 2);
    return select(j == 0, b0 & 0x3F, j == 1, (b0 >> 6) | ((b1 & 0xF) << 2), j == 2, (b1 >> 4) | ((b2 & 0x3) << 4),
                  b2 >> 2);
}

}  // namespace lpgen
