// Kernels specialised for one bit-serial configuration: how configurations are spelt, that the
// prebuilt XNOR kernels serve XNOR calls exactly (padded convolutions, GEMM tails, GEMV), and
// that a kernel registered for a configuration serves that configuration and no other.
#include <cmath>
#include <random>

#include "bitserial_config.h"
#include "bitserial_int8.h"
#include "mx_weights.h"
#include "lpgen/lpgen.h"
#include "reference/reference.h"
#include "test_support.h"
#include "tuned_kernels.h"

namespace lpgen {
namespace {

using test::PerIsa;

// Random codes of a conv's activations ([N*H*W][C], abits) and weights ([OC*KH*KW][C], wbits),
// and their packed planes.
struct ConvOperands {
    std::vector<uint8_t> a, w;
    std::vector<uint64_t> ap, wp;
};

ConvOperands random_conv_operands(const Conv2dShape &s, int abits, int wbits, std::mt19937 &rng) {
    const int pixels = s.batch * s.height * s.width, taps = s.out_channels * s.kernel_h * s.kernel_w;
    ConvOperands o{test::random_codes(size_t(pixels) * s.channels, abits, rng),
                   test::random_codes(size_t(taps) * s.channels, wbits, rng), {}, {}};
    o.ap = ref::pack(o.a, pixels, s.channels, abits);
    o.wp = ref::pack(o.w, taps, s.channels, wbits);
    return o;
}

TEST(BitserialConfigNames, EveryConfigurationRoundTripsThroughItsCanonicalName) {
    int count = 0;
    for (int a = 1; a <= 8; ++a)
        for (int w = 1; w <= 8; ++w)
            for (Encoding ae : test::kEncodings)
                for (Encoding we : test::kEncodings)
                    for (int zero_points = 0; zero_points < 4; ++zero_points)
                        for (bool wide : {false, true}) {
                            const BitserialConfig c{a, w, ae, we, (zero_points & 1) != 0, (zero_points & 2) != 0, wide};
                            const bool refused = (ae == Encoding::Bipolar && c.a_zero_point) ||
                                                 (we == Encoding::Bipolar && c.w_zero_point);
                            const auto back = parse_config(config_name(c));
                            ASSERT_EQ(back.has_value(), !refused) << config_name(c);
                            if (refused) continue;
                            ASSERT_TRUE(*back == c) << config_name(c);
                            const auto split = split_configured_family(configured_family("bs_conv2d_f32", c));
                            ASSERT_TRUE(split && split->generic == "bs_conv2d_f32" && split->config == c);
                            ++count;
                        }
    // Per width pair and sum width: 4 encoding pairs without bipolar x 4 zero-point choices,
    // 4 with one bipolar operand x 2, and XNOR's 1.
    EXPECT_EQ(count, 64 * 2 * (4 * 4 + 4 * 2 + 1));
}

TEST(BitserialConfigNames, ShortSpellingsAndDescriptions) {
    EXPECT_EQ(config_name(parse_config("3A5W").value()), "3A5W:uxu");
    EXPECT_EQ(config_name(parse_config("xnor").value()), "1A1W:bxb");
    EXPECT_EQ(describe_config(parse_config("3A5W:sxb").value()),
              "3-bit signed activations x 5-bit bipolar weights, no zero points, int32 sums");
    EXPECT_EQ(describe_config(parse_config("8A4W:uzxs:wide").value()),
              "8-bit unsigned activations x 4-bit signed weights, an activation zero point, int64 sums");
    const std::vector<std::string> params = generator_params(parse_config("2A3W:bxsz").value());
    const std::vector<std::string> expected = {"fixed_abits=2",         "fixed_wbits=3",          "fixed_a_encoding=bipolar",
                                               "fixed_w_encoding=signed", "a_zero_point_used=false", "w_zero_point_used=true",
                                               "wide_sums=false"};
    EXPECT_EQ(params, expected);
}

TEST(BitserialConfigNames, MalformedConfigurationsAndFamiliesAreRefused) {
    for (const char *bad : {"", "9A1W", "0A1W", "3A5W:", "3A5W:s", "3A5W:sx", "3A5W:sxq", "3A5W:bzxu", "3a5w",
                            "3A5W:sxb:narrow", "3A5W:sxb ", "1A1W:bxbz"}) {
        EXPECT_FALSE(parse_config(bad).has_value()) << "'" << bad << "'";
    }
    // Families: a generic bit-serial family, then a canonical configuration (keys must match).
    for (const char *bad : {"bs_conv2d_f32@3A5W", "bs_conv2d_f32@3A5W:sxbz", "bs_conv2d_f32_a1w1@1A1W:uxu",
                            "mx_gemm_i8@1A1W:uxu", "bs_conv2d_f32@", "@1A1W:uxu", "bs_gemm_f32@1A1W:uxu@1A1W:uxu"}) {
        EXPECT_FALSE(split_configured_family(bad).has_value()) << bad;
        EXPECT_FALSE(is_tunable_family(bad)) << bad;
    }
    EXPECT_TRUE(is_tunable_family("bs_gemm_f32_gemv@4A4W:sxs"));
    EXPECT_TRUE(is_tunable_family("bs_conv2d_packed@2A1W:uzxb"));
}

class SpecialisedKernels : public PerIsa {};

// The prebuilt XNOR kernels: bipolar x bipolar 1A1W without zero points, every operator form,
// against the reference on shapes with tails (K not a multiple of 64, odd images, padding
// wider than a tap, stride 2) and on all-ones operands.
TEST_P(SpecialisedKernels, XnorKernelsServeXnorCallsExactly) {
    std::mt19937 rng(41);
    const Operand xnor{1, Encoding::Bipolar, 0};
    const float scale = 0.25f;
    const Fp32Epilogue e{&scale, 1};
    for (const GemmShape s : {GemmShape{1, 1, 1}, GemmShape{1, 77, 200}, GemmShape{5, 3, 65}, GemmShape{33, 70, 1000}}) {
        for (bool ones : {false, true}) {
            auto a = ones ? std::vector<uint8_t>(size_t(s.m) * s.k, 1) : test::random_codes(size_t(s.m) * s.k, 1, rng);
            auto w = ones ? std::vector<uint8_t>(size_t(s.n) * s.k, 1) : test::random_codes(size_t(s.n) * s.k, 1, rng);
            const auto ap = ref::pack(a, s.m, s.k, 1), wp = ref::pack(w, s.n, s.k, 1);
            const auto want = ref::gemm(a, w, s, xnor, xnor);
            std::vector<int32_t> out(want.size());
            const std::string name = bitserial_gemm(s, ap.data(), ap.size(), xnor, wp.data(), wp.size(), xnor,
                                                    out.data(), out.size());
            EXPECT_NE(name.find(s.m == 1 ? "lpgen_bs_gemm_i32_gemv_xnor__" : "lpgen_bs_gemm_i32_xnor__"),
                      std::string::npos)
                << name;
            ASSERT_EQ(out, std::vector<int32_t>(want.begin(), want.end())) << s.m << "x" << s.n << "x" << s.k;
            std::vector<float> real(want.size());
            const std::string f32 = bitserial_gemm(s, ap.data(), ap.size(), xnor, wp.data(), wp.size(), xnor, e,
                                                   real.data(), real.size());
            EXPECT_NE(f32.find("_xnor__"), std::string::npos) << f32;
            ASSERT_EQ(real, ref::fp32_epilogue(want, s.n, e));
        }
    }
    const Conv2dShape convs[] = {
        {1, 9, 7, 70, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},  // odd image, C past one word
        {1, 5, 6, 64, 3, 3, 3, 2, 2, 1, 1, 2, 1, 2, 0},  // stride 2, asymmetric padding wider than a tap
        {2, 4, 4, 1, 2, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},   // window as large as the padded image, C = 1
    };
    for (const Conv2dShape &s : convs) {
        const auto [a, w, ap, wp] = random_conv_operands(s, 1, 1, rng);
        const auto want = ref::conv2d(a, w, s, xnor, xnor);
        std::vector<int32_t> out(want.size());
        const std::string name =
            bitserial_conv2d(s, ap.data(), ap.size(), xnor, wp.data(), wp.size(), xnor, out.data(), out.size());
        EXPECT_NE(name.find("lpgen_bs_conv2d_i32_xnor__"), std::string::npos) << name;
        ASSERT_EQ(out, std::vector<int32_t>(want.begin(), want.end())) << s.height << "x" << s.width;
        std::vector<float> real(want.size());
        const std::string f32 =
            bitserial_conv2d(s, ap.data(), ap.size(), xnor, wp.data(), wp.size(), xnor, e, real.data(), real.size());
        EXPECT_NE(f32.find("lpgen_bs_conv2d_f32_xnor__"), std::string::npos) << f32;
        ASSERT_EQ(real, ref::fp32_epilogue(want, s.out_channels, e));
    }
    // Not XNOR: one operand unsigned, or a zero point, takes the 1A1W kernel.
    const GemmShape s{4, 8, 64};
    const auto codes = test::random_codes(64 * 8, 1, rng);
    const auto packed = ref::pack(codes, 8, 64, 1);
    std::vector<int32_t> out(32);
    for (const Operand &a : {Operand{1, Encoding::Unsigned, 0}, Operand{1, Encoding::Signed, 0}}) {
        const std::string name =
            bitserial_gemm(s, packed.data(), 4, a, packed.data(), packed.size(), xnor, out.data(), out.size());
        EXPECT_NE(name.find("lpgen_bs_gemm_i32_a1w1__"), std::string::npos) << name;
    }
}

// A kernel registered for "<family>@<configuration>" serves calls of exactly that configuration
// and shape; it wins over one registered for the family as a whole; other encodings or zero
// points at the same shape keep the library's kernel. (The registered function is the generic
// kernel, which computes any configuration: what differs is only who is asked.)
TEST_P(SpecialisedKernels, AConfiguredKernelServesItsConfigurationOnly) {
    const test::ForcedAlgorithm popcount_kernels(BitserialAlgorithm::Popcount);
    std::mt19937 rng(42);
    const GemmShape s{6, 10, 100};
    const auto a = test::random_codes(size_t(s.m) * s.k, 2, rng), w = test::random_codes(size_t(s.n) * s.k, 3, rng);
    const auto ap = ref::pack(a, s.m, s.k, 2), wp = ref::pack(w, s.n, s.k, 3);
    auto generic = reinterpret_cast<void (*)()>(kernels().gemm_i32.fn);
    register_tuned_kernel("bs_gemm_i32@2A3W:uxs", shape_key(s), kernels().isa, generic, "configured_for_this_test");
    register_tuned_kernel("bs_gemm_i32", shape_key(s), kernels().isa, generic, "any_configuration");
    auto run = [&](Operand a_op, Operand w_op) {
        std::vector<int32_t> out(size_t(s.m) * s.n);
        const std::string name =
            bitserial_gemm(s, ap.data(), ap.size(), a_op, wp.data(), wp.size(), w_op, out.data(), out.size());
        const auto want = ref::gemm(a, w, s, a_op, w_op);
        EXPECT_EQ(out, std::vector<int32_t>(want.begin(), want.end())) << name;
        return name;
    };
    EXPECT_EQ(run({2, Encoding::Unsigned, 0}, {3, Encoding::Signed, 0}), "configured_for_this_test");
    EXPECT_EQ(last_dispatch().family, "bs_gemm_i32@2A3W:uxs");
    EXPECT_EQ(run({2, Encoding::Unsigned, 1}, {3, Encoding::Signed, 0}), "any_configuration");
    EXPECT_EQ(run({2, Encoding::Unsigned, 0}, {3, Encoding::Unsigned, 0}), "any_configuration");
    EXPECT_EQ(run({2, Encoding::Bipolar, 0}, {3, Encoding::Signed, -2}), "any_configuration");
    clear_tuned_kernels();
    {
        const DispatchRecording recording;
        EXPECT_NE(run({2, Encoding::Unsigned, 1}, {3, Encoding::Signed, 0}).find("lpgen_bs_gemm_i32__"),
                  std::string::npos);
        EXPECT_EQ(last_dispatch().family, "bs_gemm_i32@2A3W:uzxs");  // what the tuner tunes
    }
    {
        // Through the int8 path the tuner tunes the int8 kernel that runs (an MX family).
        const DispatchRecording recording;
        const test::ForcedAlgorithm int8(BitserialAlgorithm::Int8Dot);
        const std::string ran = run({2, Encoding::Unsigned, 1}, {3, Encoding::Signed, 0});
        EXPECT_EQ(ran, "lpgen_" + last_dispatch().family + "__" + kernels().isa);
        EXPECT_EQ(last_dispatch().family.rfind("mx_", 0), 0u) << last_dispatch().family;
    }
}

// The int8 dot-product algorithm (bitserial_int8.h) against the reference and bit for bit
// against popcount: every width pair x encoding pair, zero points, K around the blocks of 32
// and the words of 64, int32 and fp32 (a NaN scale included), all-ones codes, 1x1 convs.
TEST_P(SpecialisedKernels, Int8DotAlgorithmMatchesReferenceAndPopcount) {
    std::mt19937 rng(43);
    const float scales[] = {0.5f, -3.0f, std::nanf("")};
    const test::ForcedAlgorithm restore(bitserial_algorithm());  // the loop below switches
    for (int abits = 1; abits <= 8; ++abits)
        for (int wbits = 1; wbits <= 8; ++wbits)
            for (Encoding ae : test::kEncodings)
                for (Encoding we : test::kEncodings) {
                    const int az = ae == Encoding::Bipolar ? 0 : (abits + 2 * wbits) % 5 - 2;
                    const int wz = we == Encoding::Bipolar ? 0 : (abits * wbits) % 3 - 1;
                    const Operand a_op{abits, ae, az}, w_op{wbits, we, wz};
                    const int ks[] = {1, 31, 33, 64, 65, 200};
                    const GemmShape s{2 + (abits + wbits) % 5, 1 + (abits * 5 + wbits) % 9, ks[(abits + wbits) % 6]};
                    const bool ones = (abits * wbits) % 7 == 0;
                    const auto a = ones ? std::vector<uint8_t>(size_t(s.m) * s.k, uint8_t((1 << abits) - 1))
                                        : test::random_codes(size_t(s.m) * s.k, abits, rng);
                    const auto w = ones ? std::vector<uint8_t>(size_t(s.n) * s.k, uint8_t((1 << wbits) - 1))
                                        : test::random_codes(size_t(s.n) * s.k, wbits, rng);
                    const auto ap = ref::pack(a, s.m, s.k, abits), wp = ref::pack(w, s.n, s.k, wbits);
                    const auto want = ref::gemm(a, w, s, a_op, w_op);
                    const Fp32Epilogue e{&scales[(abits + wbits) % 3], 1, nullptr, 0, -1000.0f, 1000.0f};
                    const std::string what = test::encoding_name(ae) + std::to_string(abits) + "x" +
                                             test::encoding_name(we) + std::to_string(wbits);
                    std::vector<int32_t> out(want.size());
                    std::vector<float> real(want.size()), popcount(want.size());
                    set_bitserial_algorithm(BitserialAlgorithm::Int8Dot);
                    ASSERT_TRUE(use_int8_dot(s, a_op, w_op)) << what;
                    const std::string name = bitserial_gemm(s, ap.data(), ap.size(), a_op, wp.data(), wp.size(), w_op,
                                                            out.data(), out.size());
                    EXPECT_NE(name.find("lpgen_mx_"), std::string::npos) << name;
                    ASSERT_EQ(out, std::vector<int32_t>(want.begin(), want.end())) << what;
                    bitserial_gemm(s, ap.data(), ap.size(), a_op, wp.data(), wp.size(), w_op, e, real.data(), real.size());
                    set_bitserial_algorithm(BitserialAlgorithm::Popcount);
                    bitserial_gemm(s, ap.data(), ap.size(), a_op, wp.data(), wp.size(), w_op, e, popcount.data(),
                                   popcount.size());
                    const auto expected = ref::fp32_epilogue(want, s.n, e);
                    for (size_t i = 0; i < want.size(); ++i) {
                        ASSERT_TRUE(test::same_bits_or_both_nan(real[i], expected[i])) << what << " at " << i;
                        ASSERT_TRUE(test::same_bits_or_both_nan(real[i], popcount[i])) << what << " at " << i;
                    }
                }
    // A 1x1 convolution through the C API: the handle prepares the int8 weights once.
    set_bitserial_algorithm(BitserialAlgorithm::Int8Dot);
    const lpgen_conv2d_shape pointwise{1, 5, 7, 300, 40, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
    const lpgen_operand a_op{8, LPGEN_UNSIGNED, 3}, w_op{4, LPGEN_SIGNED, 0};
    const auto a = test::random_codes(35 * 300, 8, rng), w = test::random_codes(40 * 300, 4, rng);
    const auto ap = ref::pack(a, 35, 300, 8);
    lpgen_bs_weights *handle = nullptr;
    ASSERT_EQ(lpgen_bs_weights_conv2d(w.data(), w.size(), 40, 1, 1, 300, &w_op, &handle), LPGEN_OK);
    const Conv2dShape cs{1, 5, 7, 300, 40, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
    const auto want = ref::conv2d(a, w, cs, {8, Encoding::Unsigned, 3}, {4, Encoding::Signed, 0});
    for (int call = 0; call < 2; ++call) {
        std::vector<int32_t> out(want.size());
        ASSERT_EQ(lpgen_bs_conv2d_i32(&pointwise, ap.data(), ap.size(), &a_op, handle, out.data(), out.size()), LPGEN_OK)
            << lpgen_last_error();
        EXPECT_NE(std::string(lpgen_last_kernel()).find("lpgen_mx_"), std::string::npos) << lpgen_last_kernel();
        ASSERT_EQ(out, std::vector<int32_t>(want.begin(), want.end()));
    }
    lpgen_bs_weights_free(handle);
}

// The int8 kernels straight on the unpacked rows (one exactly summed segment per row): outputs
// wide enough to be finished in place, several threads, K of many blocks, extreme codes, per-
// channel scales and bias; and K past the kernels' largest segment (2048 blocks), which goes
// through the MX GEMM instead. Against the reference and bit for bit against popcount.
TEST_P(SpecialisedKernels, Int8DotWholeRowSegmentsOnWideOutputsAndThreads) {
    std::mt19937 rng(47);
    const test::ForcedAlgorithm restore(bitserial_algorithm());
    struct Case {
        GemmShape s;
        Operand a, w;
        bool ones;
    };
    const Case cases[] = {
        {{70, 130, 1000}, {8, Encoding::Signed, 0}, {8, Encoding::Signed, 0}, true},
        {{70, 130, 1000}, {8, Encoding::Unsigned, 5}, {8, Encoding::Bipolar, 0}, false},
        {{3, 64, 300}, {3, Encoding::Bipolar, 0}, {5, Encoding::Signed, 0}, false},
        {{1, 200, 777}, {4, Encoding::Unsigned, 2}, {6, Encoding::Unsigned, 1}, true},
        {{33, 96, 4100}, {2, Encoding::Signed, 0}, {3, Encoding::Unsigned, -1}, false},
        {{5, 66, 65600}, {1, Encoding::Unsigned, 0}, {1, Encoding::Bipolar, 0}, false},
    };
    std::vector<float> scale(200), bias(200);
    for (int n = 0; n < 200; ++n) scale[n] = 0.25f * (n % 7) - 0.5f, bias[n] = float(n % 5) - 2.0f;
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        for (const Case &c : cases) {
            const GemmShape &s = c.s;
            const auto a = c.ones ? std::vector<uint8_t>(size_t(s.m) * s.k, uint8_t((1 << c.a.bits) - 1))
                                  : test::random_codes(size_t(s.m) * s.k, c.a.bits, rng);
            const auto w = c.ones ? std::vector<uint8_t>(size_t(s.n) * s.k, uint8_t((1 << c.w.bits) - 1))
                                  : test::random_codes(size_t(s.n) * s.k, c.w.bits, rng);
            const auto ap = ref::pack(a, s.m, s.k, c.a.bits), wp = ref::pack(w, s.n, s.k, c.w.bits);
            const auto want = ref::gemm(a, w, s, c.a, c.w);
            const Fp32Epilogue e{scale.data(), size_t(s.n), bias.data(), size_t(s.n), -1e9f, 1e9f};
            const std::string what = std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) +
                                     " a" + std::to_string(c.a.bits) + " w" + std::to_string(c.w.bits) + " threads " +
                                     std::to_string(threads);
            set_bitserial_algorithm(BitserialAlgorithm::Int8Dot);
            ASSERT_TRUE(use_int8_dot(s, c.a, c.w)) << what;
            std::vector<int32_t> out(want.size(), -7);
            const std::string name = bitserial_gemm(s, ap.data(), ap.size(), c.a, wp.data(), wp.size(), c.w,
                                                    out.data(), out.size());
            EXPECT_NE(name.find("lpgen_mx_g"), std::string::npos) << name;
            ASSERT_EQ(out, std::vector<int32_t>(want.begin(), want.end())) << what;
            std::vector<float> real(want.size(), -7.0f), popcount(want.size());
            bitserial_gemm(s, ap.data(), ap.size(), c.a, wp.data(), wp.size(), c.w, e, real.data(), real.size());
            set_bitserial_algorithm(BitserialAlgorithm::Popcount);
            bitserial_gemm(s, ap.data(), ap.size(), c.a, wp.data(), wp.size(), c.w, e, popcount.data(), popcount.size());
            const auto expected = ref::fp32_epilogue(want, s.n, e);
            for (size_t i = 0; i < want.size(); ++i) {
                ASSERT_TRUE(test::same_bits_or_both_nan(real[i], expected[i])) << what << " at " << i;
                ASSERT_TRUE(test::same_bits_or_both_nan(real[i], popcount[i])) << what << " at " << i;
            }
        }
    }
    set_num_threads(1);
}

// Convolutions through the int8 path: padded taps are x = 0 in the MX window sums, and the
// corrections count only the taps inside the image, so padding contributes exactly 0 for every
// encoding and zero point (checked against the reference and bit for bit against popcount).
TEST_P(SpecialisedKernels, Int8DotConvolutionsMatchReferenceAndPopcount) {
    std::mt19937 rng(44);
    const Conv2dShape shapes[] = {
        {1, 9, 7, 70, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},   // 3x3 same, C past one word
        {2, 6, 5, 33, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},    // stride 2, batch 2, odd sizes
        {1, 8, 6, 64, 24, 3, 3, 2, 2, 1, 1, 1, 0, 2, 0},   // asymmetric padding
        {1, 9, 9, 40, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},    // dilation 2
        {1, 4, 4, 5, 3, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},     // window as large as the padded image
        {1, 5, 5, 20, 6, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1},    // 1x1 with padding (a convolution, not a GEMM)
    };
    const float scale = 0.75f;
    const Fp32Epilogue e{&scale, 1, nullptr, 0, -1e6f, 1e6f};
    for (const Conv2dShape &s : shapes)
        for (auto [ab, wb] : {std::pair{2, 3}, {4, 4}, {8, 2}, {3, 8}, {8, 8}})
            for (Encoding ae : test::kEncodings)
                for (Encoding we : test::kEncodings) {
                    const Operand a_op{ab, ae, ae == Encoding::Bipolar ? 0 : 2}, w_op{wb, we, we == Encoding::Bipolar ? 0 : -1};
                    const auto [a, w, ap, wp] = random_conv_operands(s, ab, wb, rng);
                    const auto want = ref::conv2d(a, w, s, a_op, w_op);
                    const std::string what = std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w) + " s" +
                                             std::to_string(s.stride_h) + " " + test::encoding_name(ae) +
                                             std::to_string(ab) + "x" + test::encoding_name(we) + std::to_string(wb);
                    std::vector<int32_t> out(want.size());
                    std::vector<float> real(want.size()), popcount(want.size());
                    {
                        const test::ForcedAlgorithm int8(BitserialAlgorithm::Int8Dot);
                        ASSERT_TRUE(use_int8_dot(s, a_op, w_op)) << what;
                        const std::string name = bitserial_conv2d(s, ap.data(), ap.size(), a_op, wp.data(), wp.size(),
                                                                  w_op, out.data(), out.size());
                        EXPECT_NE(name.find("lpgen_mx_"), std::string::npos) << name;
                        ASSERT_EQ(out, std::vector<int32_t>(want.begin(), want.end())) << what;
                        bitserial_conv2d(s, ap.data(), ap.size(), a_op, wp.data(), wp.size(), w_op, e, real.data(),
                                         real.size());
                    }
                    const test::ForcedAlgorithm popcount_kernels(BitserialAlgorithm::Popcount);
                    bitserial_conv2d(s, ap.data(), ap.size(), a_op, wp.data(), wp.size(), w_op, e, popcount.data(),
                                     popcount.size());
                    ASSERT_EQ(real, ref::fp32_epilogue(want, s.out_channels, e)) << what;
                    ASSERT_EQ(real, popcount) << what;
                }
}

// Past K * max|x_a| * max|x_w| = 2^24 (8-bit activations and weights past K = 1024) the int8
// kernels' fp32 sums would round, so the activations go in as digits (2 to 4 here) whose sums
// are exact: GEMV, GEMM and padded, strided convolutions, extreme codes, two threads; against
// the reference and bit for bit against popcount. Where no kernel sums the digits (AVX2 GEMMs
// of 8-bit weights at M >= 4: vpmaddubsw would saturate; ARMv7: no int8 weights), popcount
// serves.
TEST_P(SpecialisedKernels, Int8DotSplitsActivationsIntoDigitsPastTheFp32Bound) {
    std::mt19937 rng(48);
    const test::ForcedAlgorithm restore(bitserial_algorithm());
    const bool arm32 = GetParam() == "arm32_a53";
    const Operand u8{8, Encoding::Unsigned, 0}, s8{8, Encoding::Signed, 0}, u8z{8, Encoding::Unsigned, 5};
    const Operand u7{7, Encoding::Unsigned, 0}, b8{8, Encoding::Bipolar, 0}, u8w{8, Encoding::Unsigned, 3};
    struct Case {
        GemmShape s;
        Operand a, w;
        bool extreme;  // activations 255, weights -128: the largest sums
    };
    const Case gemms[] = {
        {{1, 70, 1500}, u8, s8, true},     // GEMV, 2 digits
        {{2, 130, 4100}, s8, u8w, false},  // 2 digits
        {{7, 64, 20000}, u8z, s8, false},  // 4 digits of 2 bits
        {{64, 66, 1100}, u7, b8, false},   // 7-bit activations: 2 digits
    };
    std::vector<float> scale(200), bias(200);
    for (int n = 0; n < 200; ++n) scale[n] = 0.125f * (n % 5) - 0.25f, bias[n] = float(n % 3) - 1.0f;
    auto check = [&](const std::string &what, const std::vector<int32_t> &want, const std::vector<int32_t> &out,
                     const std::vector<float> &real, const std::vector<float> &popcount, const std::vector<float> &expected) {
        ASSERT_EQ(out, want) << what;
        for (size_t i = 0; i < want.size(); ++i) {
            ASSERT_TRUE(test::same_bits_or_both_nan(real[i], expected[i])) << what << " at " << i;
            ASSERT_TRUE(test::same_bits_or_both_nan(real[i], popcount[i])) << what << " at " << i;
        }
    };
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        for (const Case &c : gemms) {
            const GemmShape &s = c.s;
            const std::string what = std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) +
                                     " threads " + std::to_string(threads);
            EXPECT_FALSE(int8_dot_exact(s.k, c.a, c.w)) << what;
            set_bitserial_algorithm(BitserialAlgorithm::Int8Dot);
            // AVX2: the digits go in without the +128, so its int8 pairs take 8-bit weights.
            const bool served = !arm32;
            ASSERT_EQ(use_int8_dot(s, c.a, c.w), served) << what;
            if (!served) continue;
            const auto a = c.extreme ? std::vector<uint8_t>(size_t(s.m) * s.k, 0xFF)
                                     : test::random_codes(size_t(s.m) * s.k, c.a.bits, rng);
            const auto w = c.extreme ? std::vector<uint8_t>(size_t(s.n) * s.k, 0x80)
                                     : test::random_codes(size_t(s.n) * s.k, c.w.bits, rng);
            const auto ap = ref::pack(a, s.m, s.k, c.a.bits), wp = ref::pack(w, s.n, s.k, c.w.bits);
            const auto ref_sums = ref::gemm(a, w, s, c.a, c.w);
            const std::vector<int32_t> want(ref_sums.begin(), ref_sums.end());
            const Fp32Epilogue e{scale.data(), size_t(s.n), bias.data(), size_t(s.n), -1e12f, 1e12f};
            std::vector<int32_t> out(want.size(), -7);
            std::vector<float> real(want.size(), -7.0f), popcount(want.size());
            const std::string name =
                bitserial_gemm(s, ap.data(), ap.size(), c.a, wp.data(), wp.size(), c.w, out.data(), out.size());
            EXPECT_NE(name.find("lpgen_mx_g"), std::string::npos) << name;
            bitserial_gemm(s, ap.data(), ap.size(), c.a, wp.data(), wp.size(), c.w, e, real.data(), real.size());
            set_bitserial_algorithm(BitserialAlgorithm::Popcount);
            bitserial_gemm(s, ap.data(), ap.size(), c.a, wp.data(), wp.size(), c.w, e, popcount.data(), popcount.size());
            check(what, want, out, real, popcount, ref::fp32_epilogue(ref_sums, s.n, e));
        }
        const Conv2dShape convs[] = {
            {1, 5, 7, 130, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},  // K = 1170, padded
            {2, 6, 5, 120, 33, 3, 3, 2, 2, 1, 1, 1, 0, 1, 1},  // stride 2, asymmetric padding
        };
        for (const Conv2dShape &s : convs) {
            const std::string what = "conv C" + std::to_string(s.channels) + " threads " + std::to_string(threads);
            set_bitserial_algorithm(BitserialAlgorithm::Int8Dot);
            ASSERT_EQ(use_int8_dot(s, u8z, s8), !arm32) << what;
            if (arm32) continue;
            const auto [a, w, ap, wp] = random_conv_operands(s, 8, 8, rng);
            const auto ref_sums = ref::conv2d(a, w, s, u8z, s8);
            const std::vector<int32_t> want(ref_sums.begin(), ref_sums.end());
            const Fp32Epilogue e{scale.data(), size_t(s.out_channels), bias.data(), size_t(s.out_channels), -1e12f, 1e12f};
            std::vector<int32_t> out(want.size(), -7);
            std::vector<float> real(want.size(), -7.0f), popcount(want.size());
            const std::string name =
                bitserial_conv2d(s, ap.data(), ap.size(), u8z, wp.data(), wp.size(), s8, out.data(), out.size());
            EXPECT_NE(name.find("lpgen_mx_g"), std::string::npos) << name;
            bitserial_conv2d(s, ap.data(), ap.size(), u8z, wp.data(), wp.size(), s8, e, real.data(), real.size());
            set_bitserial_algorithm(BitserialAlgorithm::Popcount);
            bitserial_conv2d(s, ap.data(), ap.size(), u8z, wp.data(), wp.size(), s8, e, popcount.data(), popcount.size());
            check(what, want, out, real, popcount, ref::fp32_epilogue(ref_sums, s.out_channels, e));
        }
    }
    set_num_threads(1);
    // No split keeps the sums exact (1-bit digits: K * 1 * 128 > 2^24), or K is past the
    // kernels' largest segment: popcount.
    set_bitserial_algorithm(BitserialAlgorithm::Int8Dot);
    EXPECT_FALSE(use_int8_dot(GemmShape{1, 64, 140000}, u8, s8));
    EXPECT_FALSE(use_int8_dot(GemmShape{1, 64, 70000}, u8, Operand{2, Encoding::Unsigned, 0}));  // 2188 blocks
}

// The rule when nothing is forced (x86, where it was measured; ARM keeps popcount): GEMMs take
// int8 from 3 plane pairs (AVX-512: not the specialised 2A2W), GEMVs from 3 (AVX2: 8; the
// specialised widths keep their GEMVs), convolutions from 4 (AVX2: 2; the specialised 2A2W,
// AVX2's 2A1W, keep popcount); popcount for fewer, and wherever the int8 path cannot sum the
// operands exactly (then even a forced int8 path declines).
TEST_P(SpecialisedKernels, TheMeasuredRuleAndTheExactnessBound) {
    const Operand u2{2, Encoding::Unsigned, 0}, u3{3, Encoding::Unsigned, 0}, s4{4, Encoding::Signed, 0},
        u8{8, Encoding::Unsigned, 0}, s8{8, Encoding::Signed, 0};
    const bool x86 = GetParam().rfind("x86", 0) == 0, avx512 = GetParam() == "x86_avx512";
    const Operand u1{1, Encoding::Unsigned, 0};
    ASSERT_EQ(bitserial_algorithm(), BitserialAlgorithm::Auto);
    EXPECT_FALSE(use_int8_dot(GemmShape{64, 64, 512}, u2, u1));  // 2 plane pairs
    EXPECT_EQ(use_int8_dot(GemmShape{64, 64, 512}, u1, u3), x86);  // from 3
    EXPECT_EQ(use_int8_dot(GemmShape{64, 64, 512}, u2, u2), x86 && !avx512);  // AVX-512: specialised 2A2W
    EXPECT_EQ(use_int8_dot(GemmShape{64, 64, 512}, u2, u3), x86);
    EXPECT_EQ(use_int8_dot(GemmShape{2, 64, 512}, s4, s4), x86);
    EXPECT_EQ(use_int8_dot(GemmShape{1, 64, 512}, u2, u3), avx512);  // GEMV: AVX2 from 8 pairs
    EXPECT_FALSE(use_int8_dot(GemmShape{1, 64, 512}, u3, u3));  // specialised 3A3W keeps its GEMV
    EXPECT_EQ(use_int8_dot(GemmShape{1, 64, 512}, s4, s4), x86);  // faster than 4A4W's GEMV
    EXPECT_EQ(use_int8_dot(GemmShape{1, 64, 512}, u3, s4), x86);
    EXPECT_EQ(use_int8_dot(GemmShape{64, 64, 1024}, u8, s8), x86);  // 1024 * 128 * 128 = 2^24
    // Past it the activations go in as digits, where a kernel sums them (on x86 without the +128,
    // so AVX2's pairs take them against 8-bit weights).
    EXPECT_EQ(use_int8_dot(GemmShape{64, 64, 1025}, u8, s8), x86);
    EXPECT_EQ(use_int8_dot(GemmShape{1, 64, 1025}, u8, s8), x86);
    // Convolutions (an implicit GEMM): AVX-512 from 4 plane pairs, the specialised 2A2W keeping
    // popcount; AVX2 from 2, the specialised 2A1W keeping it; 1x1 ones are GEMMs.
    const Operand u4{4, Encoding::Unsigned, 0};
    const Conv2dShape c2{1, 56, 56, 64, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
    EXPECT_EQ(use_int8_dot(c2, u8, u1), x86);
    EXPECT_EQ(use_int8_dot(c2, u3, u4), x86);
    EXPECT_EQ(use_int8_dot(c2, u4, u1), x86);
    EXPECT_EQ(use_int8_dot(c2, u1, u3), x86 && !avx512);
    EXPECT_EQ(use_int8_dot(c2, u2, u2), x86 && !avx512);
    EXPECT_EQ(use_int8_dot(c2, u1, Operand{2, Encoding::Unsigned, 0}), x86 && !avx512);
    EXPECT_FALSE(use_int8_dot(c2, u2, u1));  // specialised 2A1W
    EXPECT_FALSE(use_int8_dot(c2, u1, u1));
    EXPECT_TRUE(int8_dot_exact(74565, Operand{4, Encoding::Bipolar, 0}, u4));  // 74565 * 15 * 15 < 2^24
    EXPECT_FALSE(int8_dot_exact(74566, Operand{4, Encoding::Bipolar, 0}, u4));
    // Signed weights are stored as their values, at most 8 in magnitude at 4 bits.
    EXPECT_TRUE(int8_dot_exact(139810, Operand{4, Encoding::Bipolar, 0}, s4));  // 139810 * 15 * 8 < 2^24
    EXPECT_FALSE(int8_dot_exact(139811, Operand{4, Encoding::Bipolar, 0}, s4));
    set_bitserial_algorithm(BitserialAlgorithm::Int8Dot);
    EXPECT_TRUE(use_int8_dot(GemmShape{1, 64, 512}, u2, u2));
    EXPECT_EQ(use_int8_dot(GemmShape{64, 64, 1025}, u8, s8), x86 || GetParam() == "arm64_a53");
    set_bitserial_algorithm(BitserialAlgorithm::Auto);
}

// Unforced, a weights handle's calls take the rule's algorithm; raw packed weights (no handle,
// so no place to keep the int8 copy) take popcount rather than unpack the weights every call.
TEST_P(SpecialisedKernels, HandlesTakeTheRuleRawWeightsTakePopcount) {
    std::mt19937 rng(45);
    const lpgen_gemm_shape shape{8, 70, 300};
    const lpgen_operand op{4, LPGEN_UNSIGNED, 0};
    const auto a = test::random_codes(8 * 300, 4, rng), w = test::random_codes(70 * 300, 4, rng);
    const auto ap = ref::pack(a, 8, 300, 4), wp = ref::pack(w, 70, 300, 4);
    lpgen_bs_weights *handle = nullptr;
    ASSERT_EQ(lpgen_bs_weights_gemm(w.data(), w.size(), 70, 300, &op, &handle), LPGEN_OK);
    std::vector<int32_t> by_handle(8 * 70), raw(8 * 70);
    ASSERT_EQ(lpgen_bs_gemm_i32(&shape, ap.data(), ap.size(), &op, handle, by_handle.data(), by_handle.size()), LPGEN_OK);
    const std::string handle_kernel = lpgen_last_kernel();
    lpgen_bs_weights_free(handle);
    const Operand cop{4, Encoding::Unsigned, 0};
    const std::string raw_kernel =
        bitserial_gemm({8, 70, 300}, ap.data(), ap.size(), cop, wp.data(), wp.size(), cop, raw.data(), raw.size());
    const bool x86 = GetParam().rfind("x86", 0) == 0;
    EXPECT_EQ(handle_kernel.rfind("lpgen_mx_", 0) == 0, x86) << handle_kernel;
    EXPECT_EQ(raw_kernel.rfind("lpgen_bs_gemm_i32_a4w4__", 0), 0u) << raw_kernel;
    EXPECT_EQ(by_handle, raw);
}

LPGEN_INSTANTIATE_PER_ISA(SpecialisedKernels);

}  // namespace
}  // namespace lpgen
