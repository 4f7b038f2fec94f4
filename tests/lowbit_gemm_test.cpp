// The low-bit LLM operator against its scalar reference (tests/reference/lowbit_reference.h):
// every width and kind, every group size, K not a multiple of the group or the block, M = 1, 2,
// 7, 64, N = 1, outliers, extreme codes, threads; the packed codes round-trip; bad input is
// refused and writes nothing.
#include <cstring>
#include <limits>
#include <random>

#include "lpgen/lowbit.hpp"
#include "lpgen/lpgen.h"
#include "parallel.h"
#include "reference/lowbit_reference.h"
#include "test_support.h"

namespace lpgen {
namespace {

struct Kind {
    int bits;
    LowbitKind kind;
};

const Kind kKinds[] = {{2, LowbitKind::Signed},   {3, LowbitKind::Signed},   {4, LowbitKind::Signed},
                       {1, LowbitKind::Unsigned}, {2, LowbitKind::Unsigned}, {3, LowbitKind::Unsigned},
                       {4, LowbitKind::Unsigned}, {2, LowbitKind::Ternary}};

int top_code(const LowbitFormat &f) { return f.kind == LowbitKind::Ternary ? 2 : (1 << f.bits) - 1; }

ref::LowbitOperands random_operands(int m, int n, int k, LowbitFormat f, ActivationScaling scaling, unsigned seed) {
    std::mt19937 rng(seed);
    ref::LowbitOperands o;
    o.m = m, o.n = n, o.k = k, o.format = f, o.scaling = scaling;
    std::normal_distribution<float> value(0.0f, 1.0f);
    std::uniform_int_distribution<int> code(0, top_code(f));
    std::uniform_real_distribution<float> scale(0.001f, 0.1f);
    for (int i = 0; i < m * k; ++i) o.a.push_back(value(rng));
    for (int i = 0; i < n * k; ++i) o.codes.push_back(uint8_t(code(rng)));
    const int groups = lowbit_groups(k, f.group);
    for (int i = 0; i < n * groups; ++i) o.scales.push_back(scale(rng));
    if (f.kind == LowbitKind::Unsigned) {
        for (int i = 0; i < n * groups; ++i) o.zero_points.push_back(uint8_t(code(rng)));
    }
    for (int i = 0; i < n; ++i) o.bias.push_back(value(rng));
    return o;
}

LowbitWeights weights_of(const ref::LowbitOperands &o) {
    return LowbitWeights(o.n, o.k, o.format, o.codes.data(), o.codes.size(), o.scales.data(), o.scales.size(),
                         o.zero_points.empty() ? nullptr : o.zero_points.data(), o.zero_points.size());
}

// Runs the operator and compares every bit with the reference; returns the kernel's name.
std::string expect_exact(const ref::LowbitOperands &o, const std::string &what) {
    std::vector<float> out(size_t(o.m) * o.n, -1.0f);
    const std::string ran = lowbit_gemm({o.m, o.n, o.k}, o.a.data(), o.a.size(), o.scaling, weights_of(o),
                                        o.bias.empty() ? nullptr : o.bias.data(), o.bias.size(), out.data(), out.size());
    const std::vector<float> expected = ref::lowbit_gemm(o);
    for (size_t i = 0; i < out.size(); ++i) {
        EXPECT_TRUE(std::memcmp(&out[i], &expected[i], sizeof(float)) == 0)
            << what << " by " << ran << " at " << i << ": " << out[i] << " vs " << expected[i];
        if (std::memcmp(&out[i], &expected[i], sizeof(float)) != 0) break;
    }
    return ran;
}

class LowbitGemm : public test::PerIsa {};

TEST_P(LowbitGemm, EveryKindGroupAndEdgeShapeMatchesTheReferenceBitForBit) {
    struct Shape {
        int m, n, k;
    };
    const Shape shapes[] = {{1, 70, 300}, {2, 1, 33}, {7, 65, 129}, {64, 96, 256}, {1, 130, 31}};
    unsigned seed = 1;
    for (const Kind &kind : kKinds)
        for (int group : {32, 64, 128})
            for (const Shape &s : shapes)
                for (ActivationScaling scaling : {ActivationScaling::PerRow, ActivationScaling::PerBlock32}) {
                    const LowbitFormat f{kind.bits, kind.kind, group};
                    const auto o = random_operands(s.m, s.n, s.k, f, scaling, seed++);
                    const std::string what = std::to_string(kind.bits) + "-bit kind " + std::to_string(int(kind.kind)) +
                                             " G" + std::to_string(group) + " " + std::to_string(s.m) + "x" +
                                             std::to_string(s.n) + "x" + std::to_string(s.k) +
                                             (scaling == ActivationScaling::PerRow ? " per row" : " per block");
                    expect_exact(o, what);
                    if (HasFailure()) return;
                }
}

TEST_P(LowbitGemm, GemvAndGemmKernelsServeTheirShapes) {
    const LowbitFormat f{2, LowbitKind::Ternary, 64};
    EXPECT_NE(expect_exact(random_operands(1, 64, 256, f, ActivationScaling::PerRow, 3), "M=1").find("lowbit_gemv_w2"),
              std::string::npos);
    // The packed GEMV's fields: 1-bit, 2-bit, and 4-bit for 3- and 4-bit codes.
    const LowbitFormat w1{1, LowbitKind::Unsigned, 32}, w3{3, LowbitKind::Signed, 32};
    EXPECT_NE(expect_exact(random_operands(3, 64, 256, w1, ActivationScaling::PerRow, 5), "W1").find("lowbit_gemv_w1"),
              std::string::npos);
    EXPECT_NE(expect_exact(random_operands(2, 64, 256, w3, ActivationScaling::PerRow, 6), "W3").find("lowbit_gemv_w4"),
              std::string::npos);
    EXPECT_NE(expect_exact(random_operands(64, 64, 256, f, ActivationScaling::PerRow, 4), "M=64").find("mx_gemm_i8"),
              std::string::npos);
}

// A per-token scale holds one outlier per row; per-block scales confine it to its block. Codes
// at their extremes (every code the largest, zero points the smallest, and the reverse).
TEST_P(LowbitGemm, OutliersAndExtremeCodes) {
    for (ActivationScaling scaling : {ActivationScaling::PerRow, ActivationScaling::PerBlock32}) {
        auto o = random_operands(7, 65, 200, {4, LowbitKind::Unsigned, 32}, scaling, 9);
        for (int m = 0; m < o.m; ++m) o.a[size_t(m) * o.k + (m * 37) % o.k] = 1e4f * (m % 2 ? -1 : 1);
        expect_exact(o, "outliers");
        for (int extreme = 0; extreme < 2; ++extreme) {
            std::fill(o.codes.begin(), o.codes.end(), uint8_t(extreme ? 0 : 15));
            std::fill(o.zero_points.begin(), o.zero_points.end(), uint8_t(extreme ? 15 : 0));
            std::fill(o.a.begin(), o.a.end(), extreme ? -3.0f : 3.0f);
            expect_exact(o, "extreme codes");
        }
        auto s = random_operands(3, 70, 130, {4, LowbitKind::Signed, 128}, scaling, 10);
        std::fill(s.codes.begin(), s.codes.end(), uint8_t(8));  // -8, the signed extreme
        expect_exact(s, "signed -8");
        std::fill(s.a.begin(), s.a.end(), 0.0f);  // all-zero rows: scale 0, output the bias
        expect_exact(s, "zero activations");
    }
}

// Activations whose quantized values fall exactly halfway between integers must round to even,
// as the reference's nearbyint does; -0 and subnormals must quantize like any small value.
TEST_P(LowbitGemm, RoundingTiesSignedZeroAndSubnormals) {
    for (ActivationScaling scaling : {ActivationScaling::PerRow, ActivationScaling::PerBlock32}) {
        auto o = random_operands(2, 33, 64, {2, LowbitKind::Signed, 32}, scaling, 11);
        // Each 32-block holds +-127 (so the scale is exactly 1) and halves from -126.5 to 126.5.
        for (int i = 0; i < o.m * o.k; ++i) o.a[size_t(i)] = i % 32 == 0 ? 127.0f : float(i % 254 - 126) + 0.5f;
        expect_exact(o, "ties");
        o.a[1] = -0.0f, o.a[2] = 1e-40f, o.a[3] = -1e-45f, o.a[40] = std::numeric_limits<float>::denorm_min();
        expect_exact(o, "signed zero and subnormals");
    }
}

// Against the exact product of the quantized operands: each 32-block is rounded twice and each
// addition once, so the error stays below (3 * blocks + 1) * 2^-24 of the terms' magnitudes.
TEST_P(LowbitGemm, WithinTheDocumentedBoundOfTheExactProduct) {
    const auto o = random_operands(5, 80, 1000, {3, LowbitKind::Signed, 64}, ActivationScaling::PerRow, 21);
    std::vector<float> out(size_t(o.m) * o.n);
    lowbit_gemm({o.m, o.n, o.k}, o.a.data(), o.a.size(), o.scaling, weights_of(o), o.bias.data(), o.bias.size(),
                out.data(), out.size());
    std::vector<double> magnitude;
    const std::vector<double> exact = ref::lowbit_gemm_exact(o, magnitude);
    const int blocks = (o.k + 31) / 32;
    for (size_t i = 0; i < out.size(); ++i) {
        const double bound = (3.0 * blocks + 1) * std::ldexp(1.0, -24) * (magnitude[i] + std::fabs(o.bias[i % o.n]));
        EXPECT_LE(std::fabs(out[i] - exact[i]), bound) << "at " << i;
    }
}

TEST_P(LowbitGemm, ThreadsGiveTheSameBits) {
    const auto gemm = random_operands(64, 200, 300, {2, LowbitKind::Signed, 32}, ActivationScaling::PerBlock32, 31);
    const auto gemv = random_operands(1, 300, 300, {2, LowbitKind::Signed, 32}, ActivationScaling::PerRow, 32);
    set_min_slice_work(1);
    lpgen_set_num_threads(2);
    expect_exact(gemm, "two threads, rows");
    expect_exact(gemv, "two threads, columns");
    lpgen_set_num_threads(1);
    set_min_slice_work(0);
}

LPGEN_INSTANTIATE_PER_ISA(LowbitGemm);

// A ternary model's weights come back from the handle as given, from 1.6 bits a weight; other
// widths from `bits` a weight.
TEST(LowbitWeights, PackedCodesRoundTrip) {
    for (const Kind &kind : kKinds) {
        const auto o = random_operands(1, 37, 203, {kind.bits, kind.kind, 64}, ActivationScaling::PerRow, 41);
        const LowbitWeights w = weights_of(o);
        std::vector<uint8_t> back(o.codes.size());
        w.codes(back.data(), back.size());
        EXPECT_EQ(back, o.codes) << kind.bits << "-bit kind " << int(kind.kind);
        const size_t row_bytes = kind.kind == LowbitKind::Ternary ? (203 + 4) / 5 : (203 * kind.bits + 7) / 8;
        EXPECT_EQ(w.packed_bytes(), 37 * row_bytes);
    }
}

// Each refusal through the C API: a clear status and message, and the output untouched.
TEST(LowbitWeights, BadInputIsRefusedAndWritesNothing) {
    const auto o = random_operands(2, 8, 100, {4, LowbitKind::Unsigned, 32}, ActivationScaling::PerRow, 51);
    lpgen_lowbit_format f{4, LPGEN_LOWBIT_UNSIGNED, 32};
    auto make = [&](const lpgen_lowbit_format &format, size_t scales, const uint8_t *zp, size_t zps, int k = 100) {
        lpgen_lowbit_weights *h = nullptr;
        const lpgen_status st = lpgen_lowbit_weights_create(8, k, &format, o.codes.data(), o.codes.size(),
                                                            o.scales.data(), scales, zp, zps, &h);
        lpgen_lowbit_weights_free(h);
        return std::make_pair(st, std::string(lpgen_last_error()));
    };
    const size_t groups = o.scales.size();
    EXPECT_EQ(make(f, groups, o.zero_points.data(), groups).first, LPGEN_OK);
    auto refused = [&](std::pair<lpgen_status, std::string> r, const char *reason) {
        EXPECT_EQ(r.first, LPGEN_INVALID_ARGUMENT) << reason;
        EXPECT_NE(r.second.find(reason), std::string::npos) << r.second;
    };
    refused(make({4, LPGEN_LOWBIT_UNSIGNED, 48}, groups, o.zero_points.data(), groups), "group size must be 32, 64 or 128");
    refused(make({5, LPGEN_LOWBIT_UNSIGNED, 32}, groups, o.zero_points.data(), groups), "1 to 4 bits");
    refused(make({3, LPGEN_LOWBIT_TERNARY, 32}, groups, nullptr, 0), "ternary weights take bits = 2");
    refused(make(f, groups - 1, o.zero_points.data(), groups), "weight scales");
    refused(make(f, groups, nullptr, 0), "zero points");
    refused(make({4, LPGEN_LOWBIT_SIGNED, 32}, groups, o.zero_points.data(), groups), "zero points are for unsigned");
    refused(make({2, LPGEN_LOWBIT_TERNARY, 32}, groups, nullptr, 0), "does not fit the format");  // codes up to 15
    refused(make(f, groups, o.zero_points.data(), groups, 101), "weight codes");  // more codes than given
    std::vector<float> bad_scales = o.scales;
    bad_scales[3] = std::nanf("");
    lpgen_lowbit_weights *h = nullptr;
    EXPECT_EQ(lpgen_lowbit_weights_create(8, 100, &f, o.codes.data(), o.codes.size(), bad_scales.data(),
                                          bad_scales.size(), o.zero_points.data(), groups, &h),
              LPGEN_INVALID_ARGUMENT);
    EXPECT_EQ(h, nullptr);

    ASSERT_EQ(lpgen_lowbit_weights_create(8, 100, &f, o.codes.data(), o.codes.size(), o.scales.data(), groups,
                                          o.zero_points.data(), groups, &h),
              LPGEN_OK);
    std::vector<float> out(16, 7.0f), a = o.a;
    const lpgen_gemm_shape shape{2, 8, 100}, wrong{2, 8, 96};
    // (Scalings and kinds outside their enumerators: tests/c_api_from_c_test.c.)
    auto call = [&](const lpgen_gemm_shape &s, const float *act, const lpgen_lowbit_weights *w, size_t bias_count) {
        const lpgen_status st = lpgen_lowbit_gemm(&s, act, a.size(), LPGEN_SCALE_PER_ROW, w, o.bias.data(), bias_count,
                                                  out.data(), out.size());
        return std::make_pair(st, std::string(lpgen_last_error()));
    };
    refused(call(wrong, a.data(), h, 8), "does not match the weights");
    refused(call(shape, a.data(), nullptr, 8), "weights");
    refused(call(shape, a.data(), h, 7), "bias");
    a[5] = std::numeric_limits<float>::infinity();
    refused(call(shape, a.data(), h, 8), "activation 5 is not finite");
    for (float v : out) EXPECT_EQ(v, 7.0f);
    a[5] = 0.5f;
    EXPECT_EQ(call(shape, a.data(), h, 8).first, LPGEN_OK);
    lpgen_lowbit_weights_free(h);
}

}  // namespace
}  // namespace lpgen
