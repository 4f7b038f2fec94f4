// The MX element formats (OCP Microscaling v1.0; ../shared/MX.md): the one table the MX
// generators and the runtime share. Plain data, no Halide.
//
// Packed layout per row: element codes densely packed (8-bit formats one per byte, FP6 four per
// three bytes, FP4 two per byte, least significant bits first), then, in a separate array, one
// E8M0 scale per block of 32 elements. K is padded with zero elements to a multiple of 32:
//
//   codes  [row][ K32 * bits / 8 ]     scales [row][ K32 / 32 ]
//   FP4:   byte i = e(2i) | e(2i+1) << 4
//   FP6:   bytes 3g..3g+2 = e(4g) | e(4g+1) << 6 | e(4g+2) << 12 | e(4g+3) << 18
#pragma once

namespace lpgen {

constexpr int kMxBlock = 32;

// Integer decodings too wide for int16 (E4M3 x 2^9 reaches 229376) are split in two int16
// planes, v = lo + hi * kMxPlaneUnit with hi rounded, so |lo| <= kMxPlaneUnit / 2.
constexpr int kMxPlaneBits = 12;
constexpr int kMxPlaneUnit = 1 << kMxPlaneBits;

enum class MxFormat : int { Fp8E4M3 = 0, Fp8E5M2, Fp6E3M2, Fp6E2M3, Fp4E2M1, Int8 };

struct MxFormatInfo {
    const char *name;
    int bits;          // bits per element code
    int exp_bits;      // 0 for int8
    int man_bits;      // mantissa bits (int8: 6 fraction bits of a two's complement value)
    int bias;
    int emax;          // subtracted from floor(log2(amax)) to get the shared exponent
    int max_exp_field; // largest exponent field of a finite value
    int max_man_at_max_exp;  // largest mantissa field with that exponent (E4M3: 6, 7 is NaN)
    bool has_inf_nan;  // E5M2: IEEE-style Inf and NaN; E4M3: NaN only (S.1111.111)
};

constexpr MxFormatInfo kMxFormats[] = {
    {"fp8_e4m3", 8, 4, 3, 7, 8, 15, 6, true},
    {"fp8_e5m2", 8, 5, 2, 15, 15, 30, 3, true},
    {"fp6_e3m2", 6, 3, 2, 3, 4, 7, 3, false},
    {"fp6_e2m3", 6, 2, 3, 1, 2, 3, 7, false},
    {"fp4_e2m1", 4, 2, 1, 1, 2, 3, 1, false},
    {"int8", 8, 0, 6, 0, 0, 0, 0, false},
};

constexpr const MxFormatInfo &mx_info(MxFormat f) { return kMxFormats[static_cast<int>(f)]; }

}  // namespace lpgen
