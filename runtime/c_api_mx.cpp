// lpgen.h, the MX family: C structs in, C++ entry points, status out.
#include <memory>

#include "c_api_convert.h"
#include "mx_weights.h"

using namespace lpgen;
using lpgen::capi::guarded;
using lpgen::capi::required;
using lpgen::capi::to_cpp;

// A shared, immutable MxWeights and whether it was prepared for conv2d.
struct lpgen_mx_weights {
    MxWeights weights;
    bool conv2d;
};

namespace {

const MxWeights &gemm_weights(const lpgen_mx_weights *w) {
    const lpgen_mx_weights &h = required(w, "w (weights handle)");
    LPGEN_REQUIRE(!h.conv2d, "w holds conv2d weights; prepare GEMM weights with lpgen_mx_weights_gemm");
    return h.weights;
}

const MxWeights &conv_weights(const lpgen_mx_weights *w) {
    const lpgen_mx_weights &h = required(w, "w (weights handle)");
    LPGEN_REQUIRE(h.conv2d, "w holds GEMM weights; prepare conv2d weights with lpgen_mx_weights_conv2d");
    return h.weights;
}

template <typename Make>
lpgen_status make_weights(lpgen_mx_weights **weights, bool conv2d, Make &&make) {
    return guarded([&] {
        LPGEN_REQUIRE(weights != nullptr, "weights (the handle to fill) is null");
        *weights = new lpgen_mx_weights{make(), conv2d};
        return "";
    });
}

}  // namespace

extern "C" {

lpgen_status lpgen_mx_format_from_name(const char *name, lpgen_mx_format *format) {
    return guarded([&] {
        LPGEN_REQUIRE(format != nullptr, "format (the result) is null");
        *format = static_cast<lpgen_mx_format>(mx_format(name));
        return "";
    });
}

const char *lpgen_mx_format_name(lpgen_mx_format format) {
    try {
        return mx_format_name(static_cast<MxFormat>(lpgen::capi::raw(format)));
    } catch (...) {
        return nullptr;
    }
}

size_t lpgen_mx_code_bytes(lpgen_mx_format format, int rows, int k) {
    try {
        return mx_code_bytes(to_cpp(format), rows, k);
    } catch (...) {
        return 0;
    }
}

size_t lpgen_mx_scale_count(int rows, int k) {
    try {
        return mx_scale_count(rows, k);
    } catch (...) {
        return 0;
    }
}

lpgen_status lpgen_mx_quantize(const float *values, size_t value_count, int rows, int k, lpgen_mx_format format,
                               uint8_t *codes, size_t code_bytes, uint8_t *scales, size_t scale_count) {
    return guarded([&] {
        return mx_quantize(values, value_count, rows, k, to_cpp(format), codes, code_bytes, scales, scale_count);
    });
}

lpgen_status lpgen_mx_dequantize(const uint8_t *codes, size_t code_bytes, const uint8_t *scales,
                                 size_t scale_count, int rows, int k, lpgen_mx_format format, float *out,
                                 size_t out_count) {
    return guarded([&] {
        return mx_dequantize(codes, code_bytes, scales, scale_count, rows, k, to_cpp(format), out, out_count);
    });
}

lpgen_status lpgen_mx_weights_gemm(int n, int k, lpgen_mx_format format, const uint8_t *codes, size_t code_bytes,
                                   const uint8_t *scales, size_t scale_count, lpgen_mx_weights **weights) {
    return make_weights(weights, false, [&] {
        return MxWeights(n, k, to_cpp(format), codes, code_bytes, scales, scale_count);
    });
}

lpgen_status lpgen_mx_weights_conv2d(int out_channels, int kernel_h, int kernel_w, int channels,
                                     lpgen_mx_format format, const uint8_t *codes, size_t code_bytes,
                                     const uint8_t *scales, size_t scale_count, lpgen_mx_weights **weights) {
    return make_weights(weights, true, [&] {
        return MxWeights::conv2d(out_channels, kernel_h, kernel_w, channels, to_cpp(format), codes, code_bytes,
                                 scales, scale_count);
    });
}

void lpgen_mx_weights_free(lpgen_mx_weights *weights) { delete weights; }

lpgen_status lpgen_mx_gemm(const lpgen_gemm_shape *shape, const uint8_t *a_codes, size_t a_code_bytes,
                           const uint8_t *a_scales, size_t a_scale_count, lpgen_mx_format a_format,
                           const lpgen_mx_weights *w, const lpgen_epilogue *epilogue, float *out, size_t out_count) {
    return guarded([&] {
        return mx_gemm(to_cpp(required(shape, "shape")), a_codes, a_code_bytes, a_scales, a_scale_count,
                       to_cpp(a_format), gemm_weights(w), to_cpp(required(epilogue, "epilogue")), out, out_count);
    });
}

lpgen_status lpgen_mx_conv2d(const lpgen_conv2d_shape *shape, const uint8_t *a_codes, size_t a_code_bytes,
                             const uint8_t *a_scales, size_t a_scale_count, lpgen_mx_format a_format,
                             const lpgen_mx_weights *w, const lpgen_epilogue *epilogue, float *out,
                             size_t out_count) {
    return guarded([&] {
        return mx_conv2d(to_cpp(required(shape, "shape")), a_codes, a_code_bytes, a_scales, a_scale_count,
                         to_cpp(a_format), conv_weights(w), to_cpp(required(epilogue, "epilogue")), out, out_count);
    });
}

lpgen_status lpgen_mx_gemm_f32(const lpgen_gemm_shape *shape, const float *a, size_t a_count,
                               lpgen_mx_format a_format, const lpgen_mx_weights *w, const lpgen_epilogue *epilogue,
                               float *out, size_t out_count) {
    return guarded([&] {
        return mx_gemm(to_cpp(required(shape, "shape")), a, a_count, to_cpp(a_format), gemm_weights(w),
                       to_cpp(required(epilogue, "epilogue")), out, out_count);
    });
}

lpgen_status lpgen_mx_conv2d_f32(const lpgen_conv2d_shape *shape, const float *a, size_t a_count,
                                 lpgen_mx_format a_format, const lpgen_mx_weights *w,
                                 const lpgen_epilogue *epilogue, float *out, size_t out_count) {
    return guarded([&] {
        return mx_conv2d(to_cpp(required(shape, "shape")), a, a_count, to_cpp(a_format), conv_weights(w),
                         to_cpp(required(epilogue, "epilogue")), out, out_count);
    });
}

}  // extern "C"
