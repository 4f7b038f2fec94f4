// Entry point of the generic MX GEMM: validation, per-format decode tables, dispatch.
#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "halide_call.h"
#include "lpgen/mx.hpp"
#include "validate.h"

namespace lpgen {
namespace {

// Integer decodings: value * 2^shift is an integer for every code of the format and the
// products of 32 of them fit int64. E5M2 (values 2^-16 .. 57344) has none.
constexpr int kNoShift = -1;
constexpr int kShift[6] = {9, kNoShift, 4, 3, 1, 6};  // in MxFormat order
// Formats whose scaled elements fit int16 (|value * 2^shift| <= 448): the fast path.
constexpr bool kFitsInt16[6] = {false, false, true, true, true, true};

// The decode tables the kernel reads: code -> value * 2^shift, value, NaN/Inf flag.
struct DecodeTables {
    std::array<int32_t, 256> integer{};
    std::array<float, 256> real{};
    std::array<int32_t, 256> special{};
};

DecodeTables make_tables(MxFormat format) {
    const MxFormatInfo &f = mx_info(format);
    DecodeTables t;
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
        const int shift = kShift[static_cast<int>(format)];
        t.special[code] = special;
        t.real[code] = special ? 0.0f : static_cast<float>(value);
        t.integer[code] = special || shift == kNoShift ? 0 : static_cast<int32_t>(std::ldexp(value, shift));
    }
    return t;
}

const DecodeTables &tables(MxFormat format) {
    static const std::array<DecodeTables, 6> all = [] {
        std::array<DecodeTables, 6> t;
        for (int i = 0; i < 6; ++i) t[i] = make_tables(static_cast<MxFormat>(i));
        return t;
    }();
    return all[static_cast<int>(format)];
}

}  // namespace

const char *mx_gemm(const GemmShape &s, const uint8_t *a_codes, size_t a_code_bytes, const uint8_t *a_scales,
                    size_t a_scale_count, MxFormat a_format, const uint8_t *w_codes, size_t w_code_bytes,
                    const uint8_t *w_scales, size_t w_scale_count, MxFormat w_format, const Fp32Epilogue &e,
                    float *out, size_t out_count) {
    mx_format_name(a_format);  // throws for a format that does not exist
    mx_format_name(w_format);
    check_positive(s.m, "shape.m");
    check_positive(s.n, "shape.n");
    check_positive(s.k, "shape.k");
    check_buffer(a_codes, a_code_bytes, mx_code_bytes(a_format, s.m, s.k), "a codes");
    check_buffer(a_scales, a_scale_count, mx_scale_count(s.m, s.k), "a scales");
    check_buffer(w_codes, w_code_bytes, mx_code_bytes(w_format, s.n, s.k), "w codes");
    check_buffer(w_scales, w_scale_count, mx_scale_count(s.n, s.k), "w scales");
    check_epilogue(e, s.n);
    check_buffer(out, out_count, checked_product({size_t(s.m), size_t(s.n)}, "output"), "output");

    const int blocks = (s.k + kMxBlock - 1) / kMxBlock;
    const int a_bits = mx_info(a_format).bits, w_bits = mx_info(w_format).bits;
    auto a_code_view = dense_view(a_codes, {blocks * kMxBlock * a_bits / 8, s.m});
    auto a_scale_view = dense_view(a_scales, {blocks, s.m});
    auto w_code_view = dense_view(w_codes, {blocks * kMxBlock * w_bits / 8, s.n});
    auto w_scale_view = dense_view(w_scales, {blocks, s.n});
    const DecodeTables &at = tables(a_format), &wt = tables(w_format);
    auto a_int = dense_view(at.integer.data(), {256});
    auto a_real = dense_view(at.real.data(), {256});
    auto a_special = dense_view(at.special.data(), {256});
    auto w_int = dense_view(wt.integer.data(), {256});
    auto w_real = dense_view(wt.real.data(), {256});
    auto w_special = dense_view(wt.special.data(), {256});
    auto scale = per_channel_view(e.scale, e.scale_count, s.n);
    auto bias = per_channel_view(e.bias, e.bias_count, s.n);
    auto result = dense_view(out, {s.n, s.m});
    const int a_shift = kShift[static_cast<int>(a_format)], w_shift = kShift[static_cast<int>(w_format)];
    const bool exact = a_shift != kNoShift && w_shift != kNoShift;
    const KernelSet &set = kernels();
    if (kFitsInt16[static_cast<int>(a_format)] && kFitsInt16[static_cast<int>(w_format)]) {
        // Decode both operands to int16 (weights too, until weights are packed once into handles).
        // Left uninitialized: the decode kernel writes every element.
        std::unique_ptr<int16_t[]> a_values(new int16_t[size_t(s.m) * blocks * kMxBlock]);
        std::unique_ptr<int16_t[]> w_values(new int16_t[size_t(s.n) * blocks * kMxBlock]);
        std::unique_ptr<uint8_t[]> a_nan(new uint8_t[size_t(s.m) * blocks]), w_nan(new uint8_t[size_t(s.n) * blocks]);
        auto decode = [&](View<const uint8_t> &codes, View<const uint8_t> &scales, View<const int32_t> &table,
                          View<const int32_t> &special, int bits, int16_t *values, uint8_t *nan,
                          int rows) {
            auto value_view = dense_view(values, {blocks * kMxBlock, rows});
            auto nan_view = dense_view(nan, {blocks, rows});
            run_kernel(set.mx_decode_i16, codes.raw_buffer(), scales.raw_buffer(), table.raw_buffer(),
                       special.raw_buffer(), bits, value_view.raw_buffer(), nan_view.raw_buffer());
        };
        decode(a_code_view, a_scale_view, a_int, a_special, a_bits, a_values.get(), a_nan.get(), s.m);
        decode(w_code_view, w_scale_view, w_int, w_special, w_bits, w_values.get(), w_nan.get(), s.n);
        auto av = dense_view(static_cast<const int16_t *>(a_values.get()), {blocks * kMxBlock, s.m});
        auto wv = dense_view(static_cast<const int16_t *>(w_values.get()), {blocks * kMxBlock, s.n});
        auto an = dense_view(static_cast<const uint8_t *>(a_nan.get()), {blocks, s.m});
        auto wn = dense_view(static_cast<const uint8_t *>(w_nan.get()), {blocks, s.n});
        return run_kernel(set.mx_gemm_i16, av.raw_buffer(), a_scale_view.raw_buffer(), wv.raw_buffer(),
                          w_scale_view.raw_buffer(), an.raw_buffer(), wn.raw_buffer(), a_shift + w_shift,
                          scale.raw_buffer(), bias.raw_buffer(), e.clamp_min, e.clamp_max, result.raw_buffer());
    }
    return run_kernel(exact ? set.mx_gemm_exact : set.mx_gemm_fp32, a_code_view.raw_buffer(),
                      a_scale_view.raw_buffer(), w_code_view.raw_buffer(), w_scale_view.raw_buffer(),
                      a_int.raw_buffer(), a_real.raw_buffer(), a_special.raw_buffer(), w_int.raw_buffer(),
                      w_real.raw_buffer(), w_special.raw_buffer(), a_bits, w_bits, exact ? a_shift : 0,
                      exact ? w_shift : 0, scale.raw_buffer(), bias.raw_buffer(), e.clamp_min, e.clamp_max,
                      result.raw_buffer());
}

}  // namespace lpgen
