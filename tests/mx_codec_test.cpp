// The MX codec against the reference: every code of every format, random sweeps with ties,
// subnormals, signed zeros, NaN/Inf and the extremes, and bad input.
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "reference/mx_reference.h"
#include "test_support.h"

namespace lpgen {
namespace {

using test::PerIsa;

constexpr MxFormat kFormats[] = {MxFormat::Fp8E4M3, MxFormat::Fp8E5M2, MxFormat::Fp6E3M2,
                                 MxFormat::Fp6E2M3, MxFormat::Fp4E2M1, MxFormat::Int8};

uint32_t bits_of(float x) {
    uint32_t b;
    std::memcpy(&b, &x, 4);
    return b;
}

// Equal bit patterns, or both NaN.
::testing::AssertionResult same_float(float expected, float actual) {
    if ((std::isnan(expected) && std::isnan(actual)) || bits_of(expected) == bits_of(actual)) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "expected " << expected << " (0x" << std::hex << bits_of(expected)
                                         << "), got " << actual << " (0x" << bits_of(actual) << ")";
}

class MxCodec : public PerIsa {};

TEST_P(MxCodec, dequantize_decodes_every_code_at_every_kind_of_scale) {
    for (MxFormat f : kFormats) {
        const int codes_count = 1 << mx_info(f).bits;
        for (int scale : {0x00, 0x01, 0x60, 0x7F, 0x80, 0xA0, 0xFE, 0xFF}) {
            // One row of all codes (repeated to whole blocks), every block with this scale.
            const int k = ((codes_count + 31) / 32) * 32;
            std::vector<uint8_t> codes(k);
            for (int i = 0; i < k; ++i) codes[i] = uint8_t(i % codes_count);
            std::vector<uint8_t> packed = ref::mx_pack(codes, f);
            std::vector<uint8_t> scales(k / 32, uint8_t(scale));
            std::vector<float> out(k);
            mx_dequantize(packed.data(), packed.size(), scales.data(), scales.size(), 1, k, f, out.data(), out.size());
            for (int i = 0; i < k; ++i) {
                ASSERT_TRUE(same_float(ref::mx_dequantize(f, codes[i], uint8_t(scale)), out[i]))
                    << mx_format_name(f) << " code " << int(codes[i]) << " scale " << scale;
            }
        }
    }
}

std::vector<float> sweep_values(int count, std::mt19937 &rng) {
    std::vector<float> v(count);
    std::uniform_int_distribution<int> kind(0, 9);
    std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
    std::uniform_int_distribution<int> exponent(-140, 120);
    std::uniform_int_distribution<uint32_t> raw_bits;
    for (auto &x : v) {
        switch (kind(rng)) {
        case 0: x = std::ldexp(unit(rng), exponent(rng)); break;              // any magnitude, subnormals too
        case 1: x = std::ldexp(std::round(unit(rng) * 64.0f) / 8.0f, 2); break;  // on or between grid points: ties
        case 2: x = std::ldexp(float(int(unit(rng) * 16)) + 0.5f, -3); break;   // exact halfway points
        case 3: x = unit(rng) > 0 ? 0.0f : -0.0f; break;
        case 4: {
            uint32_t b = raw_bits(rng) & 0x807FFFFFu;  // fp32 subnormal
            std::memcpy(&x, &b, 4);
            break;
        }
        default: x = unit(rng) * 6.0f;
        }
    }
    return v;
}

void expect_quantize_matches(MxFormat f, const std::vector<float> &values, int rows, int k) {
    ref::MxBlocks expected = ref::mx_quantize(values, rows, k, f);
    std::vector<uint8_t> codes(mx_code_bytes(f, rows, k), 0xAA), scales(mx_scale_count(rows, k), 0xAA);
    mx_quantize(values.data(), values.size(), rows, k, f, codes.data(), codes.size(), scales.data(), scales.size());
    ASSERT_EQ(scales, expected.scales) << mx_format_name(f);
    // NaN blocks' element codes are unspecified: compare the rest.
    std::vector<uint8_t> expected_codes = expected.codes;
    const int blocks = (k + 31) / 32;
    std::vector<uint8_t> unpacked_expected = ref::mx_pack(expected_codes, f);
    for (int r = 0; r < rows; ++r) {
        for (int b = 0; b < blocks; ++b) {
            if (expected.scales[size_t(r) * blocks + b] != 0xFF) continue;
            const size_t bytes_per_block = 32 * mx_info(f).bits / 8;
            const size_t start = (size_t(r) * blocks + b) * bytes_per_block;
            std::copy(codes.begin() + start, codes.begin() + start + bytes_per_block, unpacked_expected.begin() + start);
        }
    }
    EXPECT_EQ(codes, unpacked_expected) << mx_format_name(f);

    // And the round trip agrees with the reference decode of the reference codes.
    std::vector<float> back(values.size());
    mx_dequantize(codes.data(), codes.size(), scales.data(), scales.size(), rows, k, f, back.data(), back.size());
    for (int r = 0; r < rows; ++r)
        for (int i = 0; i < k; ++i) {
            const uint8_t scale = expected.scales[size_t(r) * blocks + i / 32];
            ASSERT_TRUE(same_float(ref::mx_dequantize(f, expected.codes[size_t(r) * blocks * 32 + i], scale),
                                   back[size_t(r) * k + i]))
                << mx_format_name(f) << " value " << values[size_t(r) * k + i];
        }
}

TEST_P(MxCodec, quantize_matches_reference_on_random_sweeps_with_ties_and_subnormals) {
    std::mt19937 rng(30);
    for (MxFormat f : kFormats) {
        for (int k : {1, 31, 32, 33, 100, 4096}) {
            const int rows = k > 1000 ? 4 : 7;
            expect_quantize_matches(f, sweep_values(rows * k, rng), rows, k);
        }
    }
}

// Rows of whole blocks go to the kernels folded into longer rows (runtime/mx_codec.cpp): a
// conv's input pixels (3136 rows of 64: 49 rows of 4096), rows that fold unevenly (50 of 96:
// 2 of 2400) and a prime row count (13 of 64: one row).
TEST_P(MxCodec, many_short_rows_of_whole_blocks_quantize_like_the_reference) {
    std::mt19937 rng(31);
    for (MxFormat f : kFormats) {
        for (auto [rows, k] : {std::pair{3136, 64}, std::pair{50, 96}, std::pair{13, 64}}) {
            expect_quantize_matches(f, sweep_values(rows * k, rng), rows, k);
        }
    }
}

TEST_P(MxCodec, every_representable_value_and_every_midpoint_round_like_the_reference) {
    for (MxFormat f : kFormats) {
        // All finite element values times 2^e and all midpoints between neighbours, in blocks
        // whose largest magnitude pins the shared exponent.
        std::vector<double> grid;
        for (int code = 0; code < (1 << mx_info(f).bits); ++code) {
            const double v = ref::mx_element_value(f, code);
            if (std::isfinite(v) && v >= 0) grid.push_back(v);
        }
        std::sort(grid.begin(), grid.end());
        std::vector<float> values;
        for (size_t i = 0; i < grid.size(); ++i) {
            values.push_back(float(grid[i]));
            if (i + 1 < grid.size()) values.push_back(float((grid[i] + grid[i + 1]) / 2));
        }
        std::vector<float> rows;
        for (size_t start = 0; start < values.size(); start += 31) {
            std::vector<float> block(32, 0.0f);
            block[0] = float(grid.back());  // amax: the largest finite value, shared exponent 0
            for (size_t i = 0; i < 31 && start + i < values.size(); ++i) block[i + 1] = values[start + i] * (i % 2 ? -1.0f : 1.0f);
            for (float x : block) rows.push_back(std::ldexp(x, 3));  // and scaled by 2^3
        }
        expect_quantize_matches(f, rows, int(rows.size() / 32), 32);
    }
}

TEST_P(MxCodec, special_blocks_nan_inf_zero_and_extremes) {
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    const float max = std::numeric_limits<float>::max(), tiny = std::numeric_limits<float>::denorm_min();
    std::vector<float> values(32 * 6, 1.0f);
    values[0] = nan;                                            // block 0: NaN -> scale 0xFF
    values[32 + 5] = -inf;                                      // block 1: Inf -> scale 0xFF
    std::fill(values.begin() + 64, values.begin() + 96, 0.0f);  // block 2: zeros -> 0x00
    values[70] = -0.0f;
    values[96] = max;                                           // block 3: FLT_MAX
    values[97] = -max;
    std::fill(values.begin() + 128, values.begin() + 160, tiny);  // block 4: smallest subnormals
    values[161] = -tiny;                                          // block 5: 1.0 with a denormal
    for (MxFormat f : kFormats) {
        expect_quantize_matches(f, values, 1, int(values.size()));
        std::vector<uint8_t> codes(mx_code_bytes(f, 1, 192)), scales(6);
        mx_quantize(values.data(), values.size(), 1, 192, f, codes.data(), codes.size(), scales.data(), scales.size());
        EXPECT_EQ(scales[0], 0xFF);
        EXPECT_EQ(scales[1], 0xFF);
        EXPECT_EQ(scales[2], 0x00);
        std::vector<float> back(192);
        mx_dequantize(codes.data(), codes.size(), scales.data(), scales.size(), 1, 192, f, back.data(), back.size());
        EXPECT_TRUE(std::isnan(back[3]) && std::isnan(back[40])) << mx_format_name(f);
        EXPECT_TRUE(same_float(-0.0f, back[70]) || f == MxFormat::Int8) << mx_format_name(f);
    }
}

TEST(MxBadInput, unknown_formats_short_buffers_and_mismatched_k_are_rejected) {
    EXPECT_THROW(mx_format("fp5_e3m1"), Error);
    EXPECT_EQ(mx_format("fp6_e2m3"), MxFormat::Fp6E2M3);
    std::vector<float> values(64, 1.0f), out(64, -7.0f);
    std::vector<uint8_t> codes(mx_code_bytes(MxFormat::Fp4E2M1, 1, 64), 0x5A), scales(2, 0x5A);
    EXPECT_THROW(mx_quantize(values.data(), values.size(), 1, 64, MxFormat::Fp4E2M1, codes.data(), codes.size(),
                             scales.data(), 1),  // one scale short
                 Error);
    EXPECT_THROW(mx_quantize(values.data(), values.size(), 1, 65, MxFormat::Fp4E2M1, codes.data(), codes.size(),
                             scales.data(), scales.size()),  // K = 65 needs a third block
                 Error);
    EXPECT_THROW(mx_quantize(values.data(), values.size(), 1, 64, static_cast<MxFormat>(9), codes.data(),
                             codes.size(), scales.data(), scales.size()),
                 Error);
    EXPECT_EQ(codes, std::vector<uint8_t>(codes.size(), 0x5A));
    EXPECT_EQ(scales, std::vector<uint8_t>(2, 0x5A));
    EXPECT_THROW(mx_dequantize(codes.data(), codes.size() - 1, scales.data(), scales.size(), 1, 64,
                               MxFormat::Fp4E2M1, out.data(), out.size()),
                 Error);
    EXPECT_EQ(out, std::vector<float>(64, -7.0f));
}

LPGEN_INSTANTIATE_PER_ISA(MxCodec);

}  // namespace
}  // namespace lpgen
