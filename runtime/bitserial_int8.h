// Bit-serial GEMMs through the int8 dot-product kernels: the second algorithm of the family.
//
// Popcount over bit-planes costs a * w passes; an int8 dot product (vpdpbusd, vpmaddubsw,
// smlal) costs one whatever the widths, so past a few planes it wins (the dispatch rule is in
// bitserial_int8.cpp, measured). Every encoding is affine in its code's unsigned reading u' (the
// code itself, with the top bit flipped for signed): value = s * u' + o, s = 1 (2 for bipolar),
// o from the encoding and the zero point. Each u' is stored as an int8 x = u' - c (c = 128 for
// 8-bit operands, 2^(bits-1) for signed weights, else 0), so
//     dot = s_a s_w sum(x_a x_w) + s_a B sum(x_a) + A s_w sum(x_w) + K A B,
//     A = s_a c_a + o_a, B = s_w c_w + o_w,
// and sum(x_a x_w) is an MXINT8 GEMM whose every block scale is 1: blocks are summed exactly in
// int32 and combined in fp32, exact while every partial sum stays below 2^24 (int8_dot_exact()
// checks K * max|x_a| * max|x_w| <= 2^24). The row and column sums and the epilogue are then
// applied in int64 and fp32 exactly as the popcount kernels do, so both algorithms give
// bit-identical results. Where A = B = 0 and s_a s_w = 1 the kernels' sums are the dot products
// and the kernels apply the fp32 epilogue themselves. On x86 activations below 8 bits reach the
// kernels as x itself rather than x + 128 (zero segment offsets), which keeps AVX2's int16 pairs
// exact against 8-bit weights.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "lpgen/bitserial.hpp"
#include "lpgen/mx.hpp"
#include "tuned_kernels.h"

namespace lpgen {

// Weights as the int8 path reads them, prepared once from their packed planes: GEMM weights
// [N][K] (one tap), or conv2d weights [OC][KH][KW][C] (a tap per kernel position).
struct Int8DotWeights {
    int rows = 0, taps = 1;  // N or OC; KH * KW
    Operand op;
    std::unique_ptr<MxWeights> mx;  // x_w as MXINT8 elements, every block scale 1
    std::vector<int64_t> tap_sums;  // [rows][taps]: sum over the tap's values of x_w
    // One segment per row for the int8 kernels (a conv2d's rows: every tap's channels):
    // -128 * each padded row's sum of x_w, and unit scales.
    std::vector<int32_t> row_offsets;
    std::vector<int32_t> zero_offsets;  // the same segments for activations stored without the +128
    std::vector<float> unit_scales;
};

std::unique_ptr<Int8DotWeights> prepare_int8_dot(const uint64_t *w, int n, int k, const Operand &w_op);
std::unique_ptr<Int8DotWeights> prepare_int8_dot_conv2d(const uint64_t *w, const Conv2dShape &s, const Operand &w_op);

// Built on first use, once, however many threads call (a weights handle holds one). A conv2d
// handle may serve both layouts: 1x1 unpadded calls run as GEMMs, padded ones as convolutions.
class Int8DotCache {
public:
    template <typename Make>
    const Int8DotWeights &gemm(Make &&make) {
        return get(gemm_, std::forward<Make>(make));
    }
    template <typename Make>
    const Int8DotWeights &conv2d(Make &&make) {
        return get(conv2d_, std::forward<Make>(make));
    }

private:
    struct Slot {
        std::once_flag once;
        std::unique_ptr<Int8DotWeights> weights;
    };
    template <typename Make>
    static const Int8DotWeights &get(Slot &slot, Make &&make) {
        std::call_once(slot.once, [&] { slot.weights = make(); });
        return *slot.weights;
    }
    Slot gemm_, conv2d_;
};

// The weights as the int8 path reads them: the cache's copy (made on first use), or, without a
// cache, one made for this call.
const Int8DotWeights &int8_weights(Int8DotCache *cache, const uint64_t *w, const GemmShape &s, const Operand &w_op);
const Int8DotWeights &int8_weights(Int8DotCache *cache, const uint64_t *w, const Conv2dShape &s, const Operand &w_op);

// Which algorithm serves a bit-serial GEMM: the measured rule, or one forced (tests, benchmarks).
void set_bitserial_algorithm(BitserialAlgorithm algorithm);
BitserialAlgorithm bitserial_algorithm();

// Forces a bit-serial algorithm for one scope and restores the one before it (the tuner's plan,
// tests of one algorithm's kernels).
class ForcedAlgorithm {
public:
    explicit ForcedAlgorithm(BitserialAlgorithm a) : before_(bitserial_algorithm()) { set_bitserial_algorithm(a); }
    ~ForcedAlgorithm() { set_bitserial_algorithm(before_); }
    ForcedAlgorithm(const ForcedAlgorithm &) = delete;
    ForcedAlgorithm &operator=(const ForcedAlgorithm &) = delete;

private:
    BitserialAlgorithm before_;
};

// The number of products in each output: k, or a conv2d's kernel_h * kernel_w * channels.
inline int64_t reduction_length(const GemmShape &s) { return s.k; }
inline int64_t reduction_length(const Conv2dShape &s) { return int64_t(s.kernel_h) * s.kernel_w * s.channels; }
// Whether the int8 kernels' fp32 sums over a reduction of length k are exact for these operands
// as they are (K * max|x_a| * max|x_w| <= 2^24).
bool int8_dot_exact(int64_t k, const Operand &a, const Operand &w);
// Whether the int8 path serves this call exactly: as it is, or with the activations split into
// digits whose sums are (8-bit activations and weights past K = 1024), where a kernel that sums
// whole rows takes the digits on this target.
bool int8_dot_serves(const GemmShape &s, const Operand &a, const Operand &w);
bool int8_dot_serves(const Conv2dShape &s, const Operand &a, const Operand &w);
// Whether it serves this call: exact, and either forced or faster by the measured rule.
bool use_int8_dot(const GemmShape &s, const Operand &a, const Operand &w);
bool use_int8_dot(const Conv2dShape &s, const Operand &a, const Operand &w);

// Whether the int8 path serves a call to the generic family `family` (bs_gemm_i32, bs_conv2d_f32,
// ...), in this order: the algorithm forced; a bundle's tuned choice for exactly this
// configuration and shape (register_algorithm); popcount where a bundle generated a kernel for
// it; else the measured rule. The int8 path also needs its operands exact in it and, unless
// forced, weights that come with a cache (else they would be made again in every call).
template <typename Shape>
bool takes_int8_dot(const char *family, const Shape &s, const Operand &a, const Operand &w, const Int8DotCache *cache) {
    const bool forced = bitserial_algorithm() != BitserialAlgorithm::Auto;
    if (!tuned_lookup_needed()) return (forced || cache != nullptr) && use_int8_dot(s, a, w);
    const BitserialConfig config = config_of(a, w, false);
    const BitserialAlgorithm registered = find_algorithm(configured_family(family, config), shape_key(s), kernels().isa);
    if (forced) return use_int8_dot(s, a, w);
    switch (registered) {
        case BitserialAlgorithm::Int8Dot: return cache != nullptr && int8_dot_serves(s, a, w);
        case BitserialAlgorithm::Popcount: return false;
        case BitserialAlgorithm::Auto: break;
    }
    return cache != nullptr && use_int8_dot(s, a, w) && !has_configured_kernel(family, config, s);
}

// A GEMM (out[m][n]) or a conv2d (out NHWC [N][OH][OW][OC], padded taps contributing exactly
// 0, as in the popcount kernels): int32, or fp32 through the epilogue. Arguments already
// validated; defined for GemmShape and Conv2dShape.
template <typename Shape>
const char *int8_dot(const Shape &s, const uint64_t *a, const Operand &a_op, const Int8DotWeights &w, int32_t *out);
template <typename Shape>
const char *int8_dot(const Shape &s, const uint64_t *a, const Operand &a_op, const Int8DotWeights &w,
                     const Fp32Epilogue &e, float *out);

}  // namespace lpgen
