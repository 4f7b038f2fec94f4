// MX conv2d, NHWC with blocks along input channels: the MX codes and scales of each output
// pixel's window are gathered into one GEMM row (kh, kw, channel block order, as the weights
// are laid out), then the MX GEMM kernels run with M = N*OH*OW. Gathering codes rather than
// decoded values keeps one path for every pair of formats; a 1x1, stride-1, unpadded conv is
// the GEMM itself.
#include <climits>
#include <cstring>
#include <vector>

#include "conv_shape.h"
#include "mx_weights.h"
#include "validate.h"

namespace lpgen {
namespace {

constexpr uint8_t kUnitScale = 127;  // E8M0 2^0: padded taps hold zero elements at scale 1

bool is_plain_gemm(const Conv2dShape &s) {
    return s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_top == 0 &&
           s.pad_left == 0 && s.pad_bottom == 0 && s.pad_right == 0;
}

struct Gathered {
    std::vector<uint8_t> codes, scales;
};

// Row (n, oy, ox) of the GEMM = the taps (kh, kw) of its window, each C32 codes and C32/32 scales.
Gathered gather_windows(const Conv2dShape &s, const uint8_t *codes, const uint8_t *scales, MxFormat format) {
    const size_t tap_bytes = mx_code_bytes(format, 1, s.channels), tap_scales = mx_scale_count(1, s.channels);
    const int oh = s.out_height(), ow = s.out_width(), taps = s.kernel_h * s.kernel_w;
    const size_t rows = size_t(s.batch) * oh * ow;
    Gathered g;
    g.codes.assign(checked_product({rows, size_t(taps), tap_bytes}, "gathered codes"), 0);
    g.scales.assign(checked_product({rows, size_t(taps), tap_scales}, "gathered scales"), kUnitScale);
    uint8_t *code_out = g.codes.data(), *scale_out = g.scales.data();
    for (int n = 0; n < s.batch; ++n)
        for (int oy = 0; oy < oh; ++oy)
            for (int ox = 0; ox < ow; ++ox)
                for (int ky = 0; ky < s.kernel_h; ++ky)
                    for (int kx = 0; kx < s.kernel_w; ++kx, code_out += tap_bytes, scale_out += tap_scales) {
                        const int y = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
                        const int x = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
                        if (y < 0 || y >= s.height || x < 0 || x >= s.width) continue;  // zero padding
                        const size_t pixel = (size_t(n) * s.height + y) * s.width + x;
                        std::memcpy(code_out, codes + pixel * tap_bytes, tap_bytes);
                        std::memcpy(scale_out, scales + pixel * tap_scales, tap_scales);
                    }
    return g;
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
    if (is_plain_gemm(s)) return run_mx_gemm(MxPath::Fastest, rows, a_codes, a_scales, a_format, w, e, out);
    const Gathered g = gather_windows(s, a_codes, a_scales, a_format);
    return run_mx_gemm(MxPath::Fastest, rows, g.codes.data(), g.scales.data(), a_format, w, e, out);
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
