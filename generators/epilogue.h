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
// separate, so the scalar reference reproduces every result bit for bit.
inline Halide::Expr fp32_epilogue(const Halide::Expr &dot, const Halide::Expr &scale,
                                  const Halide::Expr &bias, const Halide::Expr &lo,
                                  const Halide::Expr &hi) {
    using namespace Halide;
    Expr scaled = strict_float(cast<float>(dot) * scale + bias);
    return clamp(scaled, lo, hi);
}

// The unsigned code (0 .. 2^bits-1) whose bit-planes represent round(y) + zero_point in
// `encoding`; bipolar codes u stand for 2u - (2^bits - 1). round() is ties-to-even.
inline Halide::Expr requantize_code(const Halide::Expr &y, const Halide::Expr &bits,
                                    const Halide::Expr &encoding, const Halide::Expr &zero_point) {
    using namespace Halide;
    Expr levels = (cast<int32_t>(1) << bits) - 1;
    Expr half = cast<int32_t>(1) << (bits - 1);
    Expr rounded = cast<int32_t>(clamp(round(y), -2.0e9f, 2.0e9f));
    Expr unsigned_code = clamp(rounded + zero_point, 0, levels);
    Expr signed_code = clamp(rounded + zero_point, -half, half - 1) & levels;
    Expr bipolar_code = clamp(cast<int32_t>(clamp(round((y + cast<float>(levels)) * 0.5f),
                                                  -2.0e9f, 2.0e9f)), 0, levels);
    return select(encoding == static_cast<int>(Encoding::Bipolar), bipolar_code,
                  encoding == static_cast<int>(Encoding::Signed), signed_code, unsigned_code);
}

}  // namespace lpgen
