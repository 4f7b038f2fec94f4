// Entry points of the generated int8 / int16 / fp32 baselines.
#include <algorithm>
#include <vector>

#include "conv_shape.h"
#include "generators/baseline_contract.h"
#include "halide_call.h"
#include "parallel.h"
#include "validate.h"

namespace lpgen {
namespace {

// rows x k values, or a zero-padded copy with k rounded up to the kernels' reduction multiple.
template <typename T>
class PaddedRows {
public:
    PaddedRows(const T *data, size_t rows, int k) : k_(round_up(k)), data_(data) {
        if (k_ == k) return;
        copy_.assign(checked_mul(rows, size_t(k_), "padded operand"), T(0));
        for (size_t r = 0; r < rows; ++r) std::copy(data + r * k, data + (r + 1) * k, copy_.begin() + r * k_);
        data_ = copy_.data();
    }
    const T *data() const { return data_; }
    int k() const { return k_; }

private:
    static int round_up(int k) { return (k + kBaselineReductionMultiple - 1) / kBaselineReductionMultiple * kBaselineReductionMultiple; }
    int k_;
    const T *data_;
    std::vector<T> copy_;
};

template <typename In, typename Out>
const char *gemm(const Kernel<BaseGemmFn> &kernel, const GemmShape &s, const In *a, size_t a_count, const In *w,
                 size_t w_count, Out *out, size_t out_count) {
    check_positive(s.m, "shape.m");
    check_positive(s.n, "shape.n");
    check_positive(s.k, "shape.k");
    check_buffer(a, a_count, checked_product({size_t(s.m), size_t(s.k)}, "a"), "a");
    check_buffer(w, w_count, checked_product({size_t(s.n), size_t(s.k)}, "w"), "w");
    check_buffer(out, out_count, checked_product({size_t(s.m), size_t(s.n)}, "output"), "output");
    PaddedRows<In> ap(a, s.m, s.k), wp(w, s.n, s.k);
    auto av = dense_view(ap.data(), {ap.k(), s.m});
    auto wv = dense_view(wp.data(), {wp.k(), s.n});
    auto ov = dense_view(out, {s.n, s.m});
    return run_kernel_sliced(kernel, ov, 1, 16, Work{double(s.m) * s.n * s.k}, av.raw_buffer(), wv.raw_buffer());
}

template <typename In, typename Out>
const char *conv2d(const Kernel<BaseConvFn> &kernel, const Conv2dShape &s, const In *a, size_t a_count, const In *w,
                   size_t w_count, Out *out, size_t out_count) {
    check_conv_shape(s);
    check_buffer(a, a_count, checked_product({size_t(s.batch), size_t(s.height), size_t(s.width), size_t(s.channels)}, "a"), "a");
    check_buffer(w, w_count,
                 checked_product({size_t(s.out_channels), size_t(s.kernel_h), size_t(s.kernel_w), size_t(s.channels)}, "w"), "w");
    check_buffer(out, out_count, conv_output_count(s), "output");
    PaddedRows<In> ap(a, size_t(s.batch) * s.height * s.width, s.channels);
    PaddedRows<In> wp(w, size_t(s.out_channels) * s.kernel_h * s.kernel_w, s.channels);
    auto av = dense_view(ap.data(), {ap.k(), s.width, s.height, s.batch});
    auto wv = dense_view(wp.data(), {wp.k(), s.kernel_w, s.kernel_h, s.out_channels});
    auto ov = dense_view(out, {s.out_channels, s.out_width(), s.out_height(), s.batch});
    const Work work{double(conv_output_count(s)) * s.kernel_h * s.kernel_w * s.channels};
    return run_kernel_sliced(kernel, ov, 2, 2, work, av.raw_buffer(), wv.raw_buffer(), s.stride_w, s.stride_h,
                             s.dilation_w, s.dilation_h, s.pad_left, s.pad_top);
}

}  // namespace

const char *baseline_gemm(const GemmShape &s, const int8_t *a, size_t ac, const int8_t *w, size_t wc, int32_t *out,
                          size_t oc) {
    return gemm(kernels().base_gemm_i8, s, a, ac, w, wc, out, oc);
}
const char *baseline_gemm(const GemmShape &s, const int16_t *a, size_t ac, const int16_t *w, size_t wc, int32_t *out,
                          size_t oc) {
    return gemm(kernels().base_gemm_i16, s, a, ac, w, wc, out, oc);
}
const char *baseline_gemm(const GemmShape &s, const float *a, size_t ac, const float *w, size_t wc, float *out,
                          size_t oc) {
    return gemm(kernels().base_gemm_f32, s, a, ac, w, wc, out, oc);
}
const char *baseline_conv2d(const Conv2dShape &s, const int8_t *a, size_t ac, const int8_t *w, size_t wc,
                            int32_t *out, size_t oc) {
    return conv2d(kernels().base_conv2d_i8, s, a, ac, w, wc, out, oc);
}
const char *baseline_conv2d(const Conv2dShape &s, const int16_t *a, size_t ac, const int16_t *w, size_t wc,
                            int32_t *out, size_t oc) {
    return conv2d(kernels().base_conv2d_i16, s, a, ac, w, wc, out, oc);
}
const char *baseline_conv2d(const Conv2dShape &s, const float *a, size_t ac, const float *w, size_t wc, float *out,
                            size_t oc) {
    return conv2d(kernels().base_conv2d_f32, s, a, ac, w, wc, out, oc);
}

}  // namespace lpgen
