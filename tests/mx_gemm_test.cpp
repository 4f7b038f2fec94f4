// The generic MX GEMM against an fp64 reference of the dequantized operands, for every pair of
// formats, edge shapes, NaN blocks, the epilogue, and bit-identity across kernel variants.
#include <cmath>
#include <cstring>

#include "reference/mx_reference.h"
#include "test_support.h"

namespace lpgen {
namespace {

using test::PerIsa;

constexpr MxFormat kFormats[] = {MxFormat::Fp8E4M3, MxFormat::Fp8E5M2, MxFormat::Fp6E3M2,
                                 MxFormat::Fp6E2M3, MxFormat::Fp4E2M1, MxFormat::Int8};

// One MX-quantized operand: packed codes and scales, plus the dequantized values (reference).
struct MxMatrix {
    std::vector<uint8_t> codes, scales;
    std::vector<double> values;  // rows x k

    MxMatrix(int rows, int k, MxFormat f, std::mt19937 &rng) {
        std::normal_distribution<float> dist(0.0f, 1.0f);
        std::uniform_int_distribution<int> magnitude(-6, 6);
        std::vector<float> x(size_t(rows) * k);
        for (auto &v : x) v = std::ldexp(dist(rng), magnitude(rng));
        ref::MxBlocks q = ref::mx_quantize(x, rows, k, f);
        codes = ref::mx_pack(q.codes, f);
        scales = q.scales;
        const int blocks = (k + 31) / 32;
        for (int r = 0; r < rows; ++r)
            for (int i = 0; i < k; ++i)
                values.push_back(ref::mx_dequantize(f, q.codes[size_t(r) * blocks * 32 + i], q.scales[size_t(r) * blocks + i / 32]));
    }
};

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
                const double bound = std::ldexp(magnitude, -23) * (blocks + 1) + 1e-37;
                ASSERT_NEAR(out[size_t(m) * s.n + n], dot, bound)
                    << mx_format_name(af) << " x " << mx_format_name(wf) << " at " << m << "," << n;
            }
    }
};

const float kOne = 1.0f;
const Fp32Epilogue kIdentity{&kOne, 1};

class MxGemm : public PerIsa {};

TEST_P(MxGemm, matches_fp64_reference_within_bound_for_every_format_pair) {
    std::mt19937 rng(40);
    for (MxFormat af : kFormats)
        for (MxFormat wf : kFormats) {
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

LPGEN_INSTANTIATE_PER_ISA(MxGemm);

}  // namespace
}  // namespace lpgen
