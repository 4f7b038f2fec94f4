// The C API (lpgen.h) and its C++ wrapper (lpgen.hpp): results equal the scalar reference,
// every bad argument gets a status and a message and leaves the output untouched, handles
// reject calls of another shape, and which kernel ran is reported.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "c_api_convert.h"
#include "kernel_table.h"
#include "tuned_kernels.h"
#include "lpgen/lpgen.h"
#include "lpgen/lpgen.hpp"
#include "reference/mx_reference.h"
#include "reference/reference.h"
#include "test_support.h"

namespace {

using lpgen::capi::to_cpp;
using lpgen::test::random_codes;

constexpr float kSentinel = 12345.0f;

lpgen_conv2d_shape conv_shape(int hw, int c, int oc, int k, int stride, int pad) {
    return {1, hw, hw, c, oc, k, k, stride, stride, 1, 1, pad, pad, pad, pad};
}

// A 2A1W conv2d through the C API, with its operands kept for the checks.
struct BitserialConv {
    lpgen_conv2d_shape shape = conv_shape(9, 70, 5, 3, 2, 1);
    lpgen_operand a_op{2, LPGEN_UNSIGNED, 0};
    lpgen_operand w_op{1, LPGEN_BIPOLAR, 0};
    std::vector<uint8_t> a_codes, w_codes;
    std::vector<uint64_t> a;
    lpgen_bs_weights *w = nullptr;
    size_t out_count = 0;

    BitserialConv() {
        std::mt19937 rng(7);
        a_codes = random_codes(size_t(9) * 9 * 70, 2, rng);
        w_codes = random_codes(size_t(5) * 3 * 3 * 70, 1, rng);
        a.resize(lpgen_packed_words(81, 70, 2));
        EXPECT_EQ(lpgen_pack_bits(a_codes.data(), a_codes.size(), 81, 70, 2, a.data(), a.size()), LPGEN_OK);
        EXPECT_EQ(lpgen_bs_weights_conv2d(w_codes.data(), w_codes.size(), 5, 3, 3, 70, &w_op, &w), LPGEN_OK);
        out_count = size_t(lpgen_conv2d_out_height(&shape)) * lpgen_conv2d_out_width(&shape) * 5;
    }
    ~BitserialConv() { lpgen_bs_weights_free(w); }
};

TEST(CApi, BitserialConv2dMatchesTheReference) {
    BitserialConv c;
    ASSERT_EQ(lpgen_conv2d_out_height(&c.shape), 5);
    std::vector<int32_t> out(c.out_count);
    ASSERT_EQ(lpgen_bs_conv2d_i32(&c.shape, c.a.data(), c.a.size(), &c.a_op, c.w, out.data(), out.size()), LPGEN_OK)
        << lpgen_last_error();
    EXPECT_STREQ(lpgen_last_error(), "");
    EXPECT_NE(std::string(lpgen_last_kernel()).find("conv2d"), std::string::npos) << lpgen_last_kernel();
    const auto expected = lpgen::ref::conv2d(c.a_codes, c.w_codes, to_cpp(c.shape), {2, lpgen::Encoding::Unsigned, 0},
                                             {1, lpgen::Encoding::Bipolar, 0});
    ASSERT_EQ(out.size(), expected.size());
    for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], expected[i]) << "at " << i;
}

TEST(CApi, BitserialGemmWithEpilogueMatchesTheReference) {
    std::mt19937 rng(3);
    const lpgen_gemm_shape shape{3, 17, 130};
    const lpgen_operand op{2, LPGEN_SIGNED, 0};
    const auto a_codes = random_codes(3 * 130, 2, rng), w_codes = random_codes(17 * 130, 2, rng);
    std::vector<uint64_t> a(lpgen_packed_words(3, 130, 2));
    ASSERT_EQ(lpgen_pack_bits(a_codes.data(), a_codes.size(), 3, 130, 2, a.data(), a.size()), LPGEN_OK);
    lpgen_bs_weights *w = nullptr;
    ASSERT_EQ(lpgen_bs_weights_gemm(w_codes.data(), w_codes.size(), 17, 130, &op, &w), LPGEN_OK);
    const float scale = 0.5f, bias = -1.0f;
    const lpgen_epilogue e{&scale, 1, &bias, 1, 0.0f, 100.0f};
    std::vector<float> out(3 * 17);
    ASSERT_EQ(lpgen_bs_gemm_f32(&shape, a.data(), a.size(), &op, w, &e, out.data(), out.size()), LPGEN_OK);
    lpgen_bs_weights_free(w);
    const lpgen::Operand cpp_op{2, lpgen::Encoding::Signed, 0};
    const auto dot = lpgen::ref::gemm(a_codes, w_codes, {3, 17, 130}, cpp_op, cpp_op);
    const auto expected = lpgen::ref::fp32_epilogue(dot, 17, {&scale, 1, &bias, 1, 0.0f, 100.0f});
    EXPECT_EQ(out, expected);
}

TEST(CApi, MxGemmDropInEqualsQuantizingFirst) {
    std::mt19937 rng(5);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    const lpgen_gemm_shape shape{2, 9, 70};
    std::vector<float> a(2 * 70), wv(9 * 70);
    for (float &v : a) v = dist(rng);
    for (float &v : wv) v = dist(rng);
    std::vector<uint8_t> codes(lpgen_mx_code_bytes(LPGEN_MX_FP4_E2M1, 9, 70)), scales(lpgen_mx_scale_count(9, 70));
    ASSERT_EQ(lpgen_mx_quantize(wv.data(), wv.size(), 9, 70, LPGEN_MX_FP4_E2M1, codes.data(), codes.size(),
                                scales.data(), scales.size()),
              LPGEN_OK);
    lpgen_mx_weights *w = nullptr;
    ASSERT_EQ(lpgen_mx_weights_gemm(9, 70, LPGEN_MX_FP4_E2M1, codes.data(), codes.size(), scales.data(),
                                    scales.size(), &w),
              LPGEN_OK);
    const float one = 1.0f;
    const lpgen_epilogue e = lpgen_epilogue_identity(&one);
    std::vector<float> drop_in(2 * 9), quantized_first(2 * 9);
    ASSERT_EQ(lpgen_mx_gemm_f32(&shape, a.data(), a.size(), LPGEN_MX_FP8_E4M3, w, &e, drop_in.data(), drop_in.size()),
              LPGEN_OK)
        << lpgen_last_error();
    std::vector<uint8_t> a_codes(lpgen_mx_code_bytes(LPGEN_MX_FP8_E4M3, 2, 70)), a_scales(lpgen_mx_scale_count(2, 70));
    ASSERT_EQ(lpgen_mx_quantize(a.data(), a.size(), 2, 70, LPGEN_MX_FP8_E4M3, a_codes.data(), a_codes.size(),
                                a_scales.data(), a_scales.size()),
              LPGEN_OK);
    ASSERT_EQ(lpgen_mx_gemm(&shape, a_codes.data(), a_codes.size(), a_scales.data(), a_scales.size(),
                            LPGEN_MX_FP8_E4M3, w, &e, quantized_first.data(), quantized_first.size()),
              LPGEN_OK);
    lpgen_mx_weights_free(w);
    EXPECT_EQ(drop_in, quantized_first);
    // And near the fp64 product of the dequantized operands.
    std::vector<float> a_deq(2 * 70), w_deq(9 * 70);
    ASSERT_EQ(lpgen_mx_dequantize(a_codes.data(), a_codes.size(), a_scales.data(), a_scales.size(), 2, 70,
                                  LPGEN_MX_FP8_E4M3, a_deq.data(), a_deq.size()),
              LPGEN_OK);
    ASSERT_EQ(lpgen_mx_dequantize(codes.data(), codes.size(), scales.data(), scales.size(), 9, 70,
                                  LPGEN_MX_FP4_E2M1, w_deq.data(), w_deq.size()),
              LPGEN_OK);
    for (int m = 0; m < 2; ++m) {
        for (int n = 0; n < 9; ++n) {
            double sum = 0, magnitude = 0;
            for (int k = 0; k < 70; ++k) {
                sum += double(a_deq[m * 70 + k]) * w_deq[n * 70 + k];
                magnitude += std::fabs(double(a_deq[m * 70 + k]) * w_deq[n * 70 + k]);
            }
            EXPECT_NEAR(drop_in[m * 9 + n], sum, 1e-6 * magnitude + 1e-30);
        }
    }
}

TEST(CApi, FormatNames) {
    lpgen_mx_format f = LPGEN_MX_INT8;
    ASSERT_EQ(lpgen_mx_format_from_name("fp6_e3m2", &f), LPGEN_OK);
    EXPECT_EQ(f, LPGEN_MX_FP6_E3M2);
    EXPECT_STREQ(lpgen_mx_format_name(LPGEN_MX_FP4_E2M1), "fp4_e2m1");
    EXPECT_EQ(lpgen_mx_format_from_name("fp3", &f), LPGEN_UNSUPPORTED);
    EXPECT_NE(std::string(lpgen_last_error()).find("fp3"), std::string::npos);
    EXPECT_EQ(lpgen_mx_format_from_name(nullptr, &f), LPGEN_UNSUPPORTED);
    EXPECT_EQ(lpgen_packed_words(1, 64, 9), 0u);
}

// Runs a bad call on a conv2d whose output starts as the sentinel: the status must be `want`,
// the message must mention `mentions`, and the output must still be all sentinel.
template <typename Call>
void expect_rejected(lpgen_status want, const char *mentions, size_t out_count, Call &&call) {
    std::vector<float> out(out_count, kSentinel);
    EXPECT_EQ(call(out.data(), out.size()), want) << lpgen_last_error();
    EXPECT_NE(std::string(lpgen_last_error()).find(mentions), std::string::npos)
        << "message '" << lpgen_last_error() << "' should mention '" << mentions << "'";
    for (float v : out) ASSERT_EQ(v, kSentinel) << "a rejected call wrote to its output";
}

TEST(CApiBadInput, BitserialConv2dRejectsEveryBadArgument) {
    BitserialConv c;
    const float one = 1.0f;
    const lpgen_epilogue e = lpgen_epilogue_identity(&one);
    auto call = [&](const lpgen_conv2d_shape *shape, const uint64_t *a, size_t a_words, const lpgen_operand *a_op,
                    const lpgen_bs_weights *w, const lpgen_epilogue *epi) {
        return [=](float *out, size_t n) { return lpgen_bs_conv2d_f32(shape, a, a_words, a_op, w, epi, out, n); };
    };
    const size_t n = c.out_count;
    expect_rejected(LPGEN_INVALID_ARGUMENT, "shape is null", n, call(nullptr, c.a.data(), c.a.size(), &c.a_op, c.w, &e));
    expect_rejected(LPGEN_INVALID_ARGUMENT, "a (packed activations) is null", n,
                    call(&c.shape, nullptr, c.a.size(), &c.a_op, c.w, &e));
    expect_rejected(LPGEN_INVALID_ARGUMENT, "holds", n, call(&c.shape, c.a.data(), c.a.size() - 1, &c.a_op, c.w, &e));
    expect_rejected(LPGEN_INVALID_ARGUMENT, "a_op is null", n, call(&c.shape, c.a.data(), c.a.size(), nullptr, c.w, &e));
    expect_rejected(LPGEN_INVALID_ARGUMENT, "weights handle", n,
                    call(&c.shape, c.a.data(), c.a.size(), &c.a_op, nullptr, &e));
    expect_rejected(LPGEN_INVALID_ARGUMENT, "epilogue is null", n,
                    call(&c.shape, c.a.data(), c.a.size(), &c.a_op, c.w, nullptr));
    const lpgen_operand nine_bits{9, LPGEN_UNSIGNED, 0};
    expect_rejected(LPGEN_UNSUPPORTED, "1 to 8 bits", n, call(&c.shape, c.a.data(), c.a.size(), &nine_bits, c.w, &e));
    lpgen_conv2d_shape other = c.shape;
    other.out_channels = 6;
    expect_rejected(LPGEN_INVALID_ARGUMENT, "w was packed for OC=5", n,
                    call(&other, c.a.data(), c.a.size(), &c.a_op, c.w, &e));
    other = c.shape;
    other.kernel_h = 20;
    expect_rejected(LPGEN_INVALID_ARGUMENT, "w was packed", n, call(&other, c.a.data(), c.a.size(), &c.a_op, c.w, &e));
    // Sizes whose product wraps a 64-bit size_t must not pass as a small buffer.
    other = c.shape;
    other.height = other.width = 1 << 30;
    expect_rejected(LPGEN_INVALID_ARGUMENT, "too large", n, call(&other, c.a.data(), c.a.size(), &c.a_op, c.w, &e));
    const float nan = std::nanf("");
    const lpgen_epilogue nan_clamp{&one, 1, nullptr, 0, nan, 1.0f};
    expect_rejected(LPGEN_INVALID_ARGUMENT, "clamp", n, call(&c.shape, c.a.data(), c.a.size(), &c.a_op, c.w, &nan_clamp));
    expect_rejected(LPGEN_INVALID_ARGUMENT, "output holds", n - 1, [&](float *out, size_t count) {
        return lpgen_bs_conv2d_f32(&c.shape, c.a.data(), c.a.size(), &c.a_op, c.w, &e, out, count);
    });
}

TEST(CApiBadInput, HandlesOfTheOtherOperatorAreRejected) {
    BitserialConv c;
    const lpgen_gemm_shape gemm{1, 5, 70};
    std::vector<int32_t> out(5, 7);
    EXPECT_EQ(lpgen_bs_gemm_i32(&gemm, c.a.data(), c.a.size(), &c.a_op, c.w, out.data(), out.size()),
              LPGEN_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lpgen_last_error()).find("conv2d weights"), std::string::npos) << lpgen_last_error();
    EXPECT_EQ(out, std::vector<int32_t>(5, 7));

    std::vector<float> wv(5 * 64, 1.0f);
    std::vector<uint8_t> codes(lpgen_mx_code_bytes(LPGEN_MX_INT8, 5, 64)), scales(lpgen_mx_scale_count(5, 64));
    ASSERT_EQ(lpgen_mx_quantize(wv.data(), wv.size(), 5, 64, LPGEN_MX_INT8, codes.data(), codes.size(),
                                scales.data(), scales.size()),
              LPGEN_OK);
    lpgen_mx_weights *w = nullptr;
    ASSERT_EQ(lpgen_mx_weights_gemm(5, 64, LPGEN_MX_INT8, codes.data(), codes.size(), scales.data(), scales.size(), &w),
              LPGEN_OK);
    const lpgen_conv2d_shape shape = conv_shape(4, 64, 5, 1, 1, 0);
    const float one = 1.0f;
    const lpgen_epilogue e = lpgen_epilogue_identity(&one);
    std::vector<float> a(16 * 64, 1.0f);
    expect_rejected(LPGEN_INVALID_ARGUMENT, "GEMM weights", 16 * 5, [&](float *out, size_t n) {
        return lpgen_mx_conv2d_f32(&shape, a.data(), a.size(), LPGEN_MX_INT8, w, &e, out, n);
    });
    const lpgen_gemm_shape wrong_k{16, 5, 96};
    expect_rejected(LPGEN_INVALID_ARGUMENT, "k", 16 * 5, [&](float *out, size_t n) {
        return lpgen_mx_gemm_f32(&wrong_k, a.data(), a.size(), LPGEN_MX_INT8, w, &e, out, n);
    });
    lpgen_mx_weights_free(w);
}

// A short codes buffer with a huge shape is refused before anything is allocated (the fuzzer
// found lpgen_bs_weights_gemm reserving 5 GB for 10 codes, then failing).
TEST(CApiBadInput, AHugeWeightShapeWithFewCodesIsRefusedBeforeAllocating) {
    const lpgen_operand op{8, LPGEN_UNSIGNED, 0};
    std::vector<uint8_t> codes(10, 1);
    lpgen_bs_weights *w = nullptr;
    // Just under the 2^31 - 1 element limit: 2 GiB of packed words, were they allocated first.
    EXPECT_EQ(lpgen_bs_weights_gemm(codes.data(), codes.size(), 1 << 15, (1 << 16) - 1, &op, &w), LPGEN_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lpgen_last_error()).find("codes"), std::string::npos) << lpgen_last_error();
    EXPECT_EQ(lpgen_bs_weights_conv2d(codes.data(), codes.size(), 1 << 12, 3, 3, 1 << 15, &op, &w), LPGEN_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lpgen_last_error()).find("codes"), std::string::npos) << lpgen_last_error();
    EXPECT_EQ(w, nullptr);
    lpgen_mx_weights *mw = nullptr;
    EXPECT_EQ(lpgen_mx_weights_gemm(1 << 15, (1 << 16) - 32, LPGEN_MX_FP4_E2M1, codes.data(), codes.size(), codes.data(), 1, &mw),
              LPGEN_INVALID_ARGUMENT);
    EXPECT_EQ(mw, nullptr);
}

TEST(CApiBadInput, FailedConstructorsLeaveTheHandleUntouched) {
    const lpgen_operand op{1, LPGEN_UNSIGNED, 0};
    std::vector<uint8_t> codes(10, 2);  // 2 does not fit in 1 bit
    lpgen_bs_weights *const bs_sentinel = reinterpret_cast<lpgen_bs_weights *>(&codes);
    lpgen_bs_weights *w = bs_sentinel;
    EXPECT_EQ(lpgen_bs_weights_gemm(codes.data(), codes.size(), 1, 10, &op, &w), LPGEN_INVALID_ARGUMENT);
    EXPECT_EQ(w, bs_sentinel);
    EXPECT_NE(std::string(lpgen_last_error()).find("does not fit in 1 bits"), std::string::npos) << lpgen_last_error();
    EXPECT_EQ(lpgen_bs_weights_conv2d(codes.data(), codes.size(), 1, 3, 3, 10, &op, &w), LPGEN_INVALID_ARGUMENT);
    EXPECT_EQ(w, bs_sentinel);
    EXPECT_EQ(lpgen_bs_weights_gemm(codes.data(), codes.size(), 1, 10, &op, nullptr), LPGEN_INVALID_ARGUMENT);
    lpgen_mx_weights *const mx_sentinel = reinterpret_cast<lpgen_mx_weights *>(&codes);
    lpgen_mx_weights *mw = mx_sentinel;
    EXPECT_EQ(lpgen_mx_weights_gemm(4, 64, LPGEN_MX_FP4_E2M1, codes.data(), codes.size(), codes.data(), 1, &mw),
              LPGEN_INVALID_ARGUMENT);
    EXPECT_EQ(mw, mx_sentinel);
    EXPECT_EQ(lpgen_mx_weights_conv2d(4, 3, 3, 64, LPGEN_MX_FP4_E2M1, codes.data(), codes.size(), codes.data(), 1, &mw),
              LPGEN_INVALID_ARGUMENT);
    EXPECT_EQ(mw, mx_sentinel);
    EXPECT_EQ(lpgen_set_num_threads(-2), LPGEN_INVALID_ARGUMENT);
    EXPECT_EQ(lpgen_num_threads(), 1);
}

TEST(CppWrapper, ChainsLayersAndThrowsWithTheStatus) {
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    const lpgen_conv2d_shape first = conv_shape(6, 64, 64, 3, 1, 1), second = conv_shape(6, 64, 32, 1, 1, 0);
    std::vector<float> input(36 * 64);
    for (float &v : input) v = dist(rng) + 1.0f;
    const lpgen_quantization q{0.25f, 0, 2, LPGEN_UNSIGNED};
    const lpgen_operand a_op{2, LPGEN_UNSIGNED, 0}, w_op{1, LPGEN_BIPOLAR, 0};
    const auto w1_codes = random_codes(64 * 9 * 64, 1, rng), w2_codes = random_codes(32 * 64, 1, rng);
    auto w1 = lpgen::api::BitserialWeights::conv2d(w1_codes, 64, 3, 3, 64, w_op);
    auto w2 = lpgen::api::BitserialWeights::conv2d(w2_codes, 32, 1, 1, 64, w_op);
    lpgen::api::Epilogue relu;
    relu.scale = {0.05f};
    relu.clamp_min = 0.0f;
    std::vector<uint64_t> hidden(lpgen_packed_words(36, 64, 2));
    lpgen::api::conv2d(first, lpgen::api::quantize_pack(input, 36, 64, q), a_op, w1, relu, q, hidden);
    std::vector<float> out(36 * 32);
    const std::string kernel = lpgen::api::conv2d(second, hidden, a_op, w2, relu, out);
    EXPECT_NE(kernel.find("lpgen_"), std::string::npos);

    // The same two layers through the scalar reference, codes unpacked between them.
    const lpgen::Quantization cq{0.25f, 0, 2, lpgen::Encoding::Unsigned};
    const lpgen::Operand ca{2, lpgen::Encoding::Unsigned, 0}, cw{1, lpgen::Encoding::Bipolar, 0};
    const lpgen::Fp32Epilogue ce{relu.scale.data(), 1, nullptr, 0, 0.0f, relu.clamp_max};
    std::vector<uint8_t> codes(input.size());
    for (size_t i = 0; i < input.size(); ++i) codes[i] = lpgen::ref::quantize(input[i], cq);
    const auto h = lpgen::ref::fp32_epilogue(lpgen::ref::conv2d(codes, w1_codes, to_cpp(first), ca, cw), 64, ce);
    EXPECT_EQ(hidden, lpgen::ref::requantize_pack(h, 36, 64, cq));
    std::vector<uint8_t> h_codes(h.size());
    for (size_t i = 0; i < h.size(); ++i) h_codes[i] = lpgen::ref::quantize(h[i], cq);
    EXPECT_EQ(out, lpgen::ref::fp32_epilogue(lpgen::ref::conv2d(h_codes, w2_codes, to_cpp(second), ca, cw), 32, ce));

    auto moved = std::move(w2);
    EXPECT_EQ(w2.get(), nullptr);
    try {
        lpgen::api::conv2d(first, hidden, a_op, moved, relu, out);  // 1x1 weights for a 3x3 call
        FAIL() << "expected lpgen::api::Failure";
    } catch (const lpgen::api::Failure &f) {
        EXPECT_EQ(f.status(), LPGEN_INVALID_ARGUMENT);
        EXPECT_NE(std::string(f.what()).find("w was packed"), std::string::npos) << f.what();
    }
}

}  // namespace

namespace {

// A kernel registered for one exact shape serves that shape and no other. The registered
// function is the generic conv2d kernel: same signature and result as the fixed-width one.
TEST(CApiTunedKernels, ARegisteredKernelServesItsShapeOnly) {
    BitserialConv c;
    const lpgen::Kernel<lpgen::BsConvI32Fn> generic = lpgen::kernels().conv2d_i32;
    const std::string shape = lpgen::shape_key(to_cpp(c.shape));
    const lpgen_kernel_entry entry{"bs_conv2d_i32_a2w1", shape.c_str(), lpgen_active_isa(),
                                   reinterpret_cast<void (*)(void)>(generic.fn), "tuned_for_this_test"};
    ASSERT_EQ(lpgen_register_kernels(&entry, 1), LPGEN_OK) << lpgen_last_error();
    std::vector<int32_t> out(c.out_count);
    ASSERT_EQ(lpgen_bs_conv2d_i32(&c.shape, c.a.data(), c.a.size(), &c.a_op, c.w, out.data(), out.size()), LPGEN_OK);
    EXPECT_STREQ(lpgen_last_kernel(), "tuned_for_this_test");
    const auto expected = lpgen::ref::conv2d(c.a_codes, c.w_codes, to_cpp(c.shape), {2, lpgen::Encoding::Unsigned, 0},
                                             {1, lpgen::Encoding::Bipolar, 0});
    ASSERT_EQ(out.size(), expected.size());
    for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], expected[i]) << "at " << i;

    // Another shape (one more output channel's padding) keeps the default kernel.
    lpgen_conv2d_shape other = c.shape;
    other.pad_right = 0;
    std::vector<int32_t> other_out(size_t(lpgen_conv2d_out_height(&other)) * lpgen_conv2d_out_width(&other) * 5);
    ASSERT_EQ(lpgen_bs_conv2d_i32(&other, c.a.data(), c.a.size(), &c.a_op, c.w, other_out.data(), other_out.size()),
              LPGEN_OK);
    EXPECT_STRNE(lpgen_last_kernel(), "tuned_for_this_test");

    lpgen_clear_kernels();
    ASSERT_EQ(lpgen_bs_conv2d_i32(&c.shape, c.a.data(), c.a.size(), &c.a_op, c.w, out.data(), out.size()), LPGEN_OK);
    EXPECT_STRNE(lpgen_last_kernel(), "tuned_for_this_test");
}

TEST(CApiTunedKernels, BadEntriesAreRejectedAndNoneOfTheTableIsRegistered) {
    auto fn = reinterpret_cast<void (*)(void)>(lpgen::kernels().conv2d_i32.fn);
    const char *shape = "conv2d 1x9x9x70->5 k3x3 s2x2 d1x1 p1,1,1,1";
    EXPECT_EQ(lpgen_register_kernels(nullptr, 1), LPGEN_INVALID_ARGUMENT);
    EXPECT_EQ(lpgen_register_kernels(nullptr, 0), LPGEN_OK);
    const lpgen_kernel_entry good{"bs_conv2d_i32_a2w1", shape, lpgen_active_isa(), fn, "good"};
    const lpgen_kernel_entry bad_tables[][2] = {
        {good, {"bitpack_u8", shape, lpgen_active_isa(), fn, "packing is not dispatched per shape"}},
        {good, {"no_such_family", shape, lpgen_active_isa(), fn, "x"}},
        {good, {"bs_conv2d_i32_a2w1", nullptr, lpgen_active_isa(), fn, "x"}},
        {good, {"bs_conv2d_i32_a2w1", shape, "", fn, "x"}},
        {good, {"bs_conv2d_i32_a2w1", shape, lpgen_active_isa(), nullptr, "x"}},
        {good, {"bs_conv2d_i32_a2w1", shape, lpgen_active_isa(), fn, nullptr}},
        {good, {"bs_gemm_i32_a2w1", "gemm banana", lpgen_active_isa(), fn, "x"}},
        {good, {"bs_gemm_i32_a2w1", "gemm 0x4x4", lpgen_active_isa(), fn, "x"}},
        {good, {"bs_gemm_i32_a2w1", "gemm 04x4x4", lpgen_active_isa(), fn, "not as lpgen spells it"}},
        {good, {"bs_gemm_i32_a2w1", "gemm 4x4x4 ", lpgen_active_isa(), fn, "x"}},
        {good, {"bs_gemm_i32_a2w1", shape, lpgen_active_isa(), fn, "a conv2d shape for a GEMM family"}},
        {good, {"bs_conv2d_i32_a2w1", "gemm 4x4x4", lpgen_active_isa(), fn, "a GEMM shape for a conv2d family"}},
        {good, {"bs_conv2d_i32_a2w1", "conv2d 1x9x9x70->5 k30x3 s2x2 d1x1 p1,1,1,1", lpgen_active_isa(), fn,
                "a window larger than the padded input"}},
        {good, {"mx_gemm_i8", "gemm 4x4x4x4", lpgen_active_isa(), fn, "x"}},
        {good, {"bs_conv2d_i32_a2w1", shape, "x86_avx1024", fn, "x"}},
    };
    for (const auto &table : bad_tables) {
        EXPECT_EQ(lpgen_register_kernels(table, 2), LPGEN_INVALID_ARGUMENT);
        EXPECT_NE(std::string(lpgen_last_error()).find("entry 1"), std::string::npos) << lpgen_last_error();
    }
    const lpgen_kernel_entry gemm_entry{"mx_gemm_i8", "gemm 4x4x4", "arm32_a53", fn, "another variant's"};
    EXPECT_EQ(lpgen_register_kernels(&gemm_entry, 1), LPGEN_OK) << lpgen_last_error();
    lpgen_clear_kernels();
    // The good first entry was never registered: the default kernel still serves its shape.
    BitserialConv c;
    std::vector<int32_t> out(c.out_count);
    ASSERT_EQ(lpgen_bs_conv2d_i32(&c.shape, c.a.data(), c.a.size(), &c.a_op, c.w, out.data(), out.size()), LPGEN_OK);
    EXPECT_STRNE(lpgen_last_kernel(), "good");
}

}  // namespace
