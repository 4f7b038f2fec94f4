// The decode kernels of the int8 and int16 MX paths against the reference codec, on every code
// of every format they take: element * 2^shift (int8: plus the offset, modulo 256; int16: in
// one plane or, for E4M3, lo + 4096 hi with |lo| <= 2048), block scales and NaN flags.
#include <cmath>
#include <cstring>

#include "mx_decode.h"
#include "mx_test_support.h"
#include "reference/mx_reference.h"
#include "test_support.h"

namespace lpgen {
namespace {

using test::PerIsa;

// Rows of every code of `format` in order (then zeros to a whole block), and per block a scale
// from {0x00, 0x7F, 0x80, 0xFE, 0xFF}; codes packed as the kernels read them.
struct EveryCode {
    int rows = 3, blocks;
    std::vector<uint8_t> codes, packed, scales;

    explicit EveryCode(MxFormat format) {
        const int count = 1 << mx_info(format).bits;
        blocks = (count + kMxBlock - 1) / kMxBlock;
        const uint8_t scale_choices[] = {0x00, 0x7F, 0x80, 0xFE, 0xFF};
        for (int r = 0; r < rows; ++r) {
            for (int k = 0; k < blocks * kMxBlock; ++k) codes.push_back(uint8_t(k < count ? (k + r) % count : 0));
            for (int b = 0; b < blocks; ++b) scales.push_back(scale_choices[(r * blocks + b) % 5]);
        }
        packed = ref::mx_pack(codes, format);
    }
};

// element * 2^shift from the reference codec's value of the code at scale 2^0; 0 for NaN codes.
int64_t expected_integer(MxFormat format, int code) {
    const double value = ref::mx_element_value(format, code);
    return std::isnan(value) ? 0 : int64_t(std::ldexp(value, mx_tables(format).shift));
}

class MxDecode : public PerIsa {};

TEST_P(MxDecode, int8_decode_gives_every_codes_value_plus_the_offset_and_each_blocks_scale) {
    for (MxFormat format : {MxFormat::Fp6E2M3, MxFormat::Fp4E2M1, MxFormat::Int8}) {
        ASSERT_TRUE(mx_tables(format).fits_int8) << mx_format_name(format);
        const EveryCode c(format);
        const int k32 = c.blocks * kMxBlock, shift = 3;
        for (int offset : {0, 128}) {
            std::vector<uint8_t> values(size_t(c.rows) * k32, 0xA5);
            std::vector<float> block_scales(size_t(c.rows) * c.blocks, -1.0f);
            decode_int8(c.packed.data(), c.scales.data(), format, c.rows, c.blocks, offset, shift, values.data(),
                        block_scales.data());
            for (size_t i = 0; i < values.size(); ++i) {
                ASSERT_EQ(values[i], uint8_t(expected_integer(format, c.codes[i]) + offset))
                    << mx_format_name(format) << " code " << int(c.codes[i]) << " offset " << offset;
            }
            for (size_t b = 0; b < block_scales.size(); ++b) {
                const float want = c.scales[b] == 0xFF ? NAN : std::ldexp(1.0f, c.scales[b] - 127 - shift);
                ASSERT_TRUE(test::same_bits_or_both_nan(block_scales[b], want)) << "scale " << int(c.scales[b]);
            }
        }
    }
}

TEST_P(MxDecode, int16_decode_gives_every_codes_value_in_its_planes_and_flags_nan_blocks) {
    for (MxFormat format : {MxFormat::Fp8E4M3, MxFormat::Fp6E3M2, MxFormat::Fp6E2M3, MxFormat::Fp4E2M1,
                            MxFormat::Int8}) {
        const EveryCode c(format);
        const int k32 = c.blocks * kMxBlock, planes = mx_tables(format).int16_planes;
        ASSERT_EQ(planes, format == MxFormat::Fp8E4M3 ? 2 : 1);
        std::vector<int16_t> values(size_t(c.rows) * planes * k32, -12345);
        std::vector<uint8_t> nan(size_t(c.rows) * c.blocks, 7);
        decode_int16(c.packed.data(), c.scales.data(), format, c.rows, c.blocks, planes, values.data(), nan.data());
        for (int r = 0; r < c.rows; ++r) {
            for (int k = 0; k < k32; ++k) {
                const int code = c.codes[size_t(r) * k32 + k];
                const int16_t lo = values[(size_t(r) * planes) * k32 + k];
                const int16_t hi = planes == 1 ? 0 : values[(size_t(r) * planes + 1) * k32 + k];
                const int64_t got = lo + int64_t(kMxPlaneUnit) * hi;
                ASSERT_EQ(got, expected_integer(format, code)) << mx_format_name(format) << " code " << code;
                ASSERT_LE(std::abs(lo), planes == 1 ? INT16_MAX : kMxPlaneUnit / 2);
            }
            for (int b = 0; b < c.blocks; ++b) {
                bool nan_code = false;
                for (int k = b * kMxBlock; k < (b + 1) * kMxBlock; ++k) {
                    nan_code |= std::isnan(ref::mx_element_value(format, c.codes[size_t(r) * k32 + k]));
                }
                ASSERT_EQ(nan[size_t(r) * c.blocks + b], c.scales[size_t(r) * c.blocks + b] == 0xFF || nan_code)
                    << mx_format_name(format) << " row " << r << " block " << b;
            }
        }
    }
}

// Two planes, lo and hi, for every format (the kernels that take both operands so, and form
// lo + hi themselves): every code's value is lo + 4096 hi, |lo| <= 2048, hi = 0 where the
// format's values fit one plane.
TEST_P(MxDecode, int16_lo_hi_planes_hold_every_codes_value_for_every_format) {
    for (MxFormat format : {MxFormat::Fp8E4M3, MxFormat::Fp6E3M2, MxFormat::Fp6E2M3, MxFormat::Fp4E2M1,
                            MxFormat::Int8}) {
        const EveryCode c(format);
        const int k32 = c.blocks * kMxBlock, planes = 2;
        std::vector<int16_t> values(size_t(c.rows) * planes * k32, -12345);
        std::vector<uint8_t> nan(size_t(c.rows) * c.blocks, 7);
        decode_int16(c.packed.data(), c.scales.data(), format, c.rows, c.blocks, planes, values.data(), nan.data());
        for (int r = 0; r < c.rows; ++r)
            for (int k = 0; k < k32; ++k) {
                const int code = c.codes[size_t(r) * k32 + k];
                const int16_t lo = values[(size_t(r) * planes) * k32 + k], hi = values[(size_t(r) * planes + 1) * k32 + k];
                ASSERT_EQ(lo + int64_t(kMxPlaneUnit) * hi, expected_integer(format, code))
                    << mx_format_name(format) << " code " << code;
                ASSERT_LE(std::abs(lo), kMxPlaneUnit / 2);
                if (format != MxFormat::Fp8E4M3) ASSERT_EQ(0, hi) << mx_format_name(format) << " code " << code;
            }
    }
}

TEST_P(MxDecode, formats_without_a_decoding_of_the_width_are_refused) {
    const EveryCode c(MxFormat::Fp8E5M2);
    std::vector<uint8_t> values(size_t(c.rows) * c.blocks * kMxBlock);
    std::vector<float> block_scales(size_t(c.rows) * c.blocks);
    EXPECT_THROW(decode_int8(c.packed.data(), c.scales.data(), MxFormat::Fp8E5M2, c.rows, c.blocks, 128, 0,
                             values.data(), block_scales.data()),
                 Error);
    std::vector<int16_t> values16(values.size());
    std::vector<uint8_t> nan(block_scales.size());
    EXPECT_THROW(decode_int16(c.packed.data(), c.scales.data(), MxFormat::Fp8E5M2, c.rows, c.blocks, 1,
                              values16.data(), nan.data()),
                 Error);
}

LPGEN_INSTANTIATE_PER_ISA(MxDecode);

}  // namespace
}  // namespace lpgen
