// Element code k of a row of packed MX codes (layout in mx_formats.h), the one definition the
// dequantize and GEMM generators share. `byte_at(i)` reads byte i of the row as uint32; `bits`
// may be a constant (one width) or a runtime input (the select then picks the width).
#pragma once

#include <functional>

#include "Halide.h"

namespace lpgen {

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

// Code k of `row` in a (byte, row) buffer of packed codes, for decode kernels whose schedule
// specializes on `bits` so that each width reads only its own bytes (no clamped reads).
template <typename Codes>
Halide::Expr unpack_row_code(const Codes &codes, const Halide::Expr &bits, const Halide::Expr &k,
                             const Halide::Expr &row) {
    using namespace Halide;
    auto at = [&](const Expr &i) { return cast<uint32_t>(codes(i, row)); };
    return clamp(unpack_code(at, bits, k), 0, 255);
}

}  // namespace lpgen
