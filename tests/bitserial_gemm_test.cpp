#include <limits>

#include "reference/reference.h"
#include "parallel.h"
#include "test_support.h"

namespace lpgen {
namespace {

using test::PerIsa;

struct GemmCase {
    GemmShape shape;
    Operand a, w;
    std::vector<uint8_t> a_codes, w_codes;
    std::vector<uint64_t> a_packed, w_packed;

    GemmCase(GemmShape s, Operand a_op, Operand w_op, std::mt19937 &rng) : shape(s), a(a_op), w(w_op) {
        a_codes = test::random_codes(size_t(s.m) * s.k, a.bits, rng);
        w_codes = test::random_codes(size_t(s.n) * s.k, w.bits, rng);
        repack();
    }
    void repack() {
        a_packed = ref::pack(a_codes, shape.m, shape.k, a.bits);
        w_packed = ref::pack(w_codes, shape.n, shape.k, w.bits);
    }
    std::vector<int64_t> expected() const { return ref::gemm(a_codes, w_codes, shape, a, w); }
    std::vector<int32_t> run_i32() const {
        std::vector<int32_t> out(size_t(shape.m) * shape.n, -7);
        bitserial_gemm(shape, a_packed.data(), a_packed.size(), a, w_packed.data(), w_packed.size(), w, out.data(),
                       out.size());
        return out;
    }
};

std::vector<int32_t> narrow(const std::vector<int64_t> &v) { return std::vector<int32_t>(v.begin(), v.end()); }

class BitserialGemm : public PerIsa {};

// Both algorithms (popcount over planes, the int8 dot product) for every pair.
TEST_P(BitserialGemm, matches_reference_for_all_bit_pairs_and_encoding_pairs) {
    std::mt19937 rng(3);
    for (BitserialAlgorithm algorithm : {BitserialAlgorithm::Popcount, BitserialAlgorithm::Int8Dot})
    for (int abits = 1; abits <= 8; ++abits)
        for (int wbits = 1; wbits <= 8; ++wbits)
            for (Encoding ae : test::kEncodings)
                for (Encoding we : test::kEncodings) {
                    const test::ForcedAlgorithm forced(algorithm);
                    GemmCase c({5, 19, 137}, {abits, ae, 0}, {wbits, we, 0}, rng);
                    ASSERT_EQ(c.run_i32(), narrow(c.expected()))
                        << "a" << abits << test::encoding_name(ae) << " w" << wbits << test::encoding_name(we)
                        << (algorithm == BitserialAlgorithm::Int8Dot ? " int8" : " popcount");
                }
}

TEST_P(BitserialGemm, matches_reference_on_edge_shapes) {
    std::mt19937 rng(4);
    const GemmShape shapes[] = {{1, 1, 1},   {1, 64, 64},  {7, 1, 65},  {1, 33, 63}, {3, 5, 130},
                                {9, 41, 27}, {4, 24, 128}, {13, 50, 300}, {1, 100, 1000}};
    const std::pair<int, int> widths[] = {{1, 1}, {2, 1}, {2, 2}, {4, 4}, {3, 5}, {8, 8}};
    for (const GemmShape &s : shapes)
        for (auto [ab, wb] : widths)
            for (Encoding e : test::kEncodings) {
                GemmCase c(s, {ab, e, 0}, {wb, e, 0}, rng);
                ASSERT_EQ(c.run_i32(), narrow(c.expected()))
                    << s.m << "x" << s.n << "x" << s.k << " a" << ab << " w" << wb << " " << test::encoding_name(e);
            }
}

TEST_P(BitserialGemm, zero_points_are_subtracted_exactly) {
    std::mt19937 rng(5);
    for (auto [za, zw] : {std::pair{3, 0}, {0, 5}, {7, 2}, {-4, 9}}) {
        GemmCase c({6, 21, 100}, {4, Encoding::Unsigned, za}, {4, Encoding::Unsigned, zw}, rng);
        EXPECT_EQ(c.run_i32(), narrow(c.expected())) << "za=" << za << " zw=" << zw;
    }
}

// All bits set at the largest K of ResNet-18 and far beyond: no partial sum may wrap.
TEST_P(BitserialGemm, all_bits_set_at_large_k_does_not_overflow) {
    std::mt19937 rng(6);
    for (int k : {4608, 65536}) {
        for (auto [ab, wb] : {std::pair{1, 1}, {2, 2}, {4, 4}, {2, 1}, {8, 1}}) {
            for (Encoding e : test::kEncodings) {
                GemmCase c({2, 3, k}, {ab, e, 0}, {wb, e, 0}, rng);
                std::fill(c.a_codes.begin(), c.a_codes.end(), uint8_t((1 << ab) - 1));
                std::fill(c.w_codes.begin(), c.w_codes.end(), uint8_t((1 << wb) - 1));
                c.repack();
                EXPECT_EQ(c.run_i32(), narrow(c.expected())) << "k=" << k << " a" << ab << " w" << wb;
            }
        }
    }
}

// On x86 the int8 path stores activations below 8 bits without the +128, so vpmaddubsw's int16
// pairs stay exact against 8-bit weights: AVX2 takes 1-7-bit activations x 8-bit weights in its
// int8 kernels (up to 4 bits the narrow one, 16 products per int16 lane) instead of the int16
// ones. The largest products both ways (activations all ones, weights at -128 and at 127), at K
// near the fp32 bound (1000 * 127 * 128 < 2^24), and random codes.
TEST_P(BitserialGemm, activations_without_the_offset_keep_8_bit_weights_exact_in_the_int8_kernels) {
    std::mt19937 rng(8);
    const test::ForcedAlgorithm int8(BitserialAlgorithm::Int8Dot);
    for (int ab : {1, 3, 4, 5, 7})
        for (Encoding we : {Encoding::Signed, Encoding::Unsigned, Encoding::Bipolar})
            for (int fill : {-1, 0x00, 0xFF, 0x80}) {
                GemmCase c({9, 37, 1000}, {ab, Encoding::Unsigned, 0}, {8, we, 0}, rng);
                if (fill >= 0) {
                    std::fill(c.a_codes.begin(), c.a_codes.end(), uint8_t((1 << ab) - 1));
                    std::fill(c.w_codes.begin(), c.w_codes.end(), uint8_t(fill));
                    c.repack();
                }
                const std::string what = "a" + std::to_string(ab) + " w8" + test::encoding_name(we) + " fill " +
                                         std::to_string(fill);
                std::vector<int32_t> out(size_t(9) * 37, -7);
                const std::string ran = bitserial_gemm(c.shape, c.a_packed.data(), c.a_packed.size(), c.a,
                                                       c.w_packed.data(), c.w_packed.size(), c.w, out.data(), out.size());
                ASSERT_EQ(out, narrow(c.expected())) << what;
                if (GetParam() == "x86_avx2") {
                    EXPECT_EQ(ran,
                              ab <= 4 ? "lpgen_mx_gemm_i8_narrow__x86_avx2" : "lpgen_mx_gemm_i8__x86_avx2")
                        << what;
                }
            }
}

// 8x8 unsigned at K = 65536 can exceed int32: int32 output refuses, fp32 output is exact enough.
TEST_P(BitserialGemm, int32_output_refuses_sums_that_could_overflow_and_fp32_carries_them) {
    std::mt19937 rng(7);
    GemmCase c({1, 2, 65536}, {8, Encoding::Unsigned, 0}, {8, Encoding::Unsigned, 0}, rng);
    std::fill(c.a_codes.begin(), c.a_codes.end(), 255);
    std::fill(c.w_codes.begin(), c.w_codes.end(), 255);
    c.repack();
    std::vector<int32_t> out(2, -7);
    EXPECT_THROW(bitserial_gemm(c.shape, c.a_packed.data(), c.a_packed.size(), c.a, c.w_packed.data(),
                                c.w_packed.size(), c.w, out.data(), out.size()),
                 Error);
    EXPECT_EQ(out, std::vector<int32_t>(2, -7));

    const float one = 1.0f;
    Fp32Epilogue e{&one, 1};
    std::vector<float> real(2);
    bitserial_gemm(c.shape, c.a_packed.data(), c.a_packed.size(), c.a, c.w_packed.data(), c.w_packed.size(), c.w, e,
                   real.data(), real.size());
    EXPECT_EQ(real, ref::fp32_epilogue(c.expected(), 2, e));
    EXPECT_EQ(real[0], 255.0f * 255.0f * 65536.0f);
}

// The fixed-width fp32 kernels accumulate in int32: sums that could leave it (here 4A4W with
// zero points, 271 * 271 * 40000 > 2^31) must go to the generic int64 kernel and stay exact.
TEST_P(BitserialGemm, fp32_output_of_specialized_widths_falls_back_when_int32_could_overflow) {
    const test::ForcedAlgorithm popcount(BitserialAlgorithm::Popcount);  // the int8 path sums in int64 anyway
    std::mt19937 rng(12);
    GemmCase c({1, 2, 40000}, {4, Encoding::Unsigned, -256}, {4, Encoding::Unsigned, -256}, rng);
    std::fill(c.a_codes.begin(), c.a_codes.end(), 15);
    std::fill(c.w_codes.begin(), c.w_codes.end(), 15);
    c.repack();
    const float one = 1.0f;
    const Fp32Epilogue e{&one, 1};
    std::vector<float> real(2);
    const std::string kernel = bitserial_gemm(c.shape, c.a_packed.data(), c.a_packed.size(), c.a, c.w_packed.data(),
                                              c.w_packed.size(), c.w, e, real.data(), real.size());
    // The generic kernel (int64 sums): M = 1 takes the GEMV one.
    EXPECT_NE(kernel.find("lpgen_bs_gemm_f32_gemv__"), std::string::npos) << kernel;
    EXPECT_EQ(real, ref::fp32_epilogue(c.expected(), 2, e));
    EXPECT_EQ(real[0], float(271.0 * 271.0 * 40000.0));
    // And the generic GEMM kernel at M = 2.
    GemmCase two({2, 2, 40000}, c.a, c.w, rng);
    std::fill(two.a_codes.begin(), two.a_codes.end(), 15);
    std::fill(two.w_codes.begin(), two.w_codes.end(), 15);
    two.repack();
    std::vector<float> both(4);
    const std::string gemm = bitserial_gemm(two.shape, two.a_packed.data(), two.a_packed.size(), two.a,
                                            two.w_packed.data(), two.w_packed.size(), two.w, e, both.data(), both.size());
    EXPECT_NE(gemm.find("lpgen_bs_gemm_f32__"), std::string::npos) << gemm;
    EXPECT_EQ(both, ref::fp32_epilogue(two.expected(), 2, e));
}

TEST_P(BitserialGemm, fp32_epilogue_matches_reference_bit_for_bit) {
    std::mt19937 rng(8);
    std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
    const GemmShape s{7, 37, 190};
    std::vector<float> scale(s.n), bias(s.n);
    for (auto &v : scale) v = dist(rng) * 0.01f;
    for (auto &v : bias) v = dist(rng);
    const Fp32Epilogue epilogues[] = {
        {scale.data(), 1},                                  // per-tensor scale, no bias
        {scale.data(), size_t(s.n), bias.data(), size_t(s.n)},  // per-channel scale and bias
        {scale.data(), size_t(s.n), bias.data(), size_t(s.n), 0.0f},  // ReLU
        {scale.data(), 1, bias.data(), 1, -0.5f, 0.75f},    // clamp
    };
    for (const Fp32Epilogue &e : epilogues) {
        for (auto [ab, wb] : {std::pair{1, 1}, {2, 2}, {3, 2}}) {
            GemmCase c(s, {ab, Encoding::Unsigned, 1}, {wb, Encoding::Signed, 0}, rng);
            std::vector<float> out(size_t(s.m) * s.n);
            bitserial_gemm(s, c.a_packed.data(), c.a_packed.size(), c.a, c.w_packed.data(), c.w_packed.size(), c.w, e,
                           out.data(), out.size());
            EXPECT_EQ(out, ref::fp32_epilogue(c.expected(), s.n, e)) << "a" << ab << " w" << wb;
        }
    }
}

// Unsigned operands without zero points leave no correction terms: the int8 kernels then apply
// the epilogue themselves (no finishing pass). Bit for bit the reference's and popcount's, for
// every epilogue kind, a NaN and an infinite scale among the channels, on a GEMM and a padded conv.
TEST_P(BitserialGemm, int8_kernels_apply_the_epilogue_themselves_where_no_terms_correct_the_sums) {
    std::mt19937 rng(9);
    std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
    const int n = 96;
    std::vector<float> scale(n), bias(n);
    for (auto &v : scale) v = dist(rng) * 0.01f;
    for (auto &v : bias) v = dist(rng);
    scale[5] = std::numeric_limits<float>::quiet_NaN(), scale[7] = std::numeric_limits<float>::infinity();
    const Fp32Epilogue epilogues[] = {
        {scale.data(), 1},
        {scale.data(), size_t(n), bias.data(), size_t(n)},
        {scale.data(), size_t(n), bias.data(), size_t(n), 0.0f},
        {scale.data(), 1, bias.data(), 1, -0.5f, 0.75f},
    };
    const Conv2dShape conv{1, 7, 9, 70, n, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
    for (const Fp32Epilogue &e : epilogues)
        for (auto [ab, wb] : {std::pair{2, 2}, {3, 4}, {4, 8}, {7, 3}}) {
            const Operand a{ab, Encoding::Unsigned, 0}, w{wb, Encoding::Unsigned, 0};
            const std::string what = "a" + std::to_string(ab) + " w" + std::to_string(wb);
            GemmCase c({33, n, 190}, a, w, rng);
            std::vector<float> int8(size_t(33) * n), popcount(int8.size());
            {
                const test::ForcedAlgorithm forced(BitserialAlgorithm::Int8Dot);
                bitserial_gemm(c.shape, c.a_packed.data(), c.a_packed.size(), a, c.w_packed.data(), c.w_packed.size(),
                               w, e, int8.data(), int8.size());
            }
            {
                const test::ForcedAlgorithm forced(BitserialAlgorithm::Popcount);
                bitserial_gemm(c.shape, c.a_packed.data(), c.a_packed.size(), a, c.w_packed.data(), c.w_packed.size(),
                               w, e, popcount.data(), popcount.size());
            }
            const std::vector<float> want = ref::fp32_epilogue(c.expected(), n, e);
            for (size_t i = 0; i < want.size(); ++i) {
                ASSERT_TRUE(test::same_bits_or_both_nan(int8[i], want[i])) << what << " gemm at " << i;
                ASSERT_TRUE(test::same_bits_or_both_nan(popcount[i], want[i])) << what << " gemm at " << i;
            }
            const int pixels = conv.height * conv.width;
            const auto a_codes = test::random_codes(size_t(pixels) * conv.channels, ab, rng);
            const auto w_codes = test::random_codes(size_t(n) * 9 * conv.channels, wb, rng);
            const auto ap = ref::pack(a_codes, pixels, conv.channels, ab);
            const auto wp = ref::pack(w_codes, n * 9, conv.channels, wb);
            std::vector<float> out(size_t(conv.out_height()) * conv.out_width() * n);
            {
                const test::ForcedAlgorithm forced(BitserialAlgorithm::Int8Dot);
                bitserial_conv2d(conv, ap.data(), ap.size(), a, wp.data(), wp.size(), w, e, out.data(), out.size());
            }
            const std::vector<float> want_conv = ref::fp32_epilogue(ref::conv2d(a_codes, w_codes, conv, a, w), n, e);
            for (size_t i = 0; i < want_conv.size(); ++i) {
                ASSERT_TRUE(test::same_bits_or_both_nan(out[i], want_conv[i])) << what << " conv at " << i;
            }
        }
}

TEST_P(BitserialGemm, requantize_and_pack_feeds_the_next_layer) {
    std::mt19937 rng(9);
    const GemmShape s{5, 70, 150};  // N = 70: the packed output has a partial second word
    const float scale = 0.05f, bias = 0.25f;
    const Fp32Epilogue e{&scale, 1, &bias, 1, 0.0f};
    for (Encoding next_e : test::kEncodings) {
        for (int next_bits : {1, 2, 4}) {
            GemmCase c(s, {2, Encoding::Unsigned, 0}, {2, Encoding::Bipolar, 0}, rng);
            const Quantization next{0.1f, 0, next_bits, next_e};
            std::vector<uint64_t> out(packed_words(s.m, s.n, next_bits), ~uint64_t{0});
            bitserial_gemm(s, c.a_packed.data(), c.a_packed.size(), c.a, c.w_packed.data(), c.w_packed.size(), c.w, e,
                           next, out.data(), out.size());
            auto real = ref::fp32_epilogue(c.expected(), s.n, e);
            EXPECT_EQ(out, ref::requantize_pack(real, s.m, s.n, next))
                << test::encoding_name(next_e) << " " << next_bits << " bits";
        }
    }
}

TEST_P(BitserialGemm, specialized_kernels_serve_their_widths) {
    std::mt19937 rng(10);
    GemmCase c({4, 8, 64}, {1, Encoding::Unsigned, 0}, {1, Encoding::Unsigned, 0}, rng);
    std::vector<int32_t> out(32);
    std::string name = bitserial_gemm(c.shape, c.a_packed.data(), c.a_packed.size(), c.a, c.w_packed.data(),
                                      c.w_packed.size(), c.w, out.data(), out.size());
    EXPECT_NE(name.find("a1w1"), std::string::npos) << name;
    const float one = 1.0f;
    std::vector<float> real(32);
    name = bitserial_gemm(c.shape, c.a_packed.data(), c.a_packed.size(), c.a, c.w_packed.data(), c.w_packed.size(),
                          c.w, Fp32Epilogue{&one, 1}, real.data(), real.size());
    EXPECT_NE(name.find("lpgen_bs_gemm_f32_a1w1__"), std::string::npos) << name;
    GemmCase g({4, 8, 64}, {3, Encoding::Unsigned, 0}, {1, Encoding::Unsigned, 0}, rng);
    name = bitserial_gemm(g.shape, g.a_packed.data(), g.a_packed.size(), g.a, g.w_packed.data(), g.w_packed.size(),
                          g.w, out.data(), out.size());
    EXPECT_NE(name.find("lpgen_bs_gemm_i32__"), std::string::npos) << name;
    EXPECT_NE(name.find(active_isa()), std::string::npos) << name;
}

// M = 1 runs the GEMV kernels (each row's words along vector lanes, lanes past K predicated
// off): every width pair and encoding pair with zero points, K around the vector widths, N below
// and above the row tile, int32 and fp32, split over threads along N.
TEST_P(BitserialGemm, gemv_matches_reference_for_every_width_and_encoding) {
    std::mt19937 rng(17);
    const float half = 0.5f;
    for (int abits = 1; abits <= 8; ++abits)
        for (int wbits = 1; wbits <= 8; ++wbits)
            for (Encoding ae : test::kEncodings)
                for (Encoding we : test::kEncodings) {
                    const int az = ae == Encoding::Bipolar ? 0 : (abits + wbits) % 3 - 1;
                    const int wz = we == Encoding::Bipolar ? 0 : (abits * wbits) % 3 - 1;
                    const GemmShape s{1, 1 + (abits * 7 + wbits * 3) % 13, 1 + (abits * 131 + wbits * 17) % 700};
                    GemmCase c(s, {abits, ae, az}, {wbits, we, wz}, rng);
                    const std::string what = "1x" + std::to_string(s.n) + "x" + std::to_string(s.k) + " a" +
                                             std::to_string(abits) + test::encoding_name(ae) + " w" +
                                             std::to_string(wbits) + test::encoding_name(we);
                    ASSERT_EQ(c.run_i32(), narrow(c.expected())) << what;
                    std::vector<float> out(s.n);
                    bitserial_gemm(s, c.a_packed.data(), c.a_packed.size(), c.a, c.w_packed.data(), c.w_packed.size(),
                                   c.w, Fp32Epilogue{&half, 1}, out.data(), out.size());
                    ASSERT_EQ(out, ref::fp32_epilogue(c.expected(), s.n, Fp32Epilogue{&half, 1})) << what;
                }
    set_min_slice_work(1);
    for (int threads : {1, 3}) {
        set_num_threads(threads);
        for (const GemmShape s : {GemmShape{1, 1, 1}, GemmShape{1, 3, 64}, GemmShape{1, 5, 511}, GemmShape{1, 200, 513},
                                  GemmShape{1, 257, 4100}}) {
            for (auto [ab, wb] : {std::pair{1, 1}, {2, 2}, {4, 4}, {1, 8}}) {
                GemmCase c(s, {ab, Encoding::Bipolar, 0}, {wb, Encoding::Signed, 0}, rng);
                ASSERT_EQ(c.run_i32(), narrow(c.expected())) << s.n << "x" << s.k << " threads " << threads;
            }
        }
    }
    set_num_threads(1);
    set_min_slice_work(0);
    // The GEMV kernels serve M = 1 (1A1W and XNOR their own), the GEMM ones M = 2.
    GemmCase one({1, 8, 64}, {1, Encoding::Bipolar, 0}, {1, Encoding::Unsigned, 0}, rng);
    std::vector<int32_t> out(8);
    std::string name = bitserial_gemm(one.shape, one.a_packed.data(), one.a_packed.size(), one.a, one.w_packed.data(),
                                      one.w_packed.size(), one.w, out.data(), out.size());
    EXPECT_NE(name.find("lpgen_bs_gemm_i32_gemv_a1w1__"), std::string::npos) << name;
    one.w = {1, Encoding::Bipolar, 0};
    name = bitserial_gemm(one.shape, one.a_packed.data(), one.a_packed.size(), one.a, one.w_packed.data(),
                          one.w_packed.size(), one.w, out.data(), out.size());
    EXPECT_NE(name.find("lpgen_bs_gemm_i32_gemv_xnor__"), std::string::npos) << name;
    GemmCase wide({1, 8, 64}, {3, Encoding::Unsigned, 0}, {2, Encoding::Unsigned, 0}, rng);
    name = bitserial_gemm(wide.shape, wide.a_packed.data(), wide.a_packed.size(), wide.a, wide.w_packed.data(),
                          wide.w_packed.size(), wide.w, out.data(), out.size());
    EXPECT_NE(name.find("lpgen_bs_gemm_i32_gemv__"), std::string::npos) << name;
    GemmCase fixed({1, 8, 64}, {2, Encoding::Unsigned, 0}, {2, Encoding::Signed, 1}, rng);
    name = bitserial_gemm(fixed.shape, fixed.a_packed.data(), fixed.a_packed.size(), fixed.a, fixed.w_packed.data(),
                          fixed.w_packed.size(), fixed.w, out.data(), out.size());
    EXPECT_NE(name.find("lpgen_bs_gemm_i32_gemv_a2w2__"), std::string::npos) << name;
    EXPECT_EQ(out, narrow(fixed.expected()));
    GemmCase two({2, 4, 64}, {1, Encoding::Unsigned, 0}, {1, Encoding::Unsigned, 0}, rng);
    name = bitserial_gemm(two.shape, two.a_packed.data(), two.a_packed.size(), two.a, two.w_packed.data(),
                          two.w_packed.size(), two.w, out.data(), out.size());
    EXPECT_EQ(name.find("gemv"), std::string::npos) << name;
}

LPGEN_INSTANTIATE_PER_ISA(BitserialGemm);

}  // namespace
}  // namespace lpgen
