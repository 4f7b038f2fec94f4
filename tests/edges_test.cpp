// Exact at the edges, through the C API on every kernel variant: quantization next to every
// level boundary (lpgen_quantize_pack and the requantize-and-pack epilogues), conv shapes whose
// int arithmetic would wrap, and the promises lpgen.h documents (tail bits, MX block padding,
// ties, NaN, saturation, NaN through the clamp).
#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "c_api_convert.h"
#include "lpgen/lpgen.h"
#include "reference/reference.h"
#include "test_support.h"

namespace lpgen {
namespace {

using capi::to_cpp;

constexpr float kInf = std::numeric_limits<float>::infinity();

// Code k of a row packed as [bits][ceil(count/64)] words.
int unpacked_code(const uint64_t *row, int bits, int count, int k) {
    const int words = (count + 63) / 64;
    int code = 0;
    for (int b = 0; b < bits; ++b) code |= int((row[size_t(b) * words + k / 64] >> (k % 64)) & 1) << b;
    return code;
}

lpgen_encoding c_encoding(Encoding e) { return static_cast<lpgen_encoding>(e); }

// Where the nearest level changes: unsigned and signed levels are the integers (boundaries at
// half-integers), bipolar levels the odd integers (boundaries at even integers).
std::vector<double> level_boundaries(int bits, Encoding e) {
    const int levels = (1 << bits) - 1;
    std::vector<double> out;
    if (e == Encoding::Bipolar) {
        for (int even = -(levels + 1); even <= levels + 1; even += 2) out.push_back(even);
    } else {
        const int lo = e == Encoding::Signed ? -(1 << (bits - 1)) : 0;
        for (int v = lo - 1; v <= lo + levels; ++v) out.push_back(v + 0.5);
    }
    return out;
}

// Inputs x whose x / scale lies within about `ulps` fp32 steps of every level boundary.
// Subnormal inputs and quotients are left out: ARMv7 NEON flushes them to zero (lpgen.h).
std::vector<float> values_near_boundaries(int bits, Encoding e, float scale, int ulps) {
    std::vector<float> values;
    auto add = [&](float x) {
        if (std::fpclassify(x) != FP_SUBNORMAL && std::fpclassify(x / scale) != FP_SUBNORMAL) values.push_back(x);
    };
    for (double boundary : level_boundaries(bits, e)) {
        const float centre = float(boundary * scale);
        float down = centre, up = centre;
        add(centre);
        if (centre == 0.0f) {  // its fp32 neighbours are subnormal: the smallest normal ones instead
            for (float tiny : {std::numeric_limits<float>::min(), 1e-30f, 1e-10f}) add(tiny), add(-tiny);
        }
        for (int i = 0; i < ulps; ++i) {
            down = std::nextafter(down, -kInf);
            up = std::nextafter(up, kInf);
            add(down);
            add(up);
        }
    }
    return values;
}

// 1 (bipolar and unsigned tests), an odd scale whose quotients round, a fraction.
constexpr float kScales[] = {1.0f, 0x1.104afep+9f, 0x1.8p-3f};

class Edges : public test::PerIsa {};

TEST_P(Edges, quantize_pack_rounds_exactly_next_to_every_level_boundary) {
    for (Encoding e : test::kEncodings) {
        for (int bits = 1; bits <= 8; ++bits) {
            for (float scale : kScales) {
                const lpgen_quantization q{scale, 0, bits, c_encoding(e)};
                std::vector<float> values = values_near_boundaries(bits, e, scale, 64);
                // An odd K takes the one-pass kernel, a multiple of 8 the grouped one.
                for (size_t count : {values.size() | 1, (values.size() + 8) / 8 * 8}) {
                    values.resize(count, 0.0f);
                    std::vector<uint64_t> out(lpgen_packed_words(1, int(count), bits));
                    ASSERT_EQ(lpgen_quantize_pack(values.data(), count, 1, int(count), &q, out.data(), out.size()),
                              LPGEN_OK)
                        << lpgen_last_error();
                    for (size_t i = 0; i < count; ++i) {
                        const int expected = ref::quantize(values[i], to_cpp(q));
                        ASSERT_EQ(unpacked_code(out.data(), bits, int(count), int(i)), expected)
                            << test::encoding_name(e) << " bits=" << bits << " scale=" << scale << " K=" << count
                            << " x=" << std::hexfloat << values[i];
                    }
                }
            }
        }
    }
}

// The requantize-and-pack epilogues see y = float(dot) * scale[n]: with dot = 1 (one 1-bit
// product) and per-channel scales set to the values, channel n requantizes exactly values[n].
TEST_P(Edges, gemm_and_conv_requantize_exactly_next_to_every_level_boundary) {
    const lpgen_operand one_bit{1, LPGEN_UNSIGNED, 0};
    const uint64_t a = 1;  // one row (pixel) of one value, 1
    for (Encoding e : test::kEncodings) {
        for (int bits = 1; bits <= 8; ++bits) {
            for (float scale : {kScales[0], kScales[1]}) {
                const std::vector<float> values = values_near_boundaries(bits, e, scale, 64);
                const int n = int(values.size());
                const lpgen_quantization next{scale, 0, bits, c_encoding(e)};
                const std::vector<uint64_t> expected = ref::requantize_pack(values, 1, n, to_cpp(next));
                const lpgen_epilogue epilogue{values.data(), values.size(), nullptr, 0, -kInf, kInf};
                const std::vector<uint8_t> ones(size_t(n) * 9, 1);

                lpgen_bs_weights *w = nullptr;
                ASSERT_EQ(lpgen_bs_weights_gemm(ones.data(), size_t(n), n, 1, &one_bit, &w), LPGEN_OK);
                const lpgen_gemm_shape gemm{1, n, 1};
                std::vector<uint64_t> out(expected.size());
                ASSERT_EQ(lpgen_bs_gemm_packed(&gemm, &a, 1, &one_bit, w, &epilogue, &next, out.data(), out.size()),
                          LPGEN_OK)
                    << lpgen_last_error();
                EXPECT_EQ(out, expected) << "gemm " << test::encoding_name(e) << " bits=" << bits << " scale=" << scale;
                lpgen_bs_weights_free(w);

                // A 3x3 window over a 1x1 image padded by 1: only the centre tap is inside.
                const lpgen_conv2d_shape conv{1, 1, 1, 1, n, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
                ASSERT_EQ(lpgen_bs_weights_conv2d(ones.data(), ones.size(), n, 3, 3, 1, &one_bit, &w), LPGEN_OK);
                std::fill(out.begin(), out.end(), 0);
                ASSERT_EQ(lpgen_bs_conv2d_packed(&conv, &a, 1, &one_bit, w, &epilogue, &next, out.data(), out.size()),
                          LPGEN_OK)
                    << lpgen_last_error();
                EXPECT_EQ(out, expected) << "conv2d " << test::encoding_name(e) << " bits=" << bits << " scale=" << scale;
                lpgen_bs_weights_free(w);
            }
        }
    }
}

int quantized_code(float x, const lpgen_quantization &q) {
    uint64_t out[8] = {};
    EXPECT_EQ(lpgen_quantize_pack(&x, 1, 1, 1, &q, out, 8), LPGEN_OK) << lpgen_last_error();
    return unpacked_code(out, q.bits, 1, 0);
}

TEST_P(Edges, the_reported_bipolar_cases_take_the_nearest_level) {
    EXPECT_EQ(quantized_code(27.99999f, {1.0f, 0, 8, LPGEN_BIPOLAR}), 141);  // level 27, not 29
    EXPECT_EQ(2 * quantized_code(-1.99999988f, {1.0f, 0, 3, LPGEN_BIPOLAR}) - 7, -1);
    // Through lpgen_bs_gemm_packed: y / next.scale = 27.9999962 takes code 45 (level 27), not 46.
    const lpgen_operand one_bit{1, LPGEN_UNSIGNED, 0};
    const uint8_t one = 1;
    const uint64_t a = 1;
    lpgen_bs_weights *w = nullptr;
    ASSERT_EQ(lpgen_bs_weights_gemm(&one, 1, 1, 1, &one_bit, &w), LPGEN_OK);
    const float y = 0x1.dc8338p+13f;
    const lpgen_epilogue epilogue{&y, 1, nullptr, 0, -kInf, kInf};
    const lpgen_quantization next{0x1.104afep+9f, 0, 6, LPGEN_BIPOLAR};
    const lpgen_gemm_shape shape{1, 1, 1};
    uint64_t out[6] = {};
    ASSERT_EQ(lpgen_bs_gemm_packed(&shape, &a, 1, &one_bit, w, &epilogue, &next, out, 6), LPGEN_OK);
    EXPECT_EQ(unpacked_code(out, 6, 1, 0), 45);
    lpgen_bs_weights_free(w);
}

TEST_P(Edges, ties_go_to_even_nan_quantizes_as_zero_and_infinities_saturate) {
    const lpgen_quantization u8{1.0f, 0, 8, LPGEN_UNSIGNED}, s4{1.0f, 0, 4, LPGEN_SIGNED};
    EXPECT_EQ(quantized_code(0.5f, u8), 0);
    EXPECT_EQ(quantized_code(1.5f, u8), 2);
    EXPECT_EQ(quantized_code(2.5f, u8), 2);
    EXPECT_EQ(quantized_code(-1.5f, s4), 0b1110);  // -2
    EXPECT_EQ(quantized_code(-2.5f, s4), 0b1110);  // -2
    // Bipolar: an even y is a tie between two odd levels; the even code wins.
    EXPECT_EQ(quantized_code(28.0f, {1.0f, 0, 8, LPGEN_BIPOLAR}), 142);  // 29, not 27 (code 141)
    EXPECT_EQ(quantized_code(2.0f, {1.0f, 0, 2, LPGEN_BIPOLAR}), 2);     // +1, not +3 (code 3)

    const float nan = std::numeric_limits<float>::quiet_NaN();
    EXPECT_EQ(quantized_code(nan, {1.0f, 5, 8, LPGEN_UNSIGNED}), 5);  // as 0: the zero point
    EXPECT_EQ(quantized_code(nan, s4), 0);
    EXPECT_EQ(quantized_code(nan, {1.0f, 0, 2, LPGEN_BIPOLAR}), quantized_code(0.0f, {1.0f, 0, 2, LPGEN_BIPOLAR}));
    EXPECT_EQ(quantized_code(kInf, u8), 255);
    EXPECT_EQ(quantized_code(-kInf, u8), 0);
    EXPECT_EQ(quantized_code(kInf, s4), 7);
    EXPECT_EQ(quantized_code(-kInf, s4), 0b1000);  // -8
    EXPECT_EQ(quantized_code(-kInf, {1.0f, 0, 3, LPGEN_BIPOLAR}), 0);  // -7
}

// Every kernel form: 2A2W (the GEMM and conv kernels), 1A1W at M = 1 (the GEMVs, XNOR's XOR
// form among them) and 2A3W (the int8 dot-product path through the weights handle).
TEST_P(Edges, activation_bits_past_k_are_ignored_for_every_encoding) {
    std::mt19937 rng(5);
    const int n = 5, k = 70;  // 58 tail bits in each plane's second word
    struct Form {
        int m, abits, wbits;
    };
    for (const Form f : {Form{3, 2, 2}, Form{1, 1, 1}, Form{3, 2, 3}})
    for (Encoding ae : test::kEncodings) {
        for (Encoding we : test::kEncodings) {
            for (int w_zero_point : {0, 1}) {
                const int m = f.m;
                const lpgen_operand a_op{f.abits, c_encoding(ae), 0}, w_op{f.wbits, c_encoding(we), w_zero_point};
                const auto a_codes = test::random_codes(size_t(m) * k, f.abits, rng);
                const auto w_codes = test::random_codes(size_t(n) * k, f.wbits, rng);
                std::vector<uint64_t> clean(lpgen_packed_words(m, k, f.abits));
                ASSERT_EQ(lpgen_pack_bits(a_codes.data(), a_codes.size(), m, k, f.abits, clean.data(), clean.size()),
                          LPGEN_OK);
                std::vector<uint64_t> dirty = clean;
                for (size_t word = 1; word < dirty.size(); word += 2) {
                    EXPECT_EQ(clean[word] >> (k - 64), 0u) << "the packer leaves the tail bits zero";
                    dirty[word] |= ~uint64_t{0} << (k - 64);
                }
                lpgen_bs_weights *w = nullptr;
                ASSERT_EQ(lpgen_bs_weights_gemm(w_codes.data(), w_codes.size(), n, k, &w_op, &w), LPGEN_OK);
                const lpgen_gemm_shape shape{m, n, k};
                std::vector<int32_t> from_clean(size_t(m) * n), from_dirty(size_t(m) * n);
                ASSERT_EQ(lpgen_bs_gemm_i32(&shape, clean.data(), clean.size(), &a_op, w, from_clean.data(),
                                            from_clean.size()),
                          LPGEN_OK);
                ASSERT_EQ(lpgen_bs_gemm_i32(&shape, dirty.data(), dirty.size(), &a_op, w, from_dirty.data(),
                                            from_dirty.size()),
                          LPGEN_OK);
                EXPECT_EQ(from_dirty, from_clean) << test::encoding_name(ae) << " x " << test::encoding_name(we)
                                                  << " zero point " << w_zero_point << " M " << m << " a"
                                                  << f.abits << "w" << f.wbits;
                lpgen_bs_weights_free(w);

                // The same rows as the pixels of a padded 3x3 conv2d over C = 70 channels.
                const lpgen_conv2d_shape conv{1, 1, m, k, n, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
                const auto cw_codes = test::random_codes(size_t(n) * 9 * k, f.wbits, rng);
                ASSERT_EQ(lpgen_bs_weights_conv2d(cw_codes.data(), cw_codes.size(), n, 3, 3, k, &w_op, &w), LPGEN_OK);
                ASSERT_EQ(lpgen_bs_conv2d_i32(&conv, clean.data(), clean.size(), &a_op, w, from_clean.data(),
                                              from_clean.size()),
                          LPGEN_OK)
                    << lpgen_last_error();
                ASSERT_EQ(lpgen_bs_conv2d_i32(&conv, dirty.data(), dirty.size(), &a_op, w, from_dirty.data(),
                                              from_dirty.size()),
                          LPGEN_OK);
                EXPECT_EQ(from_dirty, from_clean) << "conv2d " << test::encoding_name(ae) << " x "
                                                  << test::encoding_name(we) << " zero point " << w_zero_point;
                lpgen_bs_weights_free(w);
            }
        }
    }
}

TEST_P(Edges, the_clamp_never_turns_nan_into_a_number) {
    const lpgen_operand one_bit{1, LPGEN_UNSIGNED, 0};
    const uint8_t ones[2] = {1, 0};
    const uint64_t a = 1;
    lpgen_bs_weights *w = nullptr;
    ASSERT_EQ(lpgen_bs_weights_gemm(ones, 2, 2, 1, &one_bit, &w), LPGEN_OK);
    // Channel 0: dot 1 times a NaN scale; channel 1: dot 0 times an infinite one.
    const float scales[2] = {std::numeric_limits<float>::quiet_NaN(), kInf};
    const lpgen_epilogue relu6{scales, 2, nullptr, 0, 0.0f, 6.0f};
    const lpgen_gemm_shape shape{1, 2, 1};
    float out[2] = {};
    ASSERT_EQ(lpgen_bs_gemm_f32(&shape, &a, 1, &one_bit, w, &relu6, out, 2), LPGEN_OK);
    EXPECT_TRUE(std::isnan(out[0])) << out[0];
    EXPECT_TRUE(std::isnan(out[1])) << out[1];
    lpgen_bs_weights_free(w);

    // MX: a block with a NaN decodes as NaN, and ReLU leaves it NaN.
    std::vector<float> act(32, 1.0f), weights(32, 1.0f);
    act[3] = std::numeric_limits<float>::quiet_NaN();
    std::vector<uint8_t> w_codes(32), w_scales(1);
    ASSERT_EQ(lpgen_mx_quantize(weights.data(), 32, 1, 32, LPGEN_MX_INT8, w_codes.data(), 32, w_scales.data(), 1),
              LPGEN_OK);
    lpgen_mx_weights *mw = nullptr;
    ASSERT_EQ(lpgen_mx_weights_gemm(1, 32, LPGEN_MX_INT8, w_codes.data(), 32, w_scales.data(), 1, &mw), LPGEN_OK);
    const float one = 1.0f;
    const lpgen_epilogue relu{&one, 1, nullptr, 0, 0.0f, kInf};
    const lpgen_gemm_shape mx_shape{1, 1, 32};
    float mx_out = 0.0f;
    ASSERT_EQ(lpgen_mx_gemm_f32(&mx_shape, act.data(), 32, LPGEN_MX_INT8, mw, &relu, &mx_out, 1), LPGEN_OK);
    EXPECT_TRUE(std::isnan(mx_out)) << mx_out;
    lpgen_mx_weights_free(mw);
}

LPGEN_INSTANTIATE_PER_ISA(Edges);

TEST(EdgesQuantization, a_bipolar_zero_point_is_rejected) {
    const float x = 1.0f;
    const lpgen_quantization q{1.0f, 3, 4, LPGEN_BIPOLAR};
    uint64_t out[4] = {7, 7, 7, 7};
    EXPECT_EQ(lpgen_quantize_pack(&x, 1, 1, 1, &q, out, 4), LPGEN_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lpgen_last_error()).find("zero_point must be 0 for a bipolar"), std::string::npos)
        << lpgen_last_error();
    EXPECT_EQ(out[0], 7u);
}

TEST(EdgesMx, rows_are_padded_to_whole_blocks_and_int8_saturates_at_127_64) {
    EXPECT_EQ(lpgen_mx_code_bytes(LPGEN_MX_FP4_E2M1, 1, 1), 16u);
    EXPECT_EQ(lpgen_mx_code_bytes(LPGEN_MX_FP6_E3M2, 1, 1), 24u);
    EXPECT_EQ(lpgen_mx_code_bytes(LPGEN_MX_INT8, 2, 33), 128u);
    EXPECT_EQ(lpgen_mx_scale_count(2, 33), 4u);

    std::vector<float> block(32, 0.0f), back(32);
    block[0] = 1.999f;  // scale 2^0; 1.999 * 64 rounds to 128, past the largest code
    block[1] = -1.999f;
    std::vector<uint8_t> codes(32), scales(1);
    ASSERT_EQ(lpgen_mx_quantize(block.data(), 32, 1, 32, LPGEN_MX_INT8, codes.data(), 32, scales.data(), 1), LPGEN_OK);
    ASSERT_EQ(lpgen_mx_dequantize(codes.data(), 32, scales.data(), 1, 1, 32, LPGEN_MX_INT8, back.data(), 32),
              LPGEN_OK);
    EXPECT_EQ(scales[0], 127);
    EXPECT_EQ(back[0], 127.0f / 64.0f);
    EXPECT_EQ(back[1], -127.0f / 64.0f);
}

// A 1-bit 5x6x17 conv2d with four 3x3 filters, for shapes that must be refused.
struct TinyConv {
    std::vector<uint64_t> a = std::vector<uint64_t>(30, 1);
    lpgen_operand op{1, LPGEN_UNSIGNED, 0};
    lpgen_bs_weights *w = nullptr;
    lpgen_mx_weights *mw = nullptr;
    std::vector<uint8_t> mx_codes = std::vector<uint8_t>(size_t(36) * 32, 0), mx_scales = std::vector<uint8_t>(36, 127);
    TinyConv() {
        const std::vector<uint8_t> codes(size_t(4) * 9 * 17, 1);
        EXPECT_EQ(lpgen_bs_weights_conv2d(codes.data(), codes.size(), 4, 3, 3, 17, &op, &w), LPGEN_OK);
        EXPECT_EQ(lpgen_mx_weights_conv2d(4, 3, 3, 17, LPGEN_MX_INT8, mx_codes.data(), mx_codes.size(),
                                          mx_scales.data(), mx_scales.size(), &mw),
                  LPGEN_OK);
    }
    ~TinyConv() {
        lpgen_bs_weights_free(w);
        lpgen_mx_weights_free(mw);
    }
};

void expect_refused(const lpgen_conv2d_shape &s, const char *named) {
    TinyConv c;
    EXPECT_EQ(lpgen_conv2d_out_height(&s), -1);
    EXPECT_EQ(lpgen_conv2d_out_width(&s), -1);
    std::vector<int32_t> i32(64, -7);
    std::vector<float> f32(64, -7.0f);
    std::vector<uint64_t> packed(64, 7);
    const float one = 1.0f;
    const lpgen_epilogue e = lpgen_epilogue_identity(&one);
    const lpgen_quantization next{1.0f, 0, 1, LPGEN_UNSIGNED};
    auto expect_named = [&](lpgen_status status, const char *call) {
        EXPECT_EQ(status, LPGEN_INVALID_ARGUMENT) << call;
        EXPECT_NE(std::string(lpgen_last_error()).find(named), std::string::npos) << call << ": " << lpgen_last_error();
    };
    expect_named(lpgen_bs_conv2d_i32(&s, c.a.data(), c.a.size(), &c.op, c.w, i32.data(), i32.size()), "i32");
    expect_named(lpgen_bs_conv2d_f32(&s, c.a.data(), c.a.size(), &c.op, c.w, &e, f32.data(), f32.size()), "f32");
    expect_named(lpgen_bs_conv2d_packed(&s, c.a.data(), c.a.size(), &c.op, c.w, &e, &next, packed.data(), packed.size()),
                 "packed");
    std::vector<uint8_t> a_codes(size_t(30) * 32, 0), a_scales(30, 127);
    expect_named(lpgen_mx_conv2d(&s, a_codes.data(), a_codes.size(), a_scales.data(), a_scales.size(), LPGEN_MX_INT8,
                                 c.mw, &e, f32.data(), f32.size()),
                 "mx");
    EXPECT_EQ(i32, std::vector<int32_t>(64, -7));
    EXPECT_EQ(f32, std::vector<float>(64, -7.0f));
    EXPECT_EQ(packed, std::vector<uint64_t>(64, 7));
}

TEST(EdgesConvShape, padding_that_would_wrap_int_is_refused) {
    const lpgen_conv2d_shape huge_pads{1, 5, 6, 17, 4, 3, 3, 1, 1, 1, 1, INT_MAX, 1, INT_MAX, 1};
    expect_refused(huge_pads, "height + pad_top + pad_bottom");
    const lpgen_conv2d_shape huge_all{1, INT_MAX, 6, 17, 4, 3, 3, 1, 1, 1, 1, INT_MAX, 1, INT_MAX, 1};
    expect_refused(huge_all, "height + pad_top + pad_bottom");
    const lpgen_conv2d_shape huge_width{1, 5, 6, 17, 4, 3, 3, 1, 1, 1, 1, 1, INT_MAX - 6, 1, 2};
    expect_refused(huge_width, "width + pad_left + pad_right");
    // Large padding that fits still gives its exact extent (5 + 1000 - 2).
    const lpgen_conv2d_shape large{1, 5, 6, 17, 4, 3, 3, 1, 1, 1, 1, 1000, 1, 0, 1};
    EXPECT_EQ(lpgen_conv2d_out_height(&large), 1003);
    const lpgen_conv2d_shape at_limit{1, 5, 6, 17, 4, 3, 3, 1000000, 1, 1, 1, INT_MAX - 5, 1, 0, 1};
    EXPECT_EQ(lpgen_conv2d_out_height(&at_limit), (INT_MAX - 3) / 1000000 + 1);
}

}  // namespace
}  // namespace lpgen
