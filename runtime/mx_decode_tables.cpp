#include "mx_decode_tables.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace lpgen {
namespace {

// The smallest shifts that make every decoding an integer (in MxFormat order): products of 32
// of them fit int64 (exact block sums). E5M2 (values 2^-16 .. 57344) has none.
constexpr int kShift[6] = {9, -1, 4, 3, 1, 6};

MxDecodeTables make_tables(MxFormat format) {
    const MxFormatInfo &f = mx_info(format);
    MxDecodeTables t;
    t.shift = kShift[static_cast<int>(format)];
    int32_t lowest = 0, highest = 0;
    for (int code = 0; code < (1 << f.bits); ++code) {
        double value;
        bool special = false;
        if (f.exp_bits == 0) {
            value = static_cast<int8_t>(code) / 64.0;
        } else {
            const int exp = (code >> f.man_bits) & ((1 << f.exp_bits) - 1);
            const int man = code & ((1 << f.man_bits) - 1);
            special = f.has_inf_nan && exp == (1 << f.exp_bits) - 1 && (f.exp_bits == 5 || man == (1 << f.man_bits) - 1);
            value = exp == 0 ? std::ldexp(man, 1 - f.bias - f.man_bits)
                             : std::ldexp((1 << f.man_bits) + man, exp - f.bias - f.man_bits);
            if ((code >> (f.bits - 1)) & 1) value = -value;
        }
        t.special[code] = special;
        t.real[code] = special ? 0.0f : static_cast<float>(value);
        t.integer[code] = special || t.shift < 0 ? 0 : static_cast<int32_t>(std::ldexp(value, t.shift));
        lowest = std::min(lowest, t.integer[code]);
        highest = std::max(highest, t.integer[code]);
    }
    t.max_magnitude = std::max(-int64_t(lowest), int64_t(highest));
    const bool integers = t.shift >= 0 && !f.has_inf_nan;
    // The int16 decode flags NaN/Inf codes itself; the int8 decode leaves them to the generic kernel.
    t.int16_planes = t.shift < 0 ? 0 : t.max_magnitude <= INT16_MAX ? 1 : t.max_magnitude <= int64_t(INT16_MAX) * kMxPlaneUnit ? 2 : 0;
    t.fits_int8 = integers && lowest >= INT8_MIN && highest <= INT8_MAX;
    return t;
}

}  // namespace

const MxDecodeTables &mx_tables(MxFormat format) {
    static const std::array<MxDecodeTables, 6> all = [] {
        std::array<MxDecodeTables, 6> t;
        for (int i = 0; i < 6; ++i) t[i] = make_tables(static_cast<MxFormat>(i));
        return t;
    }();
    return all[static_cast<int>(format)];
}

}  // namespace lpgen
