// The generic MX GEMM against an fp64 reference of the dequantized operands, for every pair of
// formats, edge shapes, NaN blocks, the epilogue, and bit-identity across kernel variants.
#include <cmath>
#include <cstring>

#include "kernel_table.h"
#include "mx_decode_tables.h"
#include "mx_test_support.h"
#include "mx_weights.h"
#include "test_support.h"

namespace lpgen {
namespace {

using test::PerIsa;

using test::kMxFormats;
using test::MxMatrix;

struct MxCase {
    GemmShape s;
    MxFormat af, wf;
    MxMatrix a, w;
    MxCase(GemmShape shape, MxFormat a_format, MxFormat w_format, std::mt19937 &rng)
        : s(shape), af(a_format), wf(w_format), a(shape.m, shape.k, a_format, rng), w(shape.n, shape.k, w_format, rng) {}

    std::vector<float> run(const Fp32Epilogue &e) const {
        std::vector<float> out(size_t(s.m) * s.n, -7.0f);
        mx_gemm(s, a.codes.data(), a.codes.size(), a.scales.data(), a.scales.size(), af, w.codes.data(), w.codes.size(),
                w.scales.data(), w.scales.size(), wf, e, out.data(), out.size());
        return out;
    }
    // Exact dot products and the error bound: fp32 rounding of each block and of the running sum.
    void expect_close(const std::vector<float> &out) const {
        const int blocks = (s.k + 31) / 32;
        for (int m = 0; m < s.m; ++m)
            for (int n = 0; n < s.n; ++n) {
                double dot = 0, magnitude = 0;
                for (int k = 0; k < s.k; ++k) {
                    const double p = a.values[size_t(m) * s.k + k] * w.values[size_t(n) * s.k + k];
                    dot += p;
                    magnitude += std::fabs(p);
                }
                const double bound = test::mx_dot_bound(magnitude, blocks);
                ASSERT_NEAR(out[size_t(m) * s.n + n], dot, bound)
                    << mx_format_name(af) << " x " << mx_format_name(wf) << " at " << m << "," << n;
            }
    }
};

const float kOne = 1.0f;
const Fp32Epilogue kIdentity{&kOne, 1};

class MxGemm : public PerIsa {};

// Whether the active variant's int8 path takes these activations and weights for m rows
// (runtime/kernel_table.h): its GEMV takes every int8 pair, its GEMM may take fewer.
bool int8_path_takes(MxFormat a_format, const MxWeights &w, int m) {
    const int64_t a_max = mx_tables(a_format).max_magnitude, w_max = mx_tables(w.prepared().format).max_magnitude;
    return mx_tables(a_format).fits_int8 && w.prepared().has_int8() &&
           (m < 4 || mx_i8_kernels_take(kernels(), a_max, w_max));
}

// The largest finite value of each format (OCP MX v1.0).
float largest_value(MxFormat f) {
    switch (f) {
    case MxFormat::Fp8E4M3: return 448.0f;
    case MxFormat::Fp8E5M2: return 57344.0f;
    case MxFormat::Fp6E3M2: return 28.0f;
    case MxFormat::Fp6E2M3: return 7.5f;
    case MxFormat::Fp4E2M1: return 6.0f;
    default: return 127.0f / 64.0f;  // INT8
    }
}

using test::same_bits_or_both_nan;

TEST_P(MxGemm, matches_fp64_reference_within_bound_for_every_format_pair) {
    std::mt19937 rng(40);
    for (MxFormat af : kMxFormats)
        for (MxFormat wf : kMxFormats) {
            MxCase c({3, 5, 100}, af, wf, rng);
            c.expect_close(c.run(kIdentity));
        }
}

TEST_P(MxGemm, edge_shapes) {
    std::mt19937 rng(41);
    for (GemmShape s : {GemmShape{1, 1, 1}, GemmShape{2, 3, 31}, GemmShape{1, 7, 32}, GemmShape{5, 1, 33},
                        GemmShape{4, 70, 65}, GemmShape{9, 17, 300}})
        for (auto [af, wf] : {std::pair{MxFormat::Fp4E2M1, MxFormat::Fp4E2M1}, {MxFormat::Fp8E4M3, MxFormat::Fp4E2M1},
                              {MxFormat::Int8, MxFormat::Int8}, {MxFormat::Fp8E5M2, MxFormat::Fp6E3M2}}) {
            MxCase c(s, af, wf, rng);
            c.expect_close(c.run(kIdentity));
        }
}

TEST_P(MxGemm, nan_blocks_propagate_to_their_outputs_only) {
    std::mt19937 rng(42);
    MxCase c({3, 4, 64}, MxFormat::Fp4E2M1, MxFormat::Fp8E4M3, rng);
    c.a.scales[2 * 1 + 1] = 0xFF;  // row 1, block 1
    std::vector<float> out = c.run(kIdentity);
    for (int m = 0; m < 3; ++m)
        for (int n = 0; n < 4; ++n) EXPECT_EQ(std::isnan(out[m * 4 + n]), m == 1) << m << "," << n;
}

TEST_P(MxGemm, epilogue_scales_adds_bias_and_clamps) {
    std::mt19937 rng(43);
    MxCase c({4, 6, 96}, MxFormat::Fp6E2M3, MxFormat::Fp4E2M1, rng);
    const std::vector<float> plain = c.run(kIdentity);
    std::vector<float> scale{0.5f, 2.0f, -1.0f, 0.25f, 1.0f, 3.0f}, bias{1, -1, 0.5f, 0, 2, -2};
    const Fp32Epilogue e{scale.data(), 6, bias.data(), 6, 0.0f, 4.0f};
    const std::vector<float> out = c.run(e);
    for (int i = 0; i < 24; ++i) {
        const float expected = std::min(std::max(plain[i] * scale[i % 6] + bias[i % 6], 0.0f), 4.0f);
        EXPECT_EQ(out[i], expected) << i;
    }
}

// The summation order is part of the contract: every variant and schedule gives the same bits.
TEST(MxGemmVariants, results_are_bit_identical_across_kernel_variants) {
    std::mt19937 rng(44);
    for (auto [af, wf] : {std::pair{MxFormat::Fp8E4M3, MxFormat::Fp4E2M1}, {MxFormat::Fp4E2M1, MxFormat::Fp4E2M1},
                          {MxFormat::Fp8E5M2, MxFormat::Int8}}) {
    MxCase c({7, 40, 200}, af, wf, rng);
    std::vector<std::vector<float>> results;
    for (const std::string &isa : test::linked_isas()) {
        if (!cpu_supports_isa(isa.c_str())) continue;
        select_isa(isa.c_str());
        results.push_back(c.run(kIdentity));
    }
    for (size_t i = 1; i < results.size(); ++i) {
        EXPECT_EQ(0, std::memcmp(results[0].data(), results[i].data(), results[0].size() * sizeof(float)))
            << mx_format_name(af) << " x " << mx_format_name(wf);
    }
    }
}

// The int8, int16 and generic kernels on the same operands: the same bits, including scales
// at the ends of E8M0's range, NaN blocks and every tail of the register tiles.
TEST_P(MxGemm, int8_int16_and_generic_kernels_give_the_same_bits) {
    std::mt19937 rng(46);
    std::uniform_int_distribution<int> scale(0, 235);
    const std::pair<MxFormat, MxFormat> pairs[] = {{MxFormat::Fp4E2M1, MxFormat::Fp4E2M1},
                                                   {MxFormat::Fp6E2M3, MxFormat::Int8},
                                                   {MxFormat::Int8, MxFormat::Int8},
                                                   {MxFormat::Int8, MxFormat::Fp4E2M1},
                                                   {MxFormat::Fp6E3M2, MxFormat::Fp6E3M2},  // no int8 path
                                                   {MxFormat::Fp4E2M1, MxFormat::Fp6E3M2},
                                                   {MxFormat::Fp8E4M3, MxFormat::Fp4E2M1},  // int16 in two planes
                                                   {MxFormat::Fp8E4M3, MxFormat::Int8},
                                                   {MxFormat::Fp8E4M3, MxFormat::Fp8E4M3},  // both as lo and hi planes
                                                   {MxFormat::Fp8E4M3, MxFormat::Fp6E3M2},
                                                   {MxFormat::Fp6E3M2, MxFormat::Fp8E4M3},
                                                   {MxFormat::Fp4E2M1, MxFormat::Fp8E4M3}};
    for (GemmShape s : {GemmShape{1, 1, 1}, GemmShape{1, 7, 31}, GemmShape{5, 1, 32}, GemmShape{3, 33, 33},
                        GemmShape{4, 48, 64}, GemmShape{9, 53, 200}, GemmShape{13, 100, 96}})
        for (auto [af, wf] : pairs) {
            MxCase c(s, af, wf, rng);
            for (auto &v : c.a.scales) v = static_cast<uint8_t>(scale(rng) % 3 == 0 ? (scale(rng) % 2) * 254 : v);
            for (auto &v : c.w.scales) v = static_cast<uint8_t>(scale(rng) % 3 == 0 ? scale(rng) : v);
            c.a.scales[0] = 0xFF;
            if (c.w.scales.size() > 1) c.w.scales.back() = 0xFF;
            const MxWeights w(s.n, s.k, wf, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(), c.w.scales.size());
            // ARMv7 NEON flushes subnormals, so 32-bit ARM has no int8 path (runtime/mx_weights.cpp).
            std::vector<MxPath> paths{MxPath::Int16, MxPath::Generic};
            if (int8_path_takes(af, w, s.m)) paths.push_back(MxPath::Int8);
#if !defined(__arm__)
            ASSERT_EQ(mx_tables(wf).fits_int8, w.prepared().has_int8());  // not E3M2 or E4M3
#endif
            std::vector<std::vector<float>> out;
            for (MxPath path : paths) {
                out.emplace_back(size_t(s.m) * s.n, -7.0f);
                run_mx_gemm(path, s.m, c.a.codes.data(), c.a.scales.data(), af, w.prepared(), kIdentity,
                            out.back().data());
            }
            for (size_t i = 1; i < out.size(); ++i)
                for (size_t j = 0; j < out[0].size(); ++j)
                    ASSERT_TRUE(same_bits_or_both_nan(out[0][j], out[i][j]))
                        << mx_format_name(af) << " x " << mx_format_name(wf) << " " << s.m << "x" << s.n << "x" << s.k
                        << " path " << i << " element " << j << ": " << out[0][j] << " vs " << out[i][j];
        }
}

// Every element at its format's largest magnitude, in sign patterns that make the partial sums
// of the int8 kernels largest (vpmaddubsw saturates pairs of products at 2^15 - 1): each path
// that takes the formats gives the generic kernel's bits, and the fastest path is right too.
TEST_P(MxGemm, largest_elements_are_summed_exactly_by_every_path) {
    std::mt19937 rng(51);
    const std::pair<MxFormat, MxFormat> pairs[] = {{MxFormat::Int8, MxFormat::Fp6E2M3},
                                                   {MxFormat::Int8, MxFormat::Fp4E2M1},
                                                   {MxFormat::Fp8E4M3, MxFormat::Int8},
                                                   {MxFormat::Fp8E4M3, MxFormat::Fp6E2M3},
                                                   {MxFormat::Fp6E2M3, MxFormat::Fp6E2M3},
                                                   {MxFormat::Fp4E2M1, MxFormat::Fp4E2M1},
                                                   {MxFormat::Int8, MxFormat::Int8},
                                                   {MxFormat::Fp8E4M3, MxFormat::Fp8E4M3},
                                                   {MxFormat::Fp8E4M3, MxFormat::Fp6E3M2},
                                                   {MxFormat::Int8, MxFormat::Fp8E4M3}};
    for (const GemmShape s : {GemmShape{5, 70, 96}, GemmShape{1, 70, 96}})  // the GEMM and the GEMV
    for (auto [af, wf] : pairs)
        for (int pattern = 0; pattern < 3; ++pattern) {
            MxCase c(s, af, wf, rng);
            for (size_t i = 0; i < c.a.source.size(); ++i) c.a.source[i] = largest_value(af);
            for (size_t i = 0; i < c.w.source.size(); ++i)
                c.w.source[i] = largest_value(wf) * (pattern == 0 ? 1 : pattern == 1 ? -1 : (i % 3 ? 1 : -1));
            c.a.requantize();
            c.w.requantize();
            const MxWeights w(s.n, s.k, wf, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(), c.w.scales.size());
            std::vector<MxPath> paths{MxPath::Generic, MxPath::Fastest, MxPath::Int16};
            if (int8_path_takes(af, w, s.m)) paths.push_back(MxPath::Int8);
            std::vector<std::vector<float>> out;
            for (MxPath path : paths) {
                out.emplace_back(size_t(s.m) * s.n, -7.0f);
                run_mx_gemm(path, s.m, c.a.codes.data(), c.a.scales.data(), af, w.prepared(), kIdentity,
                            out.back().data());
            }
            c.expect_close(out[0]);
            for (size_t i = 1; i < out.size(); ++i)
                ASSERT_EQ(0, std::memcmp(out[0].data(), out[i].data(), out[0].size() * sizeof(float)))
                    << mx_format_name(af) << " x " << mx_format_name(wf) << " pattern " << pattern << " path " << i;
        }
}

// MXFP4 x MXFP4 GEMMs take the narrow int8 kernel (on AVX2 each lane adds a block's 16 products
// in int16: 16 * 140 * 12 < 2^15). Wider pairs do not there: E2M3 activations reach 188 as
// uint8, and 16 * 188 * 12 > 2^15. The GEMV keeps its own kernel.
TEST_P(MxGemm, mxfp4_gemms_take_the_narrow_int8_kernel_and_wider_pairs_do_not) {
    std::mt19937 rng(54);
    const std::string suffix = "__" + GetParam();
    for (auto [af, m] : {std::pair{MxFormat::Fp4E2M1, 8}, {MxFormat::Fp6E2M3, 8}, {MxFormat::Fp4E2M1, 1}}) {
        MxCase c({m, 64, 96}, af, MxFormat::Fp4E2M1, rng);
        const MxWeights w(64, 96, MxFormat::Fp4E2M1, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(),
                          c.w.scales.size());
        if (!w.prepared().has_int8()) GTEST_SKIP() << "no int8 path on this variant";
        std::vector<float> out(size_t(m) * 64);
        const std::string ran =
            run_mx_gemm(MxPath::Fastest, m, c.a.codes.data(), c.a.scales.data(), af, w.prepared(), kIdentity, out.data());
        c.expect_close(out);
        const bool narrow = m >= 4 && (af == MxFormat::Fp4E2M1 || GetParam() != "x86_avx2");
        EXPECT_EQ(ran, std::string(m < 4 ? "lpgen_mx_gemv_i8" : narrow ? "lpgen_mx_gemm_i8_narrow" : "lpgen_mx_gemm_i8") + suffix)
            << mx_format_name(af) << " activations, " << m << " rows";
    }
}

// Where the int8 kernels sum in int16 (pairs on x86 without VNNI, lanes of 8 products on ARM),
// INT8 x INT8 is refused by that path with a clear error instead of saturating or wrapping.
TEST_P(MxGemm, int8_path_refuses_weights_it_cannot_sum_exactly) {
    std::mt19937 rng(52);
    MxCase c({8, 64, 64}, MxFormat::Int8, MxFormat::Int8, rng);
    const MxWeights w(64, 64, MxFormat::Int8, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(), c.w.scales.size());
    if (!w.prepared().has_int8() || int8_path_takes(MxFormat::Int8, w, 8)) GTEST_SKIP() << "this variant's int8 kernels take INT8 weights";
    std::vector<float> out(8 * 64, -7.0f);
    EXPECT_THROW(run_mx_gemm(MxPath::Int8, 8, c.a.codes.data(), c.a.scales.data(), MxFormat::Int8, w.prepared(),
                             kIdentity, out.data()),
                 Error);
    EXPECT_EQ(-7.0f, out[0]);
}

// E4M3 activations take the int16 kernels in two planes only where every int32 partial sum
// stays in range: not against E3M2 weights (32 x 229376 x 448 > 2^31), which the generic kernel
// sums in fp64.
// E5M2 has no integer decoding: the int16 path refuses it, writing nothing, and the fastest
// path (the generic kernel's fp32 block sums) serves it.
TEST_P(MxGemm, int16_path_refuses_formats_without_an_integer_decoding) {
    std::mt19937 rng(53);
    MxCase c({2, 64, 64}, MxFormat::Fp8E5M2, MxFormat::Fp6E3M2, rng);
    const MxWeights w(64, 64, MxFormat::Fp6E3M2, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(),
                      c.w.scales.size());
    std::vector<float> out(2 * 64, -7.0f);
    EXPECT_THROW(run_mx_gemm(MxPath::Int16, 2, c.a.codes.data(), c.a.scales.data(), MxFormat::Fp8E5M2, w.prepared(),
                             kIdentity, out.data()),
                 Error);
    EXPECT_EQ(-7.0f, out[0]);
    run_mx_gemm(MxPath::Fastest, 2, c.a.codes.data(), c.a.scales.data(), MxFormat::Fp8E5M2, w.prepared(), kIdentity,
                out.data());
    c.expect_close(out);
}

// E4M3 against E4M3 or E3M2 (block sums up to 2^41, past int32) takes the int16 kernels with
// both operands as lo and hi (three planes of products), GEMM and GEMV.
TEST_P(MxGemm, fp8_pairs_take_the_three_plane_int16_kernels) {
    std::mt19937 rng(54);
    for (auto [af, wf] : {std::pair{MxFormat::Fp8E4M3, MxFormat::Fp8E4M3}, {MxFormat::Fp8E4M3, MxFormat::Fp6E3M2},
                          {MxFormat::Fp6E3M2, MxFormat::Fp8E4M3}})
        for (int m : {1, 6}) {
            MxCase c({m, 64, 96}, af, wf, rng);
            const MxWeights w(64, 96, wf, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(), c.w.scales.size());
            std::vector<float> out(size_t(m) * 64, -7.0f);
            const std::string name = run_mx_gemm(MxPath::Fastest, m, c.a.codes.data(), c.a.scales.data(), af,
                                                 w.prepared(), kIdentity, out.data());
            EXPECT_NE(std::string::npos, name.find(m == 1 ? "mx_gemv_i16_fp8" : "mx_gemm_i16_fp8")) << name;
            c.expect_close(out);
        }
}

TEST_P(MxGemm, weights_with_scales_beyond_the_int8_kernel_range_take_another_path) {
    std::mt19937 rng(47);
    MxCase c({3, 5, 64}, MxFormat::Fp4E2M1, MxFormat::Fp4E2M1, rng);
    c.w.scales[1] = 250;  // 2^123: block sum x scale could overflow fp32 before the activation scale
    const MxWeights w(5, 64, MxFormat::Fp4E2M1, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(),
                      c.w.scales.size());
    EXPECT_FALSE(w.prepared().has_int8());
    std::vector<float> out(15), generic(15);  // the fastest path that remains, and the generic one
    mx_gemm(c.s, c.a.codes.data(), c.a.codes.size(), c.a.scales.data(), c.a.scales.size(), MxFormat::Fp4E2M1, w,
            kIdentity, out.data(), out.size());
    run_mx_gemm(MxPath::Generic, 3, c.a.codes.data(), c.a.scales.data(), MxFormat::Fp4E2M1, w.prepared(), kIdentity,
                generic.data());
    EXPECT_EQ(0, std::memcmp(out.data(), generic.data(), sizeof(float) * 15));
}

// Drop-in mode: fp32 activations quantized inside the call equal quantizing them first.
TEST_P(MxGemm, fp32_activations_are_quantized_in_the_call) {
    std::mt19937 rng(48);
    for (MxFormat af : kMxFormats) {
        MxCase c({6, 20, 77}, af, MxFormat::Fp4E2M1, rng);
        const MxWeights w(20, 77, MxFormat::Fp4E2M1, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(),
                          c.w.scales.size());
        std::vector<float> from_fp32(120, -7.0f), from_codes(120, -8.0f);
        mx_gemm(c.s, c.a.source.data(), c.a.source.size(), af, w, kIdentity, from_fp32.data(), from_fp32.size());
        mx_gemm(c.s, c.a.codes.data(), c.a.codes.size(), c.a.scales.data(), c.a.scales.size(), af, w, kIdentity,
                from_codes.data(), from_codes.size());
        EXPECT_EQ(0, std::memcmp(from_fp32.data(), from_codes.data(), sizeof(float) * 120)) << mx_format_name(af);
        c.expect_close(from_fp32);
    }
}

TEST_P(MxGemm, prepared_weights_serve_any_number_of_rows) {
    std::mt19937 rng(49);
    MxCase c({1, 64, 4096}, MxFormat::Fp4E2M1, MxFormat::Fp4E2M1, rng);
    const MxWeights w(64, 4096, MxFormat::Fp4E2M1, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(),
                      c.w.scales.size());
    std::vector<float> out(64);
    mx_gemm(c.s, c.a.codes.data(), c.a.codes.size(), c.a.scales.data(), c.a.scales.size(), MxFormat::Fp4E2M1, w,
            kIdentity, out.data(), out.size());
    c.expect_close(out);
    MxCase batch({11, 64, 4096}, MxFormat::Fp4E2M1, MxFormat::Fp4E2M1, rng);
    batch.w = c.w;
    std::vector<float> out11(11 * 64);
    mx_gemm(batch.s, batch.a.codes.data(), batch.a.codes.size(), batch.a.scales.data(), batch.a.scales.size(),
            MxFormat::Fp4E2M1, w, kIdentity, out11.data(), out11.size());
    batch.expect_close(out11);
}

TEST(MxGemmBadInput, short_scales_k_mismatch_and_unknown_formats_are_rejected) {
    std::mt19937 rng(45);
    MxCase c({2, 3, 64}, MxFormat::Fp4E2M1, MxFormat::Fp4E2M1, rng);
    std::vector<float> out(6, -7.0f);
    auto call = [&](GemmShape s, size_t a_scales, MxFormat wf) {
        mx_gemm(s, c.a.codes.data(), c.a.codes.size(), c.a.scales.data(), a_scales, MxFormat::Fp4E2M1,
                c.w.codes.data(), c.w.codes.size(), c.w.scales.data(), c.w.scales.size(), wf, kIdentity, out.data(),
                out.size());
    };
    EXPECT_THROW(call({2, 3, 64}, c.a.scales.size() - 1, MxFormat::Fp4E2M1), Error);
    EXPECT_THROW(call({2, 3, 96}, c.a.scales.size(), MxFormat::Fp4E2M1), Error);  // K beyond the operands
    EXPECT_THROW(call({2, 3, 64}, c.a.scales.size(), MxFormat::Fp8E4M3), Error);  // w codes too short for fp8
    EXPECT_THROW(call({2, 3, 64}, c.a.scales.size(), static_cast<MxFormat>(11)), Error);
    EXPECT_EQ(out, std::vector<float>(6, -7.0f));
}

// fp32 activations are quantized into codes the call allocates: a shape far larger than the
// activations passed (here 2^24 rows: 512 MiB of FP4 codes) is refused before that allocation.
TEST(MxGemmBadInput, a_shape_larger_than_the_fp32_activations_is_refused_before_allocating) {
    std::mt19937 rng(55);
    MxCase c({2, 64, 64}, MxFormat::Fp4E2M1, MxFormat::Fp4E2M1, rng);
    const MxWeights w(64, 64, MxFormat::Fp4E2M1, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(),
                      c.w.scales.size());
    std::vector<float> out(2 * 64, -7.0f);
    try {
        mx_gemm({1 << 24, 64, 64}, c.a.source.data(), c.a.source.size(), MxFormat::Fp4E2M1, w, kIdentity,
                out.data(), out.size());
        FAIL() << "accepted 2^24 rows of activations from a buffer of " << c.a.source.size();
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("fp32 activations"), std::string::npos) << e.what();
    }
    EXPECT_EQ(out, std::vector<float>(2 * 64, -7.0f));
}

TEST(MxGemmBadInput, weights_that_do_not_match_the_shape_are_rejected) {
    std::mt19937 rng(50);
    MxCase c({2, 3, 64}, MxFormat::Fp4E2M1, MxFormat::Fp4E2M1, rng);
    const MxWeights w(3, 64, MxFormat::Fp4E2M1, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(),
                      c.w.scales.size());
    const MxWeights conv = MxWeights::conv2d(3, 1, 2, 32, MxFormat::Fp4E2M1, c.w.codes.data(), c.w.codes.size(),
                                             c.w.scales.data(), c.w.scales.size());
    std::vector<float> out(8, -7.0f);
    auto call = [&](GemmShape s, const MxWeights &weights) {
        mx_gemm(s, c.a.codes.data(), c.a.codes.size(), c.a.scales.data(), c.a.scales.size(), MxFormat::Fp4E2M1,
                weights, kIdentity, out.data(), out.size());
    };
    EXPECT_THROW(call({2, 4, 64}, w), Error);
    EXPECT_THROW(call({2, 3, 63}, w), Error);
    EXPECT_THROW(call({2, 3, 64}, conv), Error);
    EXPECT_THROW(MxWeights(3, 64, MxFormat::Fp4E2M1, c.w.codes.data(), c.w.codes.size() - 1, c.w.scales.data(),
                           c.w.scales.size()),
                 Error);
    EXPECT_THROW(MxWeights(3, 64, MxFormat::Fp4E2M1, nullptr, c.w.codes.size(), c.w.scales.data(), c.w.scales.size()),
                 Error);
    EXPECT_THROW(MxWeights(0, 64, MxFormat::Fp4E2M1, c.w.codes.data(), c.w.codes.size(), c.w.scales.data(),
                           c.w.scales.size()),
                 Error);
    std::vector<float> a(2 * 64, 1.0f);
    EXPECT_THROW(mx_gemm({2, 3, 64}, a.data(), a.size() - 1, MxFormat::Fp8E4M3, w, kIdentity, out.data(), out.size()),
                 Error);
    EXPECT_EQ(out, std::vector<float>(8, -7.0f));
}

LPGEN_INSTANTIATE_PER_ISA(MxGemm);

}  // namespace
}  // namespace lpgen
