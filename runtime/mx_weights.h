// What MxWeights holds: the runtime's side of the handle (runtime/mx_weights.cpp fills it).
#pragma once

#include <mutex>
#include <vector>

#include "huge_page_allocator.h"
#include "lpgen/mx.hpp"

namespace lpgen {

// The widest column tile of the int8 kernel's knob space (16 lanes x 4 vectors).
constexpr int kMxRowPadding = 64;
// Fewer rows than this take the int8 GEMV kernels.
constexpr int kMxGemvRows = 4;

// The int8 and int16 kernels' column count for n weight rows (room for a guarded tile, and an
// odd number of cache lines per row of k-quads).
int mx_padded_columns(int n);
// Whether weights of int8 element values get the int8 fast path's operands (quads) on this
// build's target: not where the vector unit flushes subnormal scales (ARMv7 NEON).
bool mx_int8_weights_supported();

struct MxWeights::Prepared {
    MxFormat format;
    int rows = 0;         // N (GEMM) or OC (conv2d)
    int k = 0;            // logical K of a GEMM row; for conv2d KH*KW*C32
    int blocks = 0;       // per row
    int kernel_h = 0, kernel_w = 0, channels = 0;  // conv2d geometry; 0 for GEMM weights
    std::vector<uint8_t> codes, scales;            // [rows][blocks * 32 * bits / 8], [rows][blocks]
    // The fast paths' weights have `padded_rows` columns, the real ones then zeros: at least one
    // kMxRowPadding more, so a kernel's column tiles never read past them (and an odd number of
    // cache lines per row of k-quads or k-pairs: runtime/mx_weights.cpp).
    int padded_rows = 0;
    // The int8 fast path's operands; empty when the format or a scale rules it out.
    std::vector<int8_t, HugePageAllocator<int8_t>> quads;  // (kk, n, kq): element * 2^shift at k = 4 kq + kk
    std::vector<int32_t> offsets;       // (n, block): -128 * the block's sum
    std::vector<float> block_scales;    // (n, block): 2^(E8M0 - 127), NaN for 0xFF

    bool has_int8() const { return !quads.empty(); }

    // The int16 path's weights, decoded on first use (thread-safe): (kk, n, kp) element * 2^shift
    // at k = 2 kp + kk, and (n, block) E8M0 scales, -1 for NaN blocks (scale 0xFF or a NaN/Inf
    // element). As int16, or as int8 for the kernels that take activations in two planes (their
    // weights always fit: runtime/mx_gemm.cpp), which halves a GEMV's weight stream.
    template <typename T>
    struct PairWeights {
        std::vector<T, HugePageAllocator<T>> pairs;
        std::vector<int32_t> exps;
    };
    const PairWeights<int16_t> &int16_pairs() const;
    const PairWeights<int8_t> &int8_pairs() const;
    // The same in two planes, lo and hi (v = lo + 4096 hi, hi = 0 where the values fit one
    // plane), for the kernels that take both operands so: hi's pairs at kp = K/2 + k/2.
    const PairWeights<int16_t> &int16_lo_hi() const;

    // The generic kernel's weights, decoded on first use: (k, n) with n innermost, each
    // element's value * 2^shift as int32 (empty for E5M2, which has no integer decoding) and
    // its fp32 value; (block, n) NaN flags (scale 0xFF or a NaN/Inf element).
    struct Generic {
        std::vector<int32_t, HugePageAllocator<int32_t>> ints;
        std::vector<float, HugePageAllocator<float>> reals;
        std::vector<uint8_t> nan;
    };
    const Generic &generic() const;

private:
    template <typename T>
    void fill_pairs(PairWeights<T> &out, int planes) const;

    mutable std::once_flag int16_once_, int8_pairs_once_, lo_hi_once_, generic_once_;
    mutable PairWeights<int16_t> int16_pairs_, lo_hi_;
    mutable PairWeights<int8_t> int8_pairs_;
    mutable Generic generic_;
};

// Which kernel family runs an MX GEMM (tests force each to compare their bits).
enum class MxPath { Fastest, Int8, Int16, Generic };

// One call's activations: `rows` packed MX rows of w.blocks blocks, or, where `windows` is set,
// a conv2d's packed MX input pixels, whose windows (conv_windows.h) are the `rows` GEMM rows.
struct MxActivations {
    MxFormat format;
    const uint8_t *codes, *scales;
    int rows;
    const Conv2dShape *windows = nullptr;
};

// out[a.rows][w.rows]. Arguments already validated.
const char *run_mx_gemm(MxPath path, const MxActivations &a, const MxWeights::Prepared &w,
                        const Fp32Epilogue &epilogue, float *out);

// The same for m packed MX rows.
inline const char *run_mx_gemm(MxPath path, int m, const uint8_t *a_codes, const uint8_t *a_scales,
                               MxFormat a_format, const MxWeights::Prepared &w, const Fp32Epilogue &epilogue,
                               float *out) {
    return run_mx_gemm(path, MxActivations{a_format, a_codes, a_scales, m}, w, epilogue, out);
}

}  // namespace lpgen
