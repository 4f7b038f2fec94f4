// How a bit-serial operand's bit-planes map back to integers (DESIGN.md, "Encodings").
//
// Every encoding is affine in its bit-planes:
//     value(k) = sum_i plane_weight(i) * bit_i(k)  +  offset * valid(k)
// unsigned: weight 2^i, offset 0.  signed: the top plane weighs -2^(n-1), offset 0.
// bipolar:  weight 2^(i+1), offset -(2^n - 1)   (bit 1 -> +2^i, bit 0 -> -2^i).
// A zero point z is folded into the offset (offset - z), so the dot product of two operands is
//     sum_ij w_a(i) w_w(j) popcount(A_i & W_j) + off_w * S_a + off_a * S_w + off_a * off_w * n_valid
// where S_a, S_w are the plane-weighted popcounts of each operand over the valid positions.
// Padding bits are 0 and `valid` is 0 there, so padding contributes exactly nothing.
#pragma once

#include <map>
#include <string>

#include "Halide.h"

namespace lpgen {

enum class Encoding : int { Unsigned = 0, Signed = 1, Bipolar = 2 };

// The encoding a kernel is compiled for: a runtime input (Any), or one fixed at generation,
// which makes every plane weight and offset a constant (a bundle's kernel for the precision a
// user names; the runtime sends it only calls of that encoding).
enum class EncodingChoice : int { Any = -1, Unsigned = 0, Signed = 1, Bipolar = 2 };
inline const std::map<std::string, EncodingChoice> kEncodingChoices = {{"any", EncodingChoice::Any},
                                                                       {"unsigned", EncodingChoice::Unsigned},
                                                                       {"signed", EncodingChoice::Signed},
                                                                       {"bipolar", EncodingChoice::Bipolar}};

inline Halide::Expr encoding_of(EncodingChoice fixed, const Halide::Expr &runtime) {
    return fixed == EncodingChoice::Any ? runtime : Halide::Expr(static_cast<int>(fixed));
}

// A zero point the kernel was compiled without (the runtime sends it only calls whose zero
// point is 0) is the constant 0, so its correction terms vanish at compile time.
inline Halide::Expr zero_point_of(bool used, const Halide::Expr &runtime) {
    return used ? runtime : Halide::Expr(0);
}

// Weight of bit-plane `plane` of an operand with `bits` planes and encoding `encoding`.
inline Halide::Expr plane_weight(const Halide::Expr &plane, const Halide::Expr &bits,
                                 const Halide::Expr &encoding) {
    using namespace Halide;
    Expr magnitude = cast<int32_t>(1) << plane;
    Expr is_signed_top = (encoding == static_cast<int>(Encoding::Signed)) && (plane == bits - 1);
    return select(encoding == static_cast<int>(Encoding::Bipolar), magnitude * 2,
                  is_signed_top, -magnitude, magnitude);
}

// The per-valid-element offset of an operand, with its zero point folded in.
inline Halide::Expr operand_offset(const Halide::Expr &bits, const Halide::Expr &encoding,
                                   const Halide::Expr &zero_point) {
    using namespace Halide;
    Expr bipolar_offset = -((cast<int32_t>(1) << bits) - 1);
    return select(encoding == static_cast<int>(Encoding::Bipolar), bipolar_offset, 0) - zero_point;
}

// Whether an offset is the constant 0 (known at generation).
inline bool is_zero_offset(const Halide::Expr &offset) {
    return Halide::Internal::is_const_zero(Halide::Internal::simplify(offset));
}

// The bits of packed word `word` that hold values when a row has `count` of them: every bit
// but those past `count` in the last word. The offset corrections popcount whole activation
// words, so a caller's stray tail bits would count there; masked, they count nowhere.
inline Halide::Expr value_bits(const Halide::Expr &word, const Halide::Expr &count) {
    using namespace Halide;
    Expr tail = count % 64;
    Expr partial = (cast<uint64_t>(1) << cast<uint64_t>(tail)) - cast<uint64_t>(1);
    return select(word == (count - 1) / 64 && tail != 0, partial, UInt(64).max());
}

}  // namespace lpgen
