// Epilogues shared by every integer-accumulating generator: int32 out, fp32 out with scale/bias/
// clamp, and requantize to the codes of a bit-serial encoding for the next layer.
#pragma once

#include "Halide.h"
#include "bitserial_encoding.h"

namespace lpgen {

// Per-tensor scale and bias arrive as stride-0 views of one value: accept any stride.
template <typename Buffer>
void allow_broadcast(Buffer &scale, Buffer &bias) {
    scale.dim(0).set_stride(Halide::Expr());
    bias.dim(0).set_stride(Halide::Expr());
}

// fp32 = clamp(float(dot) * scale + bias, lo, hi). strict_float keeps the multiply and add
// separate, so the scalar reference reproduces every result bit for bit. A NaN (a NaN or
// infinite scale or bias) stays NaN: min/max would turn it into lo or hi on some ISAs only.
inline Halide::Expr fp32_epilogue(const Halide::Expr &dot, const Halide::Expr &scale,
                                  const Halide::Expr &bias, const Halide::Expr &lo,
                                  const Halide::Expr &hi) {
    using namespace Halide;
    Expr scaled = strict_float(cast<float>(dot) * scale + bias);
    return select(is_nan(scaled), scaled, clamp(scaled, lo, hi));
}

// The code (0 .. 2^bits-1) nearest y = x / scale (already formed in fp32) in `encoding`:
// unsigned and signed take round(y) + zero_point, ties to even, saturated to the range.
// Bipolar codes u stand for the odd levels 2u - (2^bits - 1) and ignore the zero point; the
// nearest odd level comes from floor(y), which is exact (forming (y + 2^bits - 1) / 2 in fp32
// rounds, and crossed to the level above just below even integers). An even integer y is a
// tie between y - 1 and y + 1, broken towards the even code. NaN quantizes as 0 on every ISA.
inline Halide::Expr requantize_code(const Halide::Expr &y, const Halide::Expr &bits,
                                    const Halide::Expr &encoding, const Halide::Expr &zero_point) {
    using namespace Halide;
    Expr levels = (cast<int32_t>(1) << bits) - 1;
    Expr half = cast<int32_t>(1) << (bits - 1);
    Expr number = select(is_nan(y), 0.0f, y);
    Expr rounded = cast<int32_t>(clamp(round(number), -2.0e9f, 2.0e9f));
    Expr unsigned_code = clamp(rounded + zero_point, 0, levels);
    Expr signed_code = clamp(rounded + zero_point, -half, half - 1) & levels;
    // Past +-512 every bipolar level (at most +-255) saturates, so the clamp changes no code.
    Expr bounded = clamp(number, -512.0f, 512.0f);
    Expr below = floor(bounded);
    Expr f = cast<int32_t>(below);
    Expr up = (f + levels + 1) >> 1;  // the code of f when f is odd, of f + 1 when f is even
    Expr tie = (bounded == below) && ((f & 1) == 0);
    Expr bipolar_code = clamp(select(tie, up & ~1, up), 0, levels);
    return select(encoding == static_cast<int>(Encoding::Bipolar), bipolar_code,
                  encoding == static_cast<int>(Encoding::Signed), signed_code, unsigned_code);
}

}  // namespace lpgen
