// lpgen C++ entry points for low-bit LLM weights: 1-4-bit or ternary weights with a scale per
// group of G in {32, 64, 128} along K, times fp32 activations quantized inside the call to int8
// with a scale per row (per token) or per block of 32 along K.
//
// Numbers (what every kernel computes, bit for bit):
//   activations: s = max|x| / 127 over the row (or its 32-block), q = clamp(rint(x * (127 /
//     max|x|)), -127, 127), s = 0 and q = 0 for an all-zero row or block;
//   weight values: v = code - zero_point (unsigned, a zero point per group), v = the code's
//     two's-complement value (signed), v = code - 1 for ternary codes {0, 1, 2} ({-1, 0, +1});
//   out[m][n] = bias[n] + sum over segments b of K, in order, of
//               (float(sum over the segment's k of q * v) * group_scale[n][b*S/G]) * s[m][b*S]
//   where a segment is a group (S = G) when the activations have one scale per row, else a
//   32-block (S = 32); the integer sums exact (at most 128 * 127 * 15 in magnitude), every fp32
//   operation rounded once in that order, so results are the same for every kernel, thread
//   count and ISA (ARMv7 flushes subnormal intermediate products to zero). Against the exact
//   product of the dequantized operands the error is that of 2 roundings per segment plus one
//   per addition.
// Bad arguments throw lpgen::Error and write nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "lpgen/bitserial.hpp"

namespace lpgen {

enum class LowbitKind { Signed, Unsigned, Ternary };
enum class ActivationScaling { PerRow, PerBlock32 };

struct LowbitFormat {
    int bits = 4;  // 1 to 4; ternary: 2 (codes 0, 1, 2)
    LowbitKind kind = LowbitKind::Signed;
    int group = 32;  // weights per scale along K: 32, 64 or 128
};

// Scales per weight row: ceil(k / group) (a last group shorter than the others is fine).
int lowbit_groups(int k, int group);

// Weights prepared once from codes [N][K] (one code per byte, in the low `bits` bits), fp32
// scales [N][groups] and, for unsigned codes only, zero points [N][groups]. The handle keeps
// the codes densely packed (ternary five to a byte, 1.6 bits each; others `bits` each) and the
// int8 kernels' layout. Copies are cheap (shared, immutable).
class LowbitWeights {
public:
    LowbitWeights(int n, int k, LowbitFormat format, const uint8_t *codes, size_t code_count, const float *scales,
                  size_t scale_count, const uint8_t *zero_points = nullptr, size_t zero_point_count = 0);

    int rows() const;
    int k() const;
    LowbitFormat format() const;
    // The codes as given, [N][K], from the packed copy.
    void codes(uint8_t *out, size_t count) const;
    // Bytes of the packed codes.
    size_t packed_bytes() const;

    struct Prepared;
    const Prepared &prepared() const { return *prepared_; }

private:
    std::shared_ptr<const Prepared> prepared_;
};

// out[M][N] (fp32) from a[M][K] (fp32, finite) against the weights; bias[N] or null (count 0).
// Returns the name of the kernel that ran.
const char *lowbit_gemm(const GemmShape &shape, const float *a, size_t a_count, ActivationScaling scaling,
                        const LowbitWeights &w, const float *bias, size_t bias_count, float *out, size_t out_count);

}  // namespace lpgen
