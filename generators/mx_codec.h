// Exact MX element encode/decode as integer arithmetic on fp32 bit patterns (MX.md rules).
//
// Integer arithmetic, not float multiplies, because the E8M0 scale 0x00 is 2^-127, an fp32
// subnormal: ARMv7 NEON flushes subnormals to zero, and a float multiply by the scale would
// round twice where the result is subnormal. Every step below is exact on every target.
#pragma once

#include "Halide.h"
#include "mx_formats.h"

namespace lpgen {

// floor(log2(v)) for v > 0 given as (significand, exponent): v = sig * 2^exp.
inline Halide::Expr floor_log2(const Halide::Expr &sig, const Halide::Expr &exp) {
    using namespace Halide;
    return (31 - cast<int32_t>(count_leading_zeros(cast<uint32_t>(sig)))) + exp;
}

// An fp32 value's magnitude as an integer significand and power of two: |x| = sig * 2^exp.
struct Fp32Parts {
    Halide::Expr sign, sig, exp;
};

inline Fp32Parts fp32_parts(const Halide::Expr &bits) {
    using namespace Halide;
    Expr biased = cast<int32_t>((bits >> 23) & 0xFF);
    Expr mantissa = bits & 0x7FFFFF;
    return {bits >> 31, select(biased == 0, mantissa, mantissa | 0x800000),
            select(biased == 0, -149, biased - 150)};
}

// The shared exponent of a block from the bits of its largest magnitude (nonzero, finite).
inline Halide::Expr shared_exponent(const Halide::Expr &amax_bits, const MxFormatInfo &f) {
    using namespace Halide;
    Fp32Parts p = fp32_parts(amax_bits);
    return clamp(floor_log2(p.sig, p.exp) - f.emax, -127, 127);
}

// sig >> shift rounded to nearest, ties to even; shift may be <= 0 (exact) or >= 32 (zero).
inline Halide::Expr shift_round_even(const Halide::Expr &sig, const Halide::Expr &shift) {
    using namespace Halide;
    Expr s = clamp(shift, 1, 31);
    Expr kept = sig >> cast<uint32_t>(s);
    Expr rest = sig & ((cast<uint32_t>(1) << cast<uint32_t>(s)) - 1);
    Expr half = cast<uint32_t>(1) << cast<uint32_t>(s - 1);
    Expr rounded = kept + select(rest > half || (rest == half && (kept & 1) == 1), cast<uint32_t>(1), cast<uint32_t>(0));
    return select(shift <= 0, sig << cast<uint32_t>(clamp(-shift, 0, 8)), shift >= 32, cast<uint32_t>(0), rounded);
}

// The code of finite fp32 `bits` divided by 2^e (e the block's shared exponent), rounded to
// nearest even, keeping subnormals and saturating to the largest finite value.
inline Halide::Expr encode_element(const Halide::Expr &bits, const Halide::Expr &e, const MxFormatInfo &f) {
    using namespace Halide;
    Fp32Parts p = fp32_parts(bits);
    Expr scaled_exp = p.exp - e;  // |x| / 2^e = sig * 2^scaled_exp
    if (f.exp_bits == 0) {
        // INT8: two's complement multiples of 2^-man_bits, symmetric range +-127.
        Expr magnitude = shift_round_even(p.sig, -f.man_bits - scaled_exp);
        Expr saturated = select(-f.man_bits - scaled_exp < -7, 127, min(cast<int32_t>(magnitude), 127));
        Expr value = select(p.sign == 1, -saturated, saturated);
        return cast<uint8_t>(value & 0xFF);
    }
    const int min_normal_exp = 1 - f.bias;
    // Quantum of the result: 2^(exponent - M) in the normal range, 2^(1 - bias - M) below it.
    Expr value_exp = select(p.sig == 0, min_normal_exp, floor_log2(p.sig, scaled_exp));
    Expr quantum = max(value_exp, min_normal_exp) - f.man_bits;
    Expr rounded = shift_round_even(p.sig, quantum - scaled_exp);
    // A carry out of the mantissa moves to the next binade.
    Expr carried = rounded >= cast<uint32_t>(2 << f.man_bits);
    rounded = select(carried, rounded >> 1, rounded);
    quantum = select(carried, quantum + 1, quantum);
    Expr is_normal = rounded >= cast<uint32_t>(1 << f.man_bits);
    Expr exp_field = select(is_normal, quantum + f.man_bits + f.bias, 0);
    Expr man_field = cast<int32_t>(select(is_normal, rounded - cast<uint32_t>(1 << f.man_bits), rounded));
    Expr overflow = exp_field > f.max_exp_field || (exp_field == f.max_exp_field && man_field > f.max_man_at_max_exp);
    exp_field = select(overflow, f.max_exp_field, exp_field);
    man_field = select(overflow, f.max_man_at_max_exp, man_field);
    Expr code = (cast<int32_t>(p.sign) << (f.bits - 1)) | (exp_field << f.man_bits) | man_field;
    return cast<uint8_t>(code);
}

// fp32 bits of element `code` times 2^e (e in -127..127); NaN for the scale 0xFF (e = 128) and
// for NaN codes, +-Inf for E5M2 infinities and for products past the fp32 range.
inline Halide::Expr decode_element(const Halide::Expr &code_in, const Halide::Expr &e, const MxFormatInfo &f) {
    using namespace Halide;
    Expr code = cast<int32_t>(code_in);
    Expr sign, sig, exp;  // value = (-1)^sign * sig * 2^exp
    Expr special = cast<bool>(false), special_bits = cast<uint32_t>(0);
    if (f.exp_bits == 0) {
        Expr v = select(code >= 128, code - 256, code);
        sign = cast<uint32_t>(v < 0);
        sig = cast<uint32_t>(abs(v));
        exp = Expr(-f.man_bits);
    } else {
        Expr exp_field = (code >> f.man_bits) & ((1 << f.exp_bits) - 1);
        Expr man_field = code & ((1 << f.man_bits) - 1);
        sign = cast<uint32_t>((code >> (f.bits - 1)) & 1);
        sig = cast<uint32_t>(select(exp_field == 0, man_field, man_field | (1 << f.man_bits)));
        exp = select(exp_field == 0, 1, exp_field) - f.bias - f.man_bits;
        const int all_ones = (1 << f.exp_bits) - 1;
        if (f.has_inf_nan && f.exp_bits == 5) {  // E5M2: IEEE-style
            special = exp_field == all_ones;
            special_bits = select(man_field == 0, cast<uint32_t>(0x7F800000), cast<uint32_t>(0x7FC00000));
        } else if (f.has_inf_nan) {  // E4M3: only S.1111.111 is NaN
            special = exp_field == all_ones && man_field == (1 << f.man_bits) - 1;
            special_bits = cast<uint32_t>(0x7FC00000);
        }
    }
    Expr total_exp = exp + e;
    Expr top = floor_log2(sig, total_exp);  // unbiased exponent of the result
    Expr normal_shift = 23 - (31 - cast<int32_t>(count_leading_zeros(sig)));
    Expr normal_bits = (cast<uint32_t>(top + 127) << 23) | ((sig << cast<uint32_t>(normal_shift)) & 0x7FFFFF);
    // Below 2^-126: an fp32 subnormal, sig * 2^(total_exp + 149), exact for every format.
    Expr subnormal_bits = sig << cast<uint32_t>(clamp(total_exp + 149, 0, 31));
    Expr magnitude = select(sig == 0, cast<uint32_t>(0), top > 127, cast<uint32_t>(0x7F800000), top >= -126,
                            normal_bits, subnormal_bits);
    magnitude = select(special, special_bits, magnitude);
    Expr bits = (sign << 31) | magnitude;
    return select(e == 128, cast<uint32_t>(0x7FC00000), special && special_bits == 0x7FC00000, special_bits, bits);
}

}  // namespace lpgen
