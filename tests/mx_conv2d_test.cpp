// MX conv2d (NHWC, blocks along input channels) against an fp64 reference over the dequantized
// operands, with zero padding, strides, dilation, odd sizes and channel counts that are not a
// multiple of 32; bit-identity with the GEMM it equals; drop-in fp32 activations; bad input.
#include <cmath>
#include <cstring>

#include "mx_test_support.h"
#include "mx_weights.h"
#include "parallel.h"
#include "test_support.h"

namespace lpgen {
namespace {

using test::MxMatrix;
using test::PerIsa;

const float kOne = 1.0f;
const Fp32Epilogue kIdentity{&kOne, 1};

struct MxConvCase {
    Conv2dShape s;
    MxMatrix a;  // N*H*W rows of C
    MxMatrix w;  // OC*KH*KW rows of C
    MxWeights weights;

    MxConvCase(const Conv2dShape &shape, MxFormat af, MxFormat wf, std::mt19937 &rng)
        : s(shape),
          a(shape.batch * shape.height * shape.width, shape.channels, af, rng),
          w(shape.out_channels * shape.kernel_h * shape.kernel_w, shape.channels, wf, rng),
          weights(MxWeights::conv2d(shape.out_channels, shape.kernel_h, shape.kernel_w, shape.channels, wf,
                                    w.codes.data(), w.codes.size(), w.scales.data(), w.scales.size())) {}

    size_t out_count() const { return size_t(s.batch) * s.out_height() * s.out_width() * s.out_channels; }

    std::vector<float> run(const Fp32Epilogue &e = kIdentity) const {
        std::vector<float> out(out_count(), -7.0f);
        mx_conv2d(s, a.codes.data(), a.codes.size(), a.scales.data(), a.scales.size(), a.format, weights, e,
                  out.data(), out.size());
        return out;
    }

    void expect_close(const std::vector<float> &out) const {
        const int c = s.channels, blocks = s.kernel_h * s.kernel_w * ((c + 31) / 32);
        size_t i = 0;
        for (int n = 0; n < s.batch; ++n)
            for (int oy = 0; oy < s.out_height(); ++oy)
                for (int ox = 0; ox < s.out_width(); ++ox)
                    for (int oc = 0; oc < s.out_channels; ++oc, ++i) {
                        double dot = 0, magnitude = 0;
                        for (int ky = 0; ky < s.kernel_h; ++ky)
                            for (int kx = 0; kx < s.kernel_w; ++kx) {
                                const int y = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
                                const int x = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
                                if (y < 0 || y >= s.height || x < 0 || x >= s.width) continue;
                                const double *av = &a.values[((size_t(n) * s.height + y) * s.width + x) * c];
                                const double *wv = &w.values[((size_t(oc) * s.kernel_h + ky) * s.kernel_w + kx) * c];
                                for (int ch = 0; ch < c; ++ch) {
                                    dot += av[ch] * wv[ch];
                                    magnitude += std::fabs(av[ch] * wv[ch]);
                                }
                            }
                        ASSERT_NEAR(out[i], dot, test::mx_dot_bound(magnitude, blocks))
                            << mx_format_name(a.format) << " x " << mx_format_name(w.format) << " at " << n << ","
                            << oy << "," << ox << "," << oc;
                    }
    }
};

Conv2dShape conv(int batch, int h, int w, int c, int oc, int k, int stride, int pad) {
    Conv2dShape s;
    s.batch = batch, s.height = h, s.width = w, s.channels = c, s.out_channels = oc;
    s.kernel_h = s.kernel_w = k;
    s.stride_h = s.stride_w = stride;
    s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = pad;
    return s;
}

class MxConv2d : public PerIsa {};

TEST_P(MxConv2d, matches_fp64_reference_for_windows_strides_and_padding) {
    std::mt19937 rng(60);
    Conv2dShape dilated = conv(1, 9, 8, 33, 5, 3, 1, 2);
    dilated.dilation_h = dilated.dilation_w = 2;
    Conv2dShape asymmetric = conv(1, 6, 7, 3, 4, 3, 2, 0);
    asymmetric.pad_top = 2, asymmetric.pad_right = 1, asymmetric.kernel_w = 2;
    for (const Conv2dShape &s : {conv(1, 5, 5, 32, 8, 3, 1, 1), conv(2, 7, 9, 40, 17, 3, 2, 1),
                                 conv(1, 4, 4, 64, 33, 1, 1, 0), conv(1, 5, 3, 7, 3, 1, 2, 0), dilated, asymmetric})
        for (auto [af, wf] : {std::pair{MxFormat::Fp4E2M1, MxFormat::Fp4E2M1}, {MxFormat::Fp8E4M3, MxFormat::Fp4E2M1},
                              {MxFormat::Fp6E3M2, MxFormat::Fp6E3M2}, {MxFormat::Int8, MxFormat::Int8},
                              {MxFormat::Fp8E5M2, MxFormat::Fp6E2M3}, {MxFormat::Fp8E4M3, MxFormat::Fp8E4M3}}) {
            MxConvCase c(s, af, wf, rng);
            c.expect_close(c.run());
        }
}

TEST_P(MxConv2d, epilogue_applies_per_output_channel) {
    std::mt19937 rng(61);
    MxConvCase c(conv(1, 4, 4, 32, 3, 3, 1, 1), MxFormat::Fp4E2M1, MxFormat::Fp4E2M1, rng);
    const std::vector<float> plain = c.run();
    const float scale[] = {0.5f, -2.0f, 1.0f}, bias[] = {1.0f, 0.0f, -0.5f};
    const std::vector<float> out = c.run({scale, 3, bias, 3, 0.0f, 3.0f});
    for (size_t i = 0; i < out.size(); ++i)
        EXPECT_EQ(out[i], std::min(std::max(plain[i] * scale[i % 3] + bias[i % 3], 0.0f), 3.0f)) << i;
}

TEST_P(MxConv2d, nan_weight_block_makes_its_channel_nan) {
    std::mt19937 rng(62);
    MxConvCase c(conv(1, 3, 3, 32, 4, 3, 1, 1), MxFormat::Fp4E2M1, MxFormat::Fp4E2M1, rng);
    c.w.scales[2 * 9 + 4] = 0xFF;  // channel 2, centre tap
    c.weights = MxWeights::conv2d(4, 3, 3, 32, MxFormat::Fp4E2M1, c.w.codes.data(), c.w.codes.size(),
                                  c.w.scales.data(), c.w.scales.size());
    const std::vector<float> out = c.run();
    for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(std::isnan(out[i]), i % 4 == 2) << i;
}

TEST_P(MxConv2d, fp32_activations_are_quantized_in_the_call) {
    std::mt19937 rng(63);
    MxConvCase c(conv(1, 6, 5, 48, 7, 3, 1, 1), MxFormat::Fp8E4M3, MxFormat::Fp4E2M1, rng);
    std::vector<float> out(c.out_count(), -7.0f);
    mx_conv2d(c.s, c.a.source.data(), c.a.source.size(), MxFormat::Fp8E4M3, c.weights, kIdentity, out.data(),
              out.size());
    const std::vector<float> from_codes = c.run();
    EXPECT_EQ(0, std::memcmp(out.data(), from_codes.data(), out.size() * sizeof(float)));
}

// A 1x1 conv over a H*W x C image is the GEMM over the same operands, bit for bit.
TEST_P(MxConv2d, one_by_one_conv_equals_the_gemm) {
    std::mt19937 rng(64);
    MxConvCase c(conv(1, 5, 7, 64, 20, 1, 1, 0), MxFormat::Fp6E2M3, MxFormat::Int8, rng);
    const MxWeights gemm_weights(20, 64, MxFormat::Int8, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(),
                                 c.w.scales.size());
    std::vector<float> gemm(35 * 20);
    mx_gemm({35, 20, 64}, c.a.codes.data(), c.a.codes.size(), c.a.scales.data(), c.a.scales.size(),
            MxFormat::Fp6E2M3, gemm_weights, kIdentity, gemm.data(), gemm.size());
    const std::vector<float> out = c.run();
    EXPECT_EQ(0, std::memcmp(out.data(), gemm.data(), gemm.size() * sizeof(float)));
}

// The conv's im2col of codes, written out here: row (n, oy, ox) is the codes (and scales) of
// each tap's pixel in (ky, kx) order, zero codes at E8M0 127 where the tap is padding.
struct GatheredCodes {
    std::vector<uint8_t> codes, scales;
};

GatheredCodes gather_codes(const Conv2dShape &s, const MxMatrix &a) {
    const size_t tap_bytes = a.codes.size() / a.rows, tap_scales = a.scales.size() / a.rows;
    GatheredCodes g;
    for (int n = 0; n < s.batch; ++n)
        for (int oy = 0; oy < s.out_height(); ++oy)
            for (int ox = 0; ox < s.out_width(); ++ox)
                for (int ky = 0; ky < s.kernel_h; ++ky)
                    for (int kx = 0; kx < s.kernel_w; ++kx) {
                        const int y = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
                        const int x = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
                        if (y < 0 || y >= s.height || x < 0 || x >= s.width) {
                            g.codes.insert(g.codes.end(), tap_bytes, 0);
                            g.scales.insert(g.scales.end(), tap_scales, 127);
                            continue;
                        }
                        const size_t pixel = (size_t(n) * s.height + y) * s.width + x;
                        g.codes.insert(g.codes.end(), &a.codes[pixel * tap_bytes], &a.codes[(pixel + 1) * tap_bytes]);
                        g.scales.insert(g.scales.end(), &a.scales[pixel * tap_scales],
                                        &a.scales[(pixel + 1) * tap_scales]);
                    }
    return g;
}

// The conv decodes each pixel once and copies the decoded values into the windows (or, for the
// generic kernel, copies codes): on every kernel path, with one thread or three, with NaN blocks,
// all-ones codes and padding, it gives the bits of the GEMM over the windows' codes.
TEST_P(MxConv2d, windows_of_decoded_pixels_give_the_bits_of_the_gemm_over_gathered_codes) {
    std::mt19937 rng(66);
    Conv2dShape dilated = conv(2, 7, 6, 40, 9, 3, 1, 2);
    dilated.dilation_h = 2;
    const Conv2dShape tiny = conv(1, 1, 2, 32, 5, 3, 1, 1);  // 2 output pixels: the GEMV kernels
    // 1x1 stride 2: the windows read a quarter of the pixels, so their codes are decoded instead.
    for (const Conv2dShape &s : {conv(1, 9, 8, 64, 70, 3, 2, 1), dilated, tiny, conv(1, 9, 8, 64, 70, 1, 2, 0)})
        for (auto [af, wf] : {std::pair{MxFormat::Fp4E2M1, MxFormat::Fp4E2M1}, {MxFormat::Fp6E2M3, MxFormat::Fp4E2M1},
                              {MxFormat::Int8, MxFormat::Int8}, {MxFormat::Fp6E3M2, MxFormat::Fp4E2M1},
                              {MxFormat::Fp8E4M3, MxFormat::Fp4E2M1}, {MxFormat::Fp8E5M2, MxFormat::Fp6E2M3},
                              {MxFormat::Fp8E4M3, MxFormat::Fp8E4M3}}) {
            MxConvCase c(s, af, wf, rng);
            c.a.scales[1] = 0xFF;                                                  // a NaN block
            std::fill_n(c.a.codes.end() - c.a.codes.size() / c.a.rows, 16, 0xFF);  // all bits set
            const GatheredCodes g = gather_codes(s, c.a);
            const int rows = s.batch * s.out_height() * s.out_width(), taps = s.kernel_h * s.kernel_w;
            const int k = taps * ((s.channels + 31) / 32 * 32);
            const MxWeights gemm_weights(s.out_channels, k, wf, c.w.codes.data(), c.w.codes.size(),
                                         c.w.scales.data(), c.w.scales.size());
            const size_t count = c.out_count();
            for (MxPath path : {MxPath::Fastest, MxPath::Generic}) {
                std::vector<float> gemm(count, -7.0f);
                run_mx_gemm(path, rows, g.codes.data(), g.scales.data(), af, gemm_weights.prepared(), kIdentity,
                            gemm.data());
                for (int threads : {1, 3}) {
                    set_num_threads(threads);
                    set_min_slice_work(1);
                    std::vector<float> out(count, -9.0f);
                    run_mx_gemm(path, MxActivations{af, c.a.codes.data(), c.a.scales.data(), rows, &s},
                                c.weights.prepared(), kIdentity, out.data());
                    set_num_threads(1);
                    set_min_slice_work(0);
                    size_t differ = 0, first = 0;
                    for (size_t i = count; i-- > 0;) {
                        if (!test::same_bits_or_both_nan(out[i], gemm[i])) ++differ, first = i;
                    }
                    EXPECT_EQ(differ, 0u) << mx_format_name(af) << " x " << mx_format_name(wf) << ", " << rows
                                          << " rows, path " << int(path) << ", " << threads << " threads; first at "
                                          << first << ": " << out[first] << " vs " << gemm[first];
                }
            }
        }
}

TEST(MxConv2dBadInput, mismatched_weights_short_operands_and_bad_shapes_are_rejected) {
    std::mt19937 rng(65);
    MxConvCase c(conv(1, 4, 4, 32, 3, 3, 1, 1), MxFormat::Fp4E2M1, MxFormat::Fp4E2M1, rng);
    std::vector<float> out(c.out_count(), -7.0f);
    auto call = [&](const Conv2dShape &s, size_t scale_count, const MxWeights &w) {
        mx_conv2d(s, c.a.codes.data(), c.a.codes.size(), c.a.scales.data(), scale_count, MxFormat::Fp4E2M1, w,
                  kIdentity, out.data(), out.size());
    };
    EXPECT_THROW(call(c.s, c.a.scales.size() - 1, c.weights), Error);
    EXPECT_THROW(call(conv(1, 4, 4, 32, 4, 3, 1, 1), c.a.scales.size(), c.weights), Error);  // OC mismatch
    EXPECT_THROW(call(conv(1, 4, 4, 32, 3, 1, 1, 1), c.a.scales.size(), c.weights), Error);  // kernel mismatch
    EXPECT_THROW(call(conv(1, 4, 4, 32, 3, 3, 0, 1), c.a.scales.size(), c.weights), Error);  // stride 0
    const MxWeights gemm_weights(3, 288, MxFormat::Fp4E2M1, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(),
                                 c.w.scales.size());
    EXPECT_THROW(call(c.s, c.a.scales.size(), gemm_weights), Error);
    EXPECT_EQ(out, std::vector<float>(c.out_count(), -7.0f));
    // fp32 activations: a batch far beyond them (2^21 images: 512 MiB of codes) is refused before
    // the call allocates codes for it.
    const std::vector<float> a(16 * 32, 1.0f);
    try {
        mx_conv2d(conv(1 << 21, 4, 4, 32, 3, 3, 1, 1), a.data(), a.size(), MxFormat::Fp4E2M1, c.weights, kIdentity,
                  out.data(), out.size());
        FAIL() << "accepted 2^21 images of activations from a buffer of " << a.size();
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("fp32 activations"), std::string::npos) << e.what();
    }
    EXPECT_EQ(out, std::vector<float>(c.out_count(), -7.0f));
}

LPGEN_INSTANTIATE_PER_ISA(MxConv2d);

}  // namespace
}  // namespace lpgen
