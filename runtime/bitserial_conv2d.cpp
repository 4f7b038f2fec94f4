// Entry points of the bit-serial conv2d kernels: validate, wrap, dispatch.
#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "bitserial_int8.h"
#include "conv_shape.h"
#include "halide_call.h"
#include "parallel.h"
#include "tuned_kernels.h"
#include "validate.h"

namespace lpgen {
namespace {

// Output rows per thread below which splitting a conv2d costs more than it saves.
constexpr int kMinSliceRows = 2;

Work work(const Conv2dShape &s, const Operand &a, const Operand &w) {
    return {double(conv_output_count(s)) * s.kernel_h * s.kernel_w * s.channels * a.bits * w.bits / 8};
}

struct ConvViews {
    View<const uint64_t> a, w;
};

ConvViews check_and_wrap(const Conv2dShape &s, const uint64_t *a, size_t a_words, const Operand &a_op,
                         const uint64_t *w, size_t w_words, const Operand &w_op) {
    check_conv_shape(s);
    check_operand(a_op, "a");
    check_operand(w_op, "w");
    const int cw = words_for(s.channels);
    check_buffer(a, a_words, checked_product({size_t(s.batch), size_t(s.height), size_t(s.width), size_t(a_op.bits), size_t(cw)}, "a"),
                 "a (packed activations)");
    check_buffer(w, w_words,
                 checked_product({size_t(s.out_channels), size_t(s.kernel_h), size_t(s.kernel_w), size_t(w_op.bits), size_t(cw)}, "w"),
                 "w (packed weights)");
    return {dense_view(a, {cw, a_op.bits, s.width, s.height, s.batch}),
            dense_view(w, {cw, w_op.bits, s.kernel_w, s.kernel_h, s.out_channels})};
}

// The geometry arguments every bit-serial conv2d kernel takes after its two operands.
#define LPGEN_CONV_GEOMETRY(s) \
    (s).channels, (s).stride_w, (s).stride_h, (s).dilation_w, (s).dilation_h, (s).pad_left, (s).pad_top
#define LPGEN_OPERANDS(a_op, w_op)                                                                     \
    (a_op).bits, (w_op).bits, static_cast<int32_t>((a_op).encoding), static_cast<int32_t>((w_op).encoding), \
        (a_op).zero_point, (w_op).zero_point

// A 1x1 unpadded conv2d is a GEMM: output pixels are rows (M = N*OH*OW), channels the
// reduction. At stride 1 the packed NHWC activations are the GEMM rows as they are; at larger
// strides (ResNet's downsampling shortcuts) every stride-th pixel's words are copied out
// first. The GEMM kernel runs it without the window bookkeeping (about 2.5x faster on C3).
struct PointwiseRows {
    GemmShape shape;
    const uint64_t *a;
    size_t a_words;
    std::vector<uint64_t> subsampled;
};

std::optional<PointwiseRows> as_gemm(const Conv2dShape &s, const uint64_t *a, size_t a_words, int bits) {
    if (s.kernel_h != 1 || s.kernel_w != 1 || s.pad_top != 0 || s.pad_left != 0 || s.pad_bottom != 0 ||
        s.pad_right != 0) {
        return std::nullopt;
    }
    PointwiseRows rows{{s.batch * s.out_height() * s.out_width(), s.out_channels, s.channels}, a, a_words, {}};
    if (s.stride_h == 1 && s.stride_w == 1) return rows;
    const size_t row_words = size_t(bits) * words_for(s.channels);
    rows.subsampled.resize(size_t(rows.shape.m) * row_words);
    uint64_t *dst = rows.subsampled.data();
    const int oh = s.out_height(), ow = s.out_width();
    for (int n = 0; n < s.batch; ++n)
        for (int oy = 0; oy < oh; ++oy)
            for (int ox = 0; ox < ow; ++ox) {
                const size_t pixel = (size_t(n) * s.height + size_t(oy) * s.stride_h) * s.width + size_t(ox) * s.stride_w;
                dst = std::copy_n(a + pixel * row_words, row_words, dst);  // a few words: inlined, not a memcpy call
            }
    rows.a = rows.subsampled.data();
    rows.a_words = rows.subsampled.size();
    return rows;
}

}  // namespace

const char *bitserial_conv2d(const Conv2dShape &s, const uint64_t *a, size_t a_words, const Operand &a_op,
                             const uint64_t *w, size_t w_words, const Operand &w_op, int32_t *out, size_t out_count,
                             Int8DotCache *int8) {
    ConvViews v = check_and_wrap(s, a, a_words, a_op, w, w_words, w_op);
    check_buffer(out, out_count, conv_output_count(s), "output");
    check_int32_range(int64_t(s.channels) * s.kernel_h * s.kernel_w, a_op, w_op);
    if (auto g = as_gemm(s, a, a_words, a_op.bits)) {
        return bitserial_gemm(g->shape, g->a, g->a_words, a_op, w, w_words, w_op, out, out_count, int8);
    }
    if (takes_int8_dot("bs_conv2d_i32", s, a_op, w_op, int8)) return int8_dot(s, a, a_op, int8_weights(int8, w, s, w_op), out);
    auto result = dense_view(out, {s.out_channels, s.out_width(), s.out_height(), s.batch});
    const KernelSet &set = kernels();
    const auto kernel = configured_or("bs_conv2d_i32", config_of(a_op, w_op, false),
                                      prebuilt_for(set, &SpecializedBitserial::conv2d_i32, set.conv2d_i32,
                                                   &XnorBitserial::conv2d_i32, a_op, w_op),
                                      s);
    return run_kernel_sliced(kernel, result, 2, kMinSliceRows, work(s, a_op, w_op), v.a.raw_buffer(), v.w.raw_buffer(),
                             LPGEN_CONV_GEOMETRY(s), LPGEN_OPERANDS(a_op, w_op));
}

const char *bitserial_conv2d(const Conv2dShape &s, const uint64_t *a, size_t a_words, const Operand &a_op,
                             const uint64_t *w, size_t w_words, const Operand &w_op, const Fp32Epilogue &e, float *out,
                             size_t out_count, Int8DotCache *int8) {
    ConvViews v = check_and_wrap(s, a, a_words, a_op, w, w_words, w_op);
    check_epilogue(e, s.out_channels);
    check_buffer(out, out_count, conv_output_count(s), "output");
    if (auto g = as_gemm(s, a, a_words, a_op.bits)) {
        return bitserial_gemm(g->shape, g->a, g->a_words, a_op, w, w_words, w_op, e, out, out_count, int8);
    }
    if (takes_int8_dot("bs_conv2d_f32", s, a_op, w_op, int8)) {
        return int8_dot(s, a, a_op, int8_weights(int8, w, s, w_op), e, out);
    }
    auto scale = per_channel_view(e.scale, e.scale_count, s.out_channels);
    auto bias = per_channel_view(e.bias, e.bias_count, s.out_channels);
    auto result = dense_view(out, {s.out_channels, s.out_width(), s.out_height(), s.batch});
    const KernelSet &set = kernels();
    // The fixed-width fp32 kernels accumulate in int32; sums that may not fit take the generic one.
    const bool narrow = fits_int32(int64_t(s.channels) * s.kernel_h * s.kernel_w, a_op, w_op);
    const auto kernel = configured_or(
        "bs_conv2d_f32", config_of(a_op, w_op, !narrow),
        narrow ? prebuilt_for(set, &SpecializedBitserial::conv2d_f32, set.conv2d_f32, &XnorBitserial::conv2d_f32, a_op, w_op)
               : set.conv2d_f32,
        s);
    return run_kernel_sliced(kernel, result, 2, kMinSliceRows, work(s, a_op, w_op), v.a.raw_buffer(), v.w.raw_buffer(),
                             LPGEN_CONV_GEOMETRY(s), LPGEN_OPERANDS(a_op, w_op), scale.raw_buffer(), bias.raw_buffer(),
                             e.clamp_min, e.clamp_max);
}

const char *bitserial_conv2d(const Conv2dShape &s, const uint64_t *a, size_t a_words, const Operand &a_op,
                             const uint64_t *w, size_t w_words, const Operand &w_op, const Fp32Epilogue &e,
                             const Quantization &next, uint64_t *out, size_t out_words) {
    ConvViews v = check_and_wrap(s, a, a_words, a_op, w, w_words, w_op);
    check_epilogue(e, s.out_channels);
    check_quantization(next, "next");
    const int ocw = words_for(s.out_channels);
    check_buffer(out, out_words,
                 checked_product({size_t(s.batch), size_t(s.out_height()), size_t(s.out_width()), size_t(next.bits), size_t(ocw)}, "output"),
                 "output");
    if (auto g = as_gemm(s, a, a_words, a_op.bits)) {
        return bitserial_gemm(g->shape, g->a, g->a_words, a_op, w, w_words, w_op, e, next, out, out_words);
    }
    auto scale = per_channel_view(e.scale, e.scale_count, s.out_channels);
    auto bias = per_channel_view(e.bias, e.bias_count, s.out_channels);
    auto result = dense_view(out, {ocw, next.bits, s.out_width(), s.out_height(), s.batch});
    return run_kernel(configured_or("bs_conv2d_packed", config_of(a_op, w_op, false), kernels().conv2d_packed, s), v.a.raw_buffer(), v.w.raw_buffer(), LPGEN_CONV_GEOMETRY(s),
                      LPGEN_OPERANDS(a_op, w_op), scale.raw_buffer(), bias.raw_buffer(), e.clamp_min, e.clamp_max,
                      next.scale, next.zero_point, next.bits, static_cast<int32_t>(next.encoding), s.out_channels,
                      result.raw_buffer());
}

}  // namespace lpgen
