#include "mx_reference.h"

#include <cmath>
#include <limits>

namespace lpgen::ref {
namespace {

// MX.md's table, restated: element bits, exponent bits, mantissa bits, bias, emax.
struct Spec {
    int bits, e, m, bias, emax;
};
Spec spec(MxFormat f) {
    switch (f) {
    case MxFormat::Fp8E4M3: return {8, 4, 3, 7, 8};
    case MxFormat::Fp8E5M2: return {8, 5, 2, 15, 15};
    case MxFormat::Fp6E3M2: return {6, 3, 2, 3, 4};
    case MxFormat::Fp6E2M3: return {6, 2, 3, 1, 2};
    case MxFormat::Fp4E2M1: return {4, 2, 1, 1, 2};
    case MxFormat::Int8: return {8, 0, 0, 0, 0};
    }
    return {};
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double mx_element_value(MxFormat f, int code) {
    const Spec s = spec(f);
    if (f == MxFormat::Int8) return static_cast<int8_t>(code) / 64.0;
    const int sign = (code >> (s.bits - 1)) & 1;
    const int exp = (code >> s.m) & ((1 << s.e) - 1);
    const int man = code & ((1 << s.m) - 1);
    if (f == MxFormat::Fp8E5M2 && exp == 31) return man == 0 ? (sign ? -INFINITY : INFINITY) : kNaN;
    if (f == MxFormat::Fp8E4M3 && exp == 15 && man == 7) return kNaN;
    const double magnitude = exp == 0 ? std::ldexp(man, 1 - s.bias - s.m) : std::ldexp((1 << s.m) + man, exp - s.bias - s.m);
    return sign ? -magnitude : magnitude;
}

// Nearest finite code to v (ties to the even code), saturating past the largest finite value.
static uint8_t round_to_code(MxFormat f, double v) {
    if (f == MxFormat::Int8) {
        const double q = std::nearbyint(v * 64.0);  // default rounding: ties to even
        return static_cast<uint8_t>(static_cast<int8_t>(std::fmax(-127.0, std::fmin(127.0, q))));
    }
    const Spec s = spec(f);
    const int sign_bit = 1 << (s.bits - 1);
    int best = 0;
    double best_err = INFINITY;
    for (int code = 0; code < sign_bit; ++code) {  // non-negative codes, increasing value
        const double value = mx_element_value(f, code);
        if (std::isnan(value) || std::isinf(value)) continue;
        const double err = std::fabs(value - std::fabs(v));
        if (err < best_err || (err == best_err && (code & 1) == 0)) {
            best = code;
            best_err = err;
        }
    }
    return static_cast<uint8_t>(std::signbit(v) ? best | sign_bit : best);
}

MxBlocks mx_quantize(const std::vector<float> &values, int rows, int k, MxFormat f) {
    const int blocks = (k + 31) / 32;
    MxBlocks out{std::vector<uint8_t>(size_t(rows) * blocks * 32, 0), std::vector<uint8_t>(size_t(rows) * blocks, 0)};
    for (int r = 0; r < rows; ++r) {
        for (int b = 0; b < blocks; ++b) {
            bool special = false;
            float amax = 0.0f;
            for (int i = b * 32; i < std::min(k, b * 32 + 32); ++i) {
                const float x = values[size_t(r) * k + i];
                special |= !std::isfinite(x);
                amax = std::fmax(amax, std::fabs(x));
            }
            uint8_t &scale = out.scales[size_t(r) * blocks + b];
            if (special) {
                scale = 0xFF;
                continue;
            }
            // floor(log2(amax)) exactly, subnormals included; all zeros take the 0x00 scale.
            const int e = amax == 0.0f ? -127 : std::max(-127, std::min(127, std::ilogb(amax) - spec(f).emax));
            scale = static_cast<uint8_t>(e + 127);
            for (int i = b * 32; i < std::min(k, b * 32 + 32); ++i) {
                const double v = std::ldexp(static_cast<double>(values[size_t(r) * k + i]), -e);
                out.codes[size_t(r) * blocks * 32 + i] = round_to_code(f, v);
            }
        }
    }
    return out;
}

std::vector<uint8_t> mx_pack(const std::vector<uint8_t> &codes, MxFormat f) {
    const int bits = spec(f).bits;
    std::vector<uint8_t> out(codes.size() * bits / 8, 0);
    for (size_t i = 0; i < codes.size(); ++i) {
        const size_t bit = i * bits;
        for (int j = 0; j < bits; ++j) {
            if ((codes[i] >> j) & 1) out[(bit + j) / 8] |= uint8_t(1u << ((bit + j) % 8));
        }
    }
    return out;
}

float mx_dequantize(MxFormat f, int code, uint8_t scale) {
    if (scale == 0xFF) return std::numeric_limits<float>::quiet_NaN();
    return static_cast<float>(std::ldexp(mx_element_value(f, code), scale - 127));
}

}  // namespace lpgen::ref
