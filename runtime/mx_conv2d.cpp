// MX conv2d, NHWC with blocks along input channels: the MX GEMM kernels with M = N*OH*OW, each
// GEMM row the window of one output pixel (kh, kw, channel block order, as the weights are laid
// out; runtime/conv_windows.h). The GEMM decodes each input pixel once and copies the decoded
// values into the windows (the generic kernel, which decodes codes, gets the windows' codes);
// a 1x1, stride-1, unpadded conv is the GEMM itself.
#include <climits>
#include <vector>

#include "conv_shape.h"
#include "mx_weights.h"
#include "validate.h"

namespace lpgen {
namespace {

bool is_plain_gemm(const Conv2dShape &s) {
    return s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_top == 0 &&
           s.pad_left == 0 && s.pad_bottom == 0 && s.pad_right == 0;
}

// N*H*W, the rows the activations are MX-packed as.
int input_pixels(const Conv2dShape &s) {
    const size_t pixels = checked_product({size_t(s.batch), size_t(s.height), size_t(s.width)}, "input pixels");
    LPGEN_REQUIRE(pixels <= size_t(INT_MAX), "too many input pixels");
    return int(pixels);
}

// The shape and activation format against prepared weights.
void check_conv_weights(const Conv2dShape &s, MxFormat a_format, const MxWeights::Prepared &w) {
    mx_format_name(a_format);  // throws for a format that does not exist
    check_conv_shape(s);
    LPGEN_REQUIRE(w.kernel_h != 0, "these MX weights were prepared for GEMM, not conv2d");
    LPGEN_REQUIRE(w.rows == s.out_channels && w.kernel_h == s.kernel_h && w.kernel_w == s.kernel_w &&
                      w.channels == s.channels,
                  "the conv2d shape does not match the weights' [" + std::to_string(w.rows) + "][" +
                      std::to_string(w.kernel_h) + "][" + std::to_string(w.kernel_w) + "][" +
                      std::to_string(w.channels) + "]");
}

void check_conv_operands(const Conv2dShape &s, const uint8_t *a_codes, size_t a_code_bytes,
                         const uint8_t *a_scales, size_t a_scale_count, MxFormat a_format,
                         const MxWeights::Prepared &w, const Fp32Epilogue &e, const float *out, size_t out_count) {
    check_conv_weights(s, a_format, w);
    const int pixels = input_pixels(s);
    check_buffer(a_codes, a_code_bytes, mx_code_bytes(a_format, pixels, s.channels), "a codes");
    check_buffer(a_scales, a_scale_count, mx_scale_count(pixels, s.channels), "a scales");
    check_epilogue(e, s.out_channels);
    const size_t out_rows = size_t(s.batch) * s.out_height() * s.out_width();
    LPGEN_REQUIRE(out_rows <= size_t(INT_MAX), "too many output pixels");
    check_buffer(out, out_count, conv_output_count(s), "output");
}

const char *run_conv(const Conv2dShape &s, const uint8_t *a_codes, const uint8_t *a_scales, MxFormat a_format,
                     const MxWeights::Prepared &w, const Fp32Epilogue &e, float *out) {
    const int rows = s.batch * s.out_height() * s.out_width();
    const MxActivations a{a_format, a_codes, a_scales, rows, is_plain_gemm(s) ? nullptr : &s};
    return run_mx_gemm(MxPath::Fastest, a, w, e, out);
}

}  // namespace

const char *mx_conv2d(const Conv2dShape &s, const uint8_t *a_codes, size_t a_code_bytes, const uint8_t *a_scales,
                      size_t a_scale_count, MxFormat a_format, const MxWeights &weights, const Fp32Epilogue &e,
                      float *out, size_t out_count) {
    const MxWeights::Prepared &w = weights.prepared();
    check_conv_operands(s, a_codes, a_code_bytes, a_scales, a_scale_count, a_format, w, e, out, out_count);
    return run_conv(s, a_codes, a_scales, a_format, w, e, out);
}

const char *mx_conv2d(const Conv2dShape &s, const float *a, size_t a_count, MxFormat a_format,
                      const MxWeights &weights, const Fp32Epilogue &e, float *out, size_t out_count) {
    const MxWeights::Prepared &w = weights.prepared();
    check_conv_weights(s, a_format, w);
    const int pixels = input_pixels(s);
    // Before the codes are allocated: a shape larger than the activations costs no memory.
    check_buffer(a, a_count, checked_product({size_t(pixels), size_t(s.channels)}, "a"), "a (fp32 activations)");
    std::vector<uint8_t> codes(mx_code_bytes(a_format, pixels, s.channels));
    std::vector<uint8_t> scales(mx_scale_count(pixels, s.channels));
    // Checked before quantizing, so a bad call writes nothing anywhere.
    check_conv_operands(s, codes.data(), codes.size(), scales.data(), scales.size(), a_format, w, e, out, out_count);
    mx_quantize(a, a_count, pixels, s.channels, a_format, codes.data(), codes.size(), scales.data(),
                scales.size());
    return run_conv(s, codes.data(), scales.data(), a_format, w, e, out);
}

}  // namespace lpgen
