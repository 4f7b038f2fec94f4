// What both MX GEMM generators do with a block sum and with the finished dot product.
#pragma once

#include "Halide.h"

namespace lpgen {

// 2^x as fp32, exact for -126 <= x <= 127.
inline Halide::Expr pow2(const Halide::Expr &x) {
    using namespace Halide;
    return reinterpret<float>(cast<uint32_t>(clamp(x, -126, 127) + 127) << 23);
}

// 2^x as fp32, exact for -149 <= x <= 127, subnormals included (an E8M0 scale of 0x00 is 2^-127).
inline Halide::Expr exact_pow2(const Halide::Expr &x) {
    using namespace Halide;
    Expr subnormal = reinterpret<float>(cast<uint32_t>(1) << cast<uint32_t>(clamp(x + 149, 0, 22)));
    return select(x >= -126, pow2(x), subnormal);
}

// block * 2^exponent in fp32 (exponent = both E8M0 scales - 254 - the decodings' shifts): one
// rounding of the block, then two power-of-two factors that each stay normal; NaN blocks NaN.
inline Halide::Expr scaled_block(const Halide::Expr &block, const Halide::Expr &exponent, const Halide::Expr &is_nan_block) {
    using namespace Halide;
    Expr half = exponent / 2;
    Expr value = strict_float(cast<float>(block) * pow2(half) * pow2(exponent - half));
    return select(is_nan_block, cast<float>(NAN), value);
}

// The same value, block * 2^(exponents of both scales): `a_scale` and `w_scale` are the two
// powers of two (NaN for NaN blocks), each precomputed once per block and row or column. The
// smaller goes first, so the first product is exact: at most 1, it cannot overflow, and no
// smaller than 2^-149 (block is an integer), it loses no bit to underflow; above 1 both are,
// and an overflow of the first is an overflow of the result. The second product is then the
// one rounding. NaN scales make NaN (a comparison with NaN is false: the NaN goes second, or
// first where a_scale is NaN). Cheaper per output than scaled_block(): no exponent arithmetic.
inline Halide::Expr scaled_block_by(const Halide::Expr &block, const Halide::Expr &a_scale,
                                    const Halide::Expr &w_scale) {
    using namespace Halide;
    Expr w_first = w_scale < a_scale;
    Expr first = select(w_first, w_scale, a_scale), second = select(w_first, a_scale, w_scale);
    return strict_float(cast<float>(block) * first * second);
}

// The fp32 epilogue for MX results: clamp() would turn NaN into a bound (max/min return the
// number), so NaN results stay NaN.
inline Halide::Expr mx_epilogue(const Halide::Expr &dot, const Halide::Expr &scale, const Halide::Expr &bias,
                                const Halide::Expr &lo, const Halide::Expr &hi) {
    using namespace Halide;
    Expr y = strict_float(dot * scale + bias);
    return select(is_nan(y), y, clamp(y, lo, hi));
}

}  // namespace lpgen
