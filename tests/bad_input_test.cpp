// Bad input: a clear lpgen::Error naming the problem, and the output left untouched.
#include "test_support.h"

namespace lpgen {
namespace {

using test::error_of;

class BadInput : public ::testing::Test {
protected:
    GemmShape shape{2, 3, 100};
    Operand a{2, Encoding::Unsigned, 0}, w{1, Encoding::Unsigned, 0};
    std::vector<uint64_t> a_words = std::vector<uint64_t>(packed_words(2, 100, 2), 1);
    std::vector<uint64_t> w_words = std::vector<uint64_t>(packed_words(3, 100, 1), 1);
    std::vector<int32_t> out = std::vector<int32_t>(6, -7);

    std::string gemm(GemmShape s, Operand ao, Operand wo, size_t a_count, size_t w_count, size_t out_count,
                     bool null_a = false) {
        return error_of([&] {
            bitserial_gemm(s, null_a ? nullptr : a_words.data(), a_count, ao, w_words.data(), w_count, wo, out.data(),
                           out_count);
        });
    }
    void expect_untouched() { EXPECT_EQ(out, std::vector<int32_t>(6, -7)); }
};

TEST_F(BadInput, unsupported_bit_widths_are_rejected) {
    EXPECT_NE(gemm(shape, {0, Encoding::Unsigned, 0}, w, a_words.size(), w_words.size(), 6).find("1 to 8 bits"),
              std::string::npos);
    EXPECT_NE(gemm(shape, a, {9, Encoding::Unsigned, 0}, a_words.size(), w_words.size(), 6).find("w.bits is 9"),
              std::string::npos);
    expect_untouched();
}

TEST_F(BadInput, unknown_encodings_are_rejected) {
    EXPECT_NE(gemm(shape, {2, static_cast<Encoding>(7), 0}, w, a_words.size(), w_words.size(), 6).find("encoding"),
              std::string::npos);
    expect_untouched();
}

TEST_F(BadInput, null_and_undersized_buffers_are_rejected) {
    EXPECT_NE(gemm(shape, a, w, a_words.size(), w_words.size(), 6, true).find("is null"), std::string::npos);
    EXPECT_NE(gemm(shape, a, w, a_words.size() - 1, w_words.size(), 6).find("a (packed activations) holds"),
              std::string::npos);
    EXPECT_NE(gemm(shape, a, w, a_words.size(), w_words.size() - 1, 6).find("w (packed weights) holds"),
              std::string::npos);
    EXPECT_NE(gemm(shape, a, w, a_words.size(), w_words.size(), 5).find("output holds 5"), std::string::npos);
    expect_untouched();
}

TEST_F(BadInput, mismatched_shapes_are_rejected) {
    // K larger than the packed operands hold: the buffers are too small for the claimed shape.
    EXPECT_NE(gemm({2, 3, 200}, a, w, a_words.size(), w_words.size(), 6).find("holds"), std::string::npos);
    EXPECT_NE(gemm({0, 3, 100}, a, w, a_words.size(), w_words.size(), 6).find("shape.m"), std::string::npos);
    EXPECT_NE(gemm({2, -3, 100}, a, w, a_words.size(), w_words.size(), 6).find("shape.n"), std::string::npos);
    expect_untouched();
}

TEST_F(BadInput, sizes_that_overflow_are_rejected_not_wrapped) {
    EXPECT_NE(gemm({1 << 30, 1 << 30, 1 << 30}, a, w, a_words.size(), w_words.size(), 6).find("too large"),
              std::string::npos);
    expect_untouched();
}

TEST_F(BadInput, pack_rejects_codes_wider_than_the_bit_width) {
    std::vector<uint8_t> values{0, 1, 2, 3, 4};
    std::vector<uint64_t> packed(packed_words(1, 5, 2), 42);
    EXPECT_NE(error_of([&] { pack_bits(values.data(), values.size(), 1, 5, 2, packed.data(), packed.size()); })
                  .find("values[4] = 4 does not fit in 2 bits"),
              std::string::npos);
    EXPECT_EQ(packed, std::vector<uint64_t>(packed.size(), 42));
}

TEST_F(BadInput, quantization_and_epilogue_parameters_are_checked) {
    std::vector<float> values(10, 1.0f);
    std::vector<uint64_t> packed(packed_words(1, 10, 2));
    EXPECT_NE(error_of([&] {
                  quantize_pack(values.data(), values.size(), 1, 10, {0.0f, 0, 2, Encoding::Unsigned}, packed.data(),
                                packed.size());
              }).find("scale must be finite"),
              std::string::npos);
    std::vector<float> scale(2, 1.0f), real(6, -7.0f);
    Fp32Epilogue e{scale.data(), 2};  // neither 1 nor N = 3
    EXPECT_NE(error_of([&] {
                  bitserial_gemm(shape, a_words.data(), a_words.size(), a, w_words.data(), w_words.size(), w, e,
                                 real.data(), real.size());
              }).find("scale_count"),
              std::string::npos);
    EXPECT_EQ(real, std::vector<float>(6, -7.0f));
}

TEST_F(BadInput, conv_geometry_is_checked) {
    Conv2dShape s;
    s.height = s.width = 4, s.channels = 8, s.out_channels = 2, s.kernel_h = s.kernel_w = 5;
    std::vector<uint64_t> act(32), wts(200);
    std::vector<int32_t> o(100, -7);
    auto conv = [&](const Conv2dShape &shape) {
        return error_of([&] {
            bitserial_conv2d(shape, act.data(), act.size(), {1}, wts.data(), wts.size(), {1}, o.data(), o.size());
        });
    };
    EXPECT_NE(conv(s).find("window"), std::string::npos);
    s.kernel_h = s.kernel_w = 3;
    s.stride_h = 0;
    EXPECT_NE(conv(s).find("stride_h"), std::string::npos);
    s.stride_h = 1;
    s.pad_left = -1;
    EXPECT_NE(conv(s).find("padding"), std::string::npos);
    EXPECT_EQ(o, std::vector<int32_t>(100, -7));
}

TEST_F(BadInput, unknown_variant_names_are_rejected) {
    EXPECT_NE(error_of([] { select_isa("x86_avx1024"); }).find("not linked"), std::string::npos);
}

}  // namespace
}  // namespace lpgen
