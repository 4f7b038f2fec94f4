// Entry points of the bit-serial GEMM kernels: validate, wrap, dispatch.
#include "bitserial_int8.h"
#include "halide_call.h"
#include "parallel.h"
#include "tuned_kernels.h"
#include "validate.h"

namespace lpgen {
namespace {

// Rows per thread below which splitting a GEMM costs more than it saves.
constexpr int kMinSliceRows = 16;
// A GEMV (M = 1) is split over output columns instead, at least this many each.
constexpr int kMinSliceColumns = 64;

Work work(const GemmShape &s, const Operand &a, const Operand &w) {
    return {double(s.m) * s.n * s.k * a.bits * w.bits / 8};
}

struct GemmViews {
    View<const uint64_t> a, w;
};

GemmViews check_and_wrap(const GemmShape &s, const uint64_t *a, size_t a_words, const Operand &a_op,
                         const uint64_t *w, size_t w_words, const Operand &w_op) {
    check_positive(s.m, "shape.m");
    check_positive(s.n, "shape.n");
    check_positive(s.k, "shape.k");
    check_operand(a_op, "a");
    check_operand(w_op, "w");
    check_buffer(a, a_words, packed_words(s.m, s.k, a_op.bits), "a (packed activations)");
    check_buffer(w, w_words, packed_words(s.n, s.k, w_op.bits), "w (packed weights)");
    checked_product({size_t(s.m), size_t(s.n)}, "output");
    const int kw = words_for(s.k);
    return {dense_view(a, {kw, a_op.bits, s.m}), dense_view(w, {kw, w_op.bits, s.n})};
}

}  // namespace

const char *bitserial_gemm(const GemmShape &s, const uint64_t *a, size_t a_words, const Operand &a_op,
                           const uint64_t *w, size_t w_words, const Operand &w_op, int32_t *out, size_t out_count,
                           Int8DotCache *int8) {
    GemmViews v = check_and_wrap(s, a, a_words, a_op, w, w_words, w_op);
    check_buffer(out, out_count, size_t(s.m) * size_t(s.n), "output");
    check_int32_range(s.k, a_op, w_op);
    if (takes_int8_dot("bs_gemm_i32", s, a_op, w_op, int8)) return int8_dot(s, a, a_op, int8_weights(int8, w, s, w_op), out);
    auto result = dense_view(out, {s.n, s.m});
    const KernelSet &set = kernels();
    const BitserialConfig config = config_of(a_op, w_op, false);
    if (s.m == 1) {
        const auto prebuilt = prebuilt_for(set, &SpecializedBitserial::gemv_i32, set.gemv_i32, &XnorBitserial::gemv_i32, a_op, w_op);
        return run_kernel_sliced(configured_or("bs_gemm_i32_gemv", config, prebuilt, s), result, 0,
                                 kMinSliceColumns, work(s, a_op, w_op), v.a.raw_buffer(), v.w.raw_buffer(), s.k,
                                 a_op.bits, w_op.bits, static_cast<int32_t>(a_op.encoding),
                                 static_cast<int32_t>(w_op.encoding), a_op.zero_point, w_op.zero_point);
    }
    const auto kernel = configured_or(
        "bs_gemm_i32", config, prebuilt_for(set, &SpecializedBitserial::gemm_i32, set.gemm_i32, &XnorBitserial::gemm_i32, a_op, w_op),
        s);
    return run_kernel_sliced(kernel, result, 1, kMinSliceRows, work(s, a_op, w_op), v.a.raw_buffer(), v.w.raw_buffer(), s.k, a_op.bits,
                             w_op.bits, static_cast<int32_t>(a_op.encoding), static_cast<int32_t>(w_op.encoding),
                             a_op.zero_point, w_op.zero_point);
}

const char *bitserial_gemm(const GemmShape &s, const uint64_t *a, size_t a_words, const Operand &a_op,
                           const uint64_t *w, size_t w_words, const Operand &w_op, const Fp32Epilogue &e, float *out,
                           size_t out_count, Int8DotCache *int8) {
    GemmViews v = check_and_wrap(s, a, a_words, a_op, w, w_words, w_op);
    check_epilogue(e, s.n);
    check_buffer(out, out_count, size_t(s.m) * size_t(s.n), "output");
    if (takes_int8_dot("bs_gemm_f32", s, a_op, w_op, int8)) {
        return int8_dot(s, a, a_op, int8_weights(int8, w, s, w_op), e, out);
    }
    auto scale = per_channel_view(e.scale, e.scale_count, s.n);
    auto bias = per_channel_view(e.bias, e.bias_count, s.n);
    auto result = dense_view(out, {s.n, s.m});
    const KernelSet &set = kernels();
    // The fixed-width fp32 kernels accumulate in int32; sums that may not fit take the generic one.
    const bool narrow = fits_int32(s.k, a_op, w_op);
    const bool gemv = s.m == 1;
    const BitserialConfig config = config_of(a_op, w_op, !narrow);
    const auto kernel =
        gemv ? configured_or("bs_gemm_f32_gemv", config,
                             narrow ? prebuilt_for(set, &SpecializedBitserial::gemv_f32, set.gemv_f32, &XnorBitserial::gemv_f32, a_op, w_op)
                                    : set.gemv_f32,
                             s)
             : configured_or("bs_gemm_f32", config,
                             narrow ? prebuilt_for(set, &SpecializedBitserial::gemm_f32, set.gemm_f32, &XnorBitserial::gemm_f32, a_op, w_op)
                                    : set.gemm_f32,
                             s);
    return run_kernel_sliced(kernel, result, gemv ? 0 : 1, gemv ? kMinSliceColumns : kMinSliceRows, work(s, a_op, w_op), v.a.raw_buffer(), v.w.raw_buffer(), s.k,
                             a_op.bits, w_op.bits, static_cast<int32_t>(a_op.encoding),
                             static_cast<int32_t>(w_op.encoding), a_op.zero_point, w_op.zero_point,
                             scale.raw_buffer(), bias.raw_buffer(), e.clamp_min, e.clamp_max);
}

const char *bitserial_gemm(const GemmShape &s, const uint64_t *a, size_t a_words, const Operand &a_op,
                           const uint64_t *w, size_t w_words, const Operand &w_op, const Fp32Epilogue &e,
                           const Quantization &next, uint64_t *out, size_t out_words) {
    GemmViews v = check_and_wrap(s, a, a_words, a_op, w, w_words, w_op);
    check_epilogue(e, s.n);
    check_quantization(next, "next");
    check_buffer(out, out_words, packed_words(s.m, s.n, next.bits), "output");
    auto scale = per_channel_view(e.scale, e.scale_count, s.n);
    auto bias = per_channel_view(e.bias, e.bias_count, s.n);
    auto result = dense_view(out, {words_for(s.n), next.bits, s.m});
    return run_kernel(configured_or("bs_gemm_packed", config_of(a_op, w_op, false), kernels().gemm_packed, s), v.a.raw_buffer(), v.w.raw_buffer(), s.k, a_op.bits, w_op.bits,
                      static_cast<int32_t>(a_op.encoding), static_cast<int32_t>(w_op.encoding), a_op.zero_point,
                      w_op.zero_point, scale.raw_buffer(), bias.raw_buffer(), e.clamp_min, e.clamp_max, next.scale,
                      next.zero_point, next.bits, static_cast<int32_t>(next.encoding), s.n, result.raw_buffer());
}

}  // namespace lpgen
