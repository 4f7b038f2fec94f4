// lowbit_gemm: fp32 activations quantized to int8 in the call, then, for a few rows (decode),
// the packed low-bit GEMV (generators/lowbit_gemv_generator.cpp), else the MX int8 GEMMs with
// fp32 group scales in place of E8M0 powers of two (the kernels scale each segment's exact sum
// as (sum * weight scale) * activation scale and add the segments in order, whatever their
// scales are). A segment is a group where the activations have one scale per row (so a group
// of 128 costs one scaling, not four), else a 32-block. Weights at most 15 in magnitude and
// activations at most 127 keep every variant exact: vpdpbusd, AVX2's vpmaddubsw pairs
// (2 * 255 * 15 < 2^15), and ARM's int16 lane sums of 8 products (8 * 127 * 15 < 2^15); on AVX2
// the narrow kernel too where 16 * 255 * |w| < 2^15.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "halide_call.h"
#include "kernel_table.h"
#include "lowbit.h"
#include "mx_decode.h"
#include "mx_weights.h"
#include "parallel.h"
#include "tuned_kernels.h"
#include "validate.h"
#include "x86_clones.h"

namespace lpgen {
namespace {

constexpr int kActivationMax = 127;

// The quantization loops below are compiled for AVX-512 and AVX2 beside the baseline
// (x86_clones.h): on SSE2 alone they run 4-6x slower (1024x1024 per row on a Zen 4: 1.15 ms
// baseline, 0.35 AVX2, 0.2 AVX-512), a tenth of a 2-bit GEMM's time.

// Fewer rows take the GEMV kernel, which streams the packed fields once per row; more take the
// GEMM on the int8 copy. Measured on a Xeon (AVX-512 VNNI), 8x4096x4096: 2-bit fields 147 GOPS
// by GEMV against 78 by GEMM, 4-bit fields 80 against 87; so 2-bit (and 1-bit, ternary) fields
// keep the GEMV to 15 rows, 4-bit ones (3- and 4-bit codes) to 3, as MX calls do.
int gemv_rows(int field_bits) { return field_bits <= 2 ? 16 : 4; }

// The largest |x| of finite values, by an integer max over the bits without their sign: for
// finite floats that order is the order of |x|, and unlike a float max it vectorizes without
// fast-math. (NaN would compare above Inf; check_finite has refused both before this runs.)
inline float largest_magnitude(const float *x, int count) {
    uint32_t largest = 0;
    for (int i = 0; i < count; ++i) {
        uint32_t bits;
        std::memcpy(&bits, x + i, sizeof bits);
        largest = std::max(largest, bits & 0x7fffffffu);
    }
    float result;
    std::memcpy(&result, &largest, sizeof result);
    return result;
}

// x * inverse rounded to the nearest integer, ties to even (as std::nearbyint in the default
// rounding mode, which the reference uses), clamped to +-127 and offset. Adding and removing
// 1.5 * 2^23 rounds any |v| < 2^22 to an integer in the float unit itself, so the loop
// vectorizes; nearbyint is a libm call per element. Bit-identical to the nearbyint form.
inline void quantize_span(const float *x, int count, float inverse, int offset, uint8_t *q) {
    constexpr float kRounder = 12582912.0f;
    const float top = float(kActivationMax);
    for (int i = 0; i < count; ++i) {
        const float r = (x[i] * inverse + kRounder) - kRounder;
        q[i] = uint8_t(int(std::min(top, std::max(-top, r))) + offset);
    }
}

// Rows [begin, end) of a[.][k] as the kernel's activations: q + offset (k padded to whole
// blocks with the value 0) and a scale per segment of `segment_blocks` blocks (segments lie
// inside a scaling span: a row, or one block). The GEMMs read q + 128 as uint8, the GEMV q as
// int8 (offset 0).
LPGEN_X86_CLONES void quantize_rows(const float *a, int k, int blocks, int segment_blocks, ActivationScaling scaling,
                                    int begin, int end, int offset, uint8_t *values, float *scales) {
    const int k32 = blocks * kMxBlock, segments = blocks / segment_blocks;
    const bool per_row = scaling == ActivationScaling::PerRow;
    const int span = per_row ? k : kMxBlock;
    for (int m = begin; m < end; ++m) {
        const float *row = a + size_t(m) * k;
        uint8_t *q = values + size_t(m) * k32;
        float *row_scales = scales + size_t(m) * segments;
        std::fill(row_scales, row_scales + segments, 0.0f);  // the padding's blocks
        for (int start = 0; start < k; start += span) {
            const int stop = std::min(k, start + span);
            const float largest = largest_magnitude(row + start, stop - start);
            const float inverse = largest > 0 ? kActivationMax / largest : 0.0f;
            quantize_span(row + start, stop - start, inverse, offset, q + start);
            const float scale = largest / kActivationMax;
            if (per_row) std::fill(row_scales, row_scales + segments, scale);
            else row_scales[start / kMxBlock / segment_blocks] = scale;
        }
        for (int i = k; i < k32; ++i) q[i] = uint8_t(offset);
    }
}

// Whether every value is finite: an exponent of all ones is Inf or NaN. A branch-free pass
// (vectorized), then a search for the first culprit only when there is one.
LPGEN_X86_CLONES bool all_finite(const float *a, size_t count) {
    uint32_t infinite = 0;
    for (size_t i = 0; i < count; ++i) {
        uint32_t bits;
        std::memcpy(&bits, a + i, sizeof bits);
        infinite |= uint32_t((bits & 0x7f800000u) == 0x7f800000u);
    }
    return infinite == 0;
}

void check_finite(const float *a, size_t count) {
    if (all_finite(a, count)) return;
    for (size_t i = 0; i < count; ++i) {
        if (!std::isfinite(a[i])) fail("activation " + std::to_string(i) + " is not finite (NaN or Inf)");
    }
}

const Kernel<MxGemmI8Fn> &gemm_kernel(const KernelSet &set, int w_max) {
    if (mx_i8_narrow_kernel_takes(set, kActivationMax, w_max)) return set.mx_gemm_i8_narrow;
    return set.mx_gemm_i8;
}

const Kernel<LowbitGemvFn> &gemv_kernel(const KernelSet &set, int field_bits) {
    return field_bits == 1 ? set.lowbit_gemv_w1 : field_bits == 2 ? set.lowbit_gemv_w2 : set.lowbit_gemv_w4;
}

}  // namespace

const char *lowbit_gemm(const GemmShape &s, const float *a, size_t a_count, ActivationScaling scaling,
                        const LowbitWeights &weights, const float *bias, size_t bias_count, float *out,
                        size_t out_count) {
    const LowbitWeights::Prepared &w = weights.prepared();
    check_positive(s.m, "shape.m");
    check_positive(s.n, "shape.n");
    check_positive(s.k, "shape.k");
    LPGEN_REQUIRE(s.n == w.rows && s.k == w.k, "shape n=" + std::to_string(s.n) + " k=" + std::to_string(s.k) +
                                                   " does not match the weights' n=" + std::to_string(w.rows) +
                                                   " k=" + std::to_string(w.k));
    if (scaling != ActivationScaling::PerRow && scaling != ActivationScaling::PerBlock32) {
        fail_unsupported("activation scaling " + std::to_string(int(scaling)) + " is not per row or per 32-block");
    }
    const size_t a_needed = checked_product({size_t(s.m), size_t(s.k)}, "activations");
    check_buffer(a, a_count, a_needed, "activations");
    if (bias != nullptr || bias_count != 0) check_buffer(bias, bias_count, size_t(s.n), "bias");
    check_buffer(out, out_count, checked_product({size_t(s.m), size_t(s.n)}, "output"), "output");
    // Before any thread quantizes or writes: a bad value found by one slice would leave the
    // others' rows written (one read of M x K, against the call's M x N x K).
    check_finite(a, a_needed);

    // One scale per row: each group's products summed exactly, then scaled once; else per block.
    const int group_blocks = w.format.group / kMxBlock;
    const int segment_blocks = scaling == ActivationScaling::PerRow ? group_blocks : 1;
    const int blocks = w.blocks, k32 = blocks * kMxBlock, segments = blocks / segment_blocks;
    std::vector<uint8_t> values(size_t(s.m) * k32);
    std::vector<float> segment_scales(size_t(s.m) * segments);
    // The kernels compute at least kMxRowPadding columns: narrower outputs go through a copy.
    const int cols = std::max(s.n, kMxRowPadding);
    std::vector<float> wide_out(cols > s.n ? size_t(s.m) * cols : 0);
    float *target = cols > s.n ? wide_out.data() : out;
    std::vector<float> bias_values(cols, 0.0f);
    for (int n = 0; n < s.n && bias != nullptr; ++n) bias_values[n] = bias[n];
    const float one = 1.0f;
    auto scale_view = per_channel_view(&one, 1, cols);
    auto bias_view = dense_view(static_cast<const float *>(bias_values.data()), {cols});
    auto av = dense_view(static_cast<const uint8_t *>(values.data()), {k32, s.m});
    auto as = dense_view(static_cast<const float *>(segment_scales.data()), {segments, s.m});
    auto wq = dense_view(w.quads.data(), {4, w.padded_rows, k32 / 4});
    auto q_view = dense_view(reinterpret_cast<const int8_t *>(values.data()), {k32, s.m});
    auto wf = dense_view(w.fields.data(), {4, kLowbitGemvTile, k32 / 4 / (8 / w.field_bits), w.tiles});
    // Uniform zeros: one tile's row for every group and tile.
    const int zero_group_stride = w.uniform_zero ? 0 : kLowbitGemvTile;
    const halide_dimension_t zero_dims[] = {{0, kLowbitGemvTile, 1},
                                            {0, w.groups, zero_group_stride},
                                            {0, w.tiles, zero_group_stride * w.groups}};
    View<const int8_t> wz(w.zeros.data(), 3, zero_dims);
    auto wg = dense_view(w.group_scales.data(), {kLowbitGemvTile, w.groups, w.tiles});
    const bool by_group = segment_blocks > 1;
    auto wo = dense_view((by_group ? w.group_offsets : w.block_offsets).data(), {w.padded_rows, segments});
    auto ws = dense_view((by_group ? w.column_group_scales : w.block_scales).data(), {w.padded_rows, segments});
    auto out_view = dense_view(target, {cols, s.m});
    const KernelSet &set = kernels();
    const bool gemv = s.m < gemv_rows(w.field_bits);
    // Decode (a few rows) streams the packed fields; larger M reads the int8 copy, whose
    // unpacking the GEMM's register tile amortises over its rows.
    const Kernel<MxGemmI8Fn> gemm = tuned_or(gemm_kernel(set, lowbit_max_value(w.format)), s);
    const Kernel<LowbitGemvFn> &packed_gemv = gemv_kernel(set, w.field_bits);
    const float inf = std::numeric_limits<float>::infinity();
    auto run = [&](View<float> o, int begin, int end) {
        auto rows = [&](auto view) { return view.cropped(1, begin, end - begin); };
        if (gemv) {
            run_kernel(packed_gemv, rows(q_view).raw_buffer(), rows(as).raw_buffer(), wf.raw_buffer(), wz.raw_buffer(),
                       wg.raw_buffer(), group_blocks, segment_blocks, scale_view.raw_buffer(), bias_view.raw_buffer(),
                       -inf, inf, o.raw_buffer());
        } else {
            run_kernel(gemm, rows(av).raw_buffer(), rows(as).raw_buffer(), wq.raw_buffer(), wo.raw_buffer(),
                       ws.raw_buffer(), segment_blocks, scale_view.raw_buffer(), bias_view.raw_buffer(), -inf, inf,
                       o.raw_buffer());
        }
    };
    const Work work{double(s.m) * s.n * k32};
    if (gemv) {  // the columns split between threads, the few rows quantized once
        quantize_rows(a, s.k, blocks, segment_blocks, scaling, 0, s.m, 0, values.data(), segment_scales.data());
        // Whole tiles of the weights' layout per thread.
        const int tiles = (cols + kLowbitGemvTile - 1) / kLowbitGemvTile;
        for_each_slice(tiles, slice_count(tiles, 1, work), [&](int first, int last) {
            const int begin = first * kLowbitGemvTile, end = std::min(cols, last * kLowbitGemvTile);
            run(out_view.cropped(0, begin, end - begin), 0, s.m);
        });
    } else {  // each thread quantizes and multiplies its own rows
        for_each_slice(s.m, slice_count(s.m, 16, work), [&](int begin, int end) {
            quantize_rows(a, s.k, blocks, segment_blocks, scaling, begin, end, kMxI8ActivationOffset, values.data(),
                          segment_scales.data());
            run(out_view.cropped(1, begin, end - begin), begin, end);
        });
    }
    if (cols > s.n) {
        for (int m = 0; m < s.m; ++m)
            for (int n = 0; n < s.n; ++n) out[size_t(m) * s.n + n] = wide_out[size_t(m) * cols + n];
    }
    return gemv ? packed_gemv.name : gemm.name;
}

}  // namespace lpgen
