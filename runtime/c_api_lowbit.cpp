// lpgen.h, the low-bit LLM weights: C structs in, C++ entry points, status out.
#include "c_api_convert.h"
#include "lpgen/lowbit.hpp"

using namespace lpgen;
using lpgen::capi::guarded;
using lpgen::capi::raw;
using lpgen::capi::required;

struct lpgen_lowbit_weights {
    LowbitWeights weights;
};

extern "C" {

lpgen_status lpgen_lowbit_weights_create(int n, int k, const lpgen_lowbit_format *format, const uint8_t *codes,
                                         size_t code_count, const float *scales, size_t scale_count,
                                         const uint8_t *zero_points, size_t zero_point_count,
                                         lpgen_lowbit_weights **weights) {
    return guarded([&] {
        LPGEN_REQUIRE(weights != nullptr, "weights (the handle to fill) is null");
        const lpgen_lowbit_format &f = required(format, "format");
        const LowbitFormat cf{f.bits, static_cast<LowbitKind>(raw(f.kind)), f.group};
        *weights = new lpgen_lowbit_weights{
            LowbitWeights(n, k, cf, codes, code_count, scales, scale_count, zero_points, zero_point_count)};
        return "";
    });
}

void lpgen_lowbit_weights_free(lpgen_lowbit_weights *weights) { delete weights; }

lpgen_status lpgen_lowbit_weights_codes(const lpgen_lowbit_weights *weights, uint8_t *codes, size_t count) {
    return guarded([&] {
        required(weights, "weights").weights.codes(codes, count);
        return "";
    });
}

size_t lpgen_lowbit_weights_packed_bytes(const lpgen_lowbit_weights *weights) {
    return weights == nullptr ? 0 : weights->weights.packed_bytes();
}

lpgen_status lpgen_lowbit_gemm(const lpgen_gemm_shape *shape, const float *a, size_t a_count,
                               lpgen_activation_scaling scaling, const lpgen_lowbit_weights *weights,
                               const float *bias, size_t bias_count, float *out, size_t out_count) {
    return guarded([&] {
        const lpgen_gemm_shape &s = required(shape, "shape");
        return lowbit_gemm({s.m, s.n, s.k}, a, a_count, static_cast<ActivationScaling>(raw(scaling)),
                           required(weights, "weights").weights, bias, bias_count, out, out_count);
    });
}

}  // extern "C"
