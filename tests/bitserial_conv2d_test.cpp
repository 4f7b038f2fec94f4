#include "reference/reference.h"
#include "parallel.h"
#include "test_support.h"

namespace lpgen {
namespace {

using test::PerIsa;

struct ConvCase {
    Conv2dShape shape;
    Operand a, w;
    std::vector<uint8_t> a_codes, w_codes;
    std::vector<uint64_t> a_packed, w_packed;

    ConvCase(const Conv2dShape &s, Operand a_op, Operand w_op, std::mt19937 &rng) : shape(s), a(a_op), w(w_op) {
        a_codes = test::random_codes(size_t(s.batch) * s.height * s.width * s.channels, a.bits, rng);
        w_codes = test::random_codes(size_t(s.out_channels) * s.kernel_h * s.kernel_w * s.channels, w.bits, rng);
        a_packed = ref::pack(a_codes, s.batch * s.height * s.width, s.channels, a.bits);
        w_packed = ref::pack(w_codes, s.out_channels * s.kernel_h * s.kernel_w, s.channels, w.bits);
    }
    size_t out_count() const { return size_t(shape.batch) * shape.out_height() * shape.out_width() * shape.out_channels; }
    std::vector<int64_t> expected() const { return ref::conv2d(a_codes, w_codes, shape, a, w); }
    std::vector<int32_t> run_i32() const {
        std::vector<int32_t> out(out_count(), -7);
        bitserial_conv2d(shape, a_packed.data(), a_packed.size(), a, w_packed.data(), w_packed.size(), w, out.data(),
                         out.size());
        return out;
    }
};

std::vector<int32_t> narrow(const std::vector<int64_t> &v) { return std::vector<int32_t>(v.begin(), v.end()); }

Conv2dShape conv(int batch, int h, int w, int c, int oc, int k, int stride, int dilation, int pt, int pl, int pb,
                 int pr) {
    Conv2dShape s;
    s.batch = batch, s.height = h, s.width = w, s.channels = c, s.out_channels = oc;
    s.kernel_h = s.kernel_w = k, s.stride_h = s.stride_w = stride, s.dilation_h = s.dilation_w = dilation;
    s.pad_top = pt, s.pad_left = pl, s.pad_bottom = pb, s.pad_right = pr;
    return s;
}

const Conv2dShape kShapes[] = {
    conv(1, 5, 5, 64, 16, 1, 1, 1, 0, 0, 0, 0),    // 1x1 (runs as a GEMM)
    conv(2, 7, 6, 65, 12, 1, 2, 1, 0, 0, 0, 0),    // 1x1 stride 2 (subsampled rows, then the GEMM)
    conv(1, 4, 5, 20, 6, 1, 1, 1, 1, 0, 0, 1),     // 1x1 with padding
    conv(1, 7, 9, 70, 20, 3, 1, 1, 1, 1, 1, 1),    // 3x3 same, C not a multiple of 64
    conv(2, 9, 7, 33, 9, 3, 2, 1, 1, 1, 1, 1),     // stride 2, batch 2, odd sizes
    conv(1, 11, 10, 130, 17, 5, 1, 1, 2, 2, 2, 2), // 5x5
    conv(1, 9, 9, 40, 8, 3, 1, 2, 2, 2, 2, 2),     // dilation 2
    conv(1, 8, 6, 64, 24, 3, 2, 1, 0, 1, 2, 0),    // asymmetric padding
    conv(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),      // smallest
    conv(1, 3, 3, 5, 3, 3, 1, 1, 2, 0, 1, 3),      // more padding than image on some sides
};

class BitserialConv2d : public PerIsa {};

// Both algorithms (the 1x1 shapes run as GEMMs, which may take the int8 dot product).
TEST_P(BitserialConv2d, matches_reference_on_kernel_sizes_strides_dilation_and_padding) {
    std::mt19937 rng(11);
    for (BitserialAlgorithm algorithm : {BitserialAlgorithm::Popcount, BitserialAlgorithm::Int8Dot})
    for (const Conv2dShape &s : kShapes)
        for (auto [ab, wb] : {std::pair{1, 1}, {2, 1}, {2, 2}, {4, 4}, {3, 2}, {8, 3}})
            for (Encoding ae : test::kEncodings)
                for (Encoding we : test::kEncodings) {
                    const test::ForcedAlgorithm forced(algorithm);
                    ConvCase c(s, {ab, ae, 0}, {wb, we, 0}, rng);
                    ASSERT_EQ(c.run_i32(), narrow(c.expected()))
                        << s.height << "x" << s.width << "x" << s.channels << " k" << s.kernel_h << " s" << s.stride_h
                        << " d" << s.dilation_h << " a" << ab << test::encoding_name(ae) << " w" << wb
                        << test::encoding_name(we);
                }
}

TEST_P(BitserialConv2d, zero_points_and_padding_contribute_exactly_zero) {
    std::mt19937 rng(12);
    for (const Conv2dShape &s : kShapes) {
        ConvCase c(s, {4, Encoding::Unsigned, 5}, {3, Encoding::Signed, -2}, rng);
        EXPECT_EQ(c.run_i32(), narrow(c.expected())) << s.height << "x" << s.width << " k" << s.kernel_h;
    }
}

// The weight-side corrections come from a table of window-start classes (the interior one and
// each border start): windows wider than the image on both sides, windows wholly in the padding,
// non-square kernels, strides and dilations past the kernel, and calls split over threads (each
// thread a crop of rows) must all find their class.
TEST_P(BitserialConv2d, border_classes_on_wide_windows_non_square_kernels_and_split_rows) {
    std::mt19937 rng(16);
    auto shape = [](int h, int w, int kh, int kw, int sh, int sw, int dh, int dw, int pt, int pl, int pb, int pr) {
        Conv2dShape s = conv(1, h, w, 67, 21, 1, 1, 1, pt, pl, pb, pr);
        s.kernel_h = kh, s.kernel_w = kw, s.stride_h = sh, s.stride_w = sw, s.dilation_h = dh, s.dilation_w = dw;
        return s;
    };
    const Conv2dShape shapes[] = {
        shape(3, 4, 5, 7, 1, 1, 1, 1, 4, 6, 4, 6),    // window wider than the image on both sides
        shape(5, 6, 3, 1, 2, 3, 1, 1, 7, 0, 7, 5),    // rows wholly in the padding, kernel 3x1
        shape(9, 8, 2, 3, 3, 1, 3, 2, 1, 3, 2, 1),    // stride and dilation past the kernel, 2x3
        shape(12, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),  // many interior rows and columns, for the split
    };
    set_min_slice_work(1);  // split even these small calls
    for (int threads : {1, 3}) {
        set_num_threads(threads);
        for (const Conv2dShape &s : shapes)
            for (auto [ab, wb] : {std::pair{1, 1}, {2, 2}, {3, 2}})
                for (Encoding ae : test::kEncodings)
                    for (Encoding we : test::kEncodings) {
                        const int az = ae == Encoding::Bipolar ? 0 : 1, wz = we == Encoding::Bipolar ? 0 : -1;
                        for (auto [a_zero, w_zero] : {std::pair{0, 0}, {az, wz}}) {
                            ConvCase c(s, {ab, ae, a_zero}, {wb, we, w_zero}, rng);
                            ASSERT_EQ(c.run_i32(), narrow(c.expected()))
                                << s.height << "x" << s.width << " k" << s.kernel_h << "x" << s.kernel_w << " a" << ab
                                << test::encoding_name(ae) << a_zero << " w" << wb << test::encoding_name(we) << w_zero
                                << " threads " << threads;
                            std::vector<float> scale(s.out_channels, 0.5f), out(c.out_count());
                            bitserial_conv2d(s, c.a_packed.data(), c.a_packed.size(), c.a, c.w_packed.data(),
                                             c.w_packed.size(), c.w, Fp32Epilogue{scale.data(), scale.size()}, out.data(),
                                             out.size());
                            ASSERT_EQ(out, ref::fp32_epilogue(c.expected(), s.out_channels,
                                                              Fp32Epilogue{scale.data(), scale.size()}));
                        }
                    }
    }
    set_num_threads(1);
    set_min_slice_work(0);
}

// The int8 algorithm runs a convolution as an implicit GEMM on the int8 kernels (windows
// gathered into rows, 256 rows per kernel call): more rows than one call takes, border windows
// of every class in one call, C not a multiple of 32, calls split over threads, both outputs.
TEST_P(BitserialConv2d, int8_convolutions_run_as_implicit_gemm_on_chunks_borders_and_threads) {
    std::mt19937 rng(17);
    const Conv2dShape shapes[] = {
        conv(1, 23, 19, 45, 70, 3, 1, 1, 1, 1, 1, 1),  // 437 windows: two calls, the second partial
        conv(2, 17, 13, 33, 9, 5, 2, 2, 3, 1, 4, 2),   // dilation, stride, asymmetric padding, batch 2
    };
    const test::ForcedAlgorithm int8(BitserialAlgorithm::Int8Dot);
    set_min_slice_work(1);
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        for (const Conv2dShape &s : shapes)
            for (auto [ab, wb] : {std::pair{4, 4}, {8, 3}, {2, 8}})
                for (Encoding ae : {Encoding::Unsigned, Encoding::Signed})
                    for (Encoding we : {Encoding::Unsigned, Encoding::Signed}) {
                        ConvCase c(s, {ab, ae, ae == Encoding::Unsigned ? 1 : 0}, {wb, we, 0}, rng);
                        std::vector<int32_t> out(c.out_count(), -7);
                        const std::string kernel =
                            bitserial_conv2d(s, c.a_packed.data(), c.a_packed.size(), c.a, c.w_packed.data(),
                                             c.w_packed.size(), c.w, out.data(), out.size());
                        // Every pair here has an int8 kernel on AVX-512; AVX2 (8-bit weights)
                        // and ARM (products past its int16 lane sums) keep other routes for some.
                        const bool int8_kernel = std::string(GetParam()) == "x86_avx512";
                        if (int8_kernel) EXPECT_NE(kernel.find("mx_gemm_i8"), std::string::npos) << kernel;
                        ASSERT_EQ(out, narrow(c.expected())) << s.height << "x" << s.width << " k" << s.kernel_h
                                                             << " a" << ab << " w" << wb << " threads " << threads;
                        std::vector<float> scale(s.out_channels), bias(s.out_channels), real(c.out_count());
                        for (int o = 0; o < s.out_channels; ++o) scale[o] = 0.25f * (o % 5 + 1), bias[o] = o - 3.0f;
                        const Fp32Epilogue e{scale.data(), scale.size(), bias.data(), bias.size()};
                        bitserial_conv2d(s, c.a_packed.data(), c.a_packed.size(), c.a, c.w_packed.data(),
                                         c.w_packed.size(), c.w, e, real.data(), real.size());
                        ASSERT_EQ(real, ref::fp32_epilogue(c.expected(), s.out_channels, e));
                    }
    }
    set_num_threads(1);
    set_min_slice_work(0);
}

TEST_P(BitserialConv2d, all_bits_set_at_resnet18_largest_reduction) {
    std::mt19937 rng(13);
    // 3x3 x 512 channels = 4608 products per output, the largest reduction in ResNet-18.
    ConvCase c(conv(1, 3, 3, 512, 8, 3, 1, 1, 1, 1, 1, 1), {4, Encoding::Unsigned, 0}, {4, Encoding::Unsigned, 0}, rng);
    std::fill(c.a_codes.begin(), c.a_codes.end(), 15);
    std::fill(c.w_codes.begin(), c.w_codes.end(), 15);
    c.a_packed = ref::pack(c.a_codes, 9, 512, 4);
    c.w_packed = ref::pack(c.w_codes, 8 * 9, 512, 4);
    auto out = c.run_i32();
    EXPECT_EQ(out, narrow(c.expected()));
    EXPECT_EQ(out[4 * 8], 225 * 4608);  // the centre pixel sees the whole window
}

TEST_P(BitserialConv2d, fp32_epilogue_matches_reference_bit_for_bit) {
    std::mt19937 rng(14);
    const Conv2dShape s = conv(2, 6, 5, 70, 19, 3, 1, 1, 1, 1, 1, 1);
    std::vector<float> scale(s.out_channels), bias(s.out_channels);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (auto &v : scale) v = dist(rng) * 0.02f;
    for (auto &v : bias) v = dist(rng);
    const size_t oc = s.out_channels;
    for (const Fp32Epilogue &e : {Fp32Epilogue{scale.data(), 1}, Fp32Epilogue{scale.data(), oc, bias.data(), oc, 0.0f},
                                  Fp32Epilogue{scale.data(), oc, bias.data(), 1, -0.3f, 0.4f}}) {
        ConvCase c(s, {2, Encoding::Unsigned, 1}, {2, Encoding::Bipolar, 0}, rng);
        std::vector<float> out(c.out_count());
        bitserial_conv2d(s, c.a_packed.data(), c.a_packed.size(), c.a, c.w_packed.data(), c.w_packed.size(), c.w, e,
                         out.data(), out.size());
        EXPECT_EQ(out, ref::fp32_epilogue(c.expected(), s.out_channels, e));
    }
}

TEST_P(BitserialConv2d, requantize_and_pack_chains_two_layers) {
    std::mt19937 rng(15);
    const Conv2dShape first = conv(1, 7, 7, 64, 70, 3, 1, 1, 1, 1, 1, 1);
    ConvCase c(first, {2, Encoding::Unsigned, 0}, {1, Encoding::Bipolar, 0}, rng);
    const float scale = 0.1f;
    const Fp32Epilogue relu{&scale, 1, nullptr, 0, 0.0f};
    const Quantization next{0.5f, 0, 2, Encoding::Unsigned};
    const int rows = first.batch * first.out_height() * first.out_width();
    std::vector<uint64_t> packed(packed_words(rows, first.out_channels, next.bits));
    bitserial_conv2d(first, c.a_packed.data(), c.a_packed.size(), c.a, c.w_packed.data(), c.w_packed.size(), c.w, relu,
                     next, packed.data(), packed.size());
    auto real = ref::fp32_epilogue(c.expected(), first.out_channels, relu);
    ASSERT_EQ(packed, ref::requantize_pack(real, rows, first.out_channels, next));

    // The packed output is directly the next layer's activations.
    const Conv2dShape second = conv(1, 7, 7, 70, 5, 3, 2, 1, 1, 1, 1, 1);
    std::vector<uint8_t> codes(real.size());
    for (size_t i = 0; i < real.size(); ++i) codes[i] = ref::quantize(real[i], next);
    ConvCase d(second, {2, Encoding::Unsigned, 0}, {2, Encoding::Signed, 0}, rng);
    d.a_codes = codes;
    d.a_packed = packed;
    EXPECT_EQ(d.run_i32(), narrow(d.expected()));
}

TEST_P(BitserialConv2d, unpadded_1x1_conv2d_runs_on_the_gemm_kernel_and_others_on_conv2d) {
    std::mt19937 rng(16);
    ConvCase pointwise(kShapes[0], {1, Encoding::Unsigned, 0}, {1, Encoding::Unsigned, 0}, rng);
    std::vector<int32_t> out(pointwise.out_count());
    std::string name = bitserial_conv2d(pointwise.shape, pointwise.a_packed.data(), pointwise.a_packed.size(),
                                        pointwise.a, pointwise.w_packed.data(), pointwise.w_packed.size(), pointwise.w,
                                        out.data(), out.size());
    EXPECT_NE(name.find("bs_gemm_i32_a1w1"), std::string::npos) << name;
    ConvCase strided(kShapes[1], {1, Encoding::Unsigned, 0}, {1, Encoding::Unsigned, 0}, rng);
    out.resize(strided.out_count());
    name = bitserial_conv2d(strided.shape, strided.a_packed.data(), strided.a_packed.size(), strided.a,
                            strided.w_packed.data(), strided.w_packed.size(), strided.w, out.data(), out.size());
    EXPECT_NE(name.find("bs_gemm_i32_a1w1"), std::string::npos) << name;
    EXPECT_EQ(out, narrow(strided.expected()));
    ConvCase window(kShapes[3], {1, Encoding::Unsigned, 0}, {1, Encoding::Unsigned, 0}, rng);
    out.resize(window.out_count());
    name = bitserial_conv2d(window.shape, window.a_packed.data(), window.a_packed.size(), window.a,
                            window.w_packed.data(), window.w_packed.size(), window.w, out.data(), out.size());
    EXPECT_NE(name.find("bs_conv2d_i32_a1w1"), std::string::npos) << name;
}

LPGEN_INSTANTIATE_PER_ISA(BitserialConv2d);

}  // namespace
}  // namespace lpgen
