// MX GEMM entry points: validation, then the fastest kernel family the formats allow.
//   int8  (FP4, FP6 E2M3, INT8 pairs): activations decoded per call to uint8, prepared weights.
//   int16 (also FP6 E3M2; FP8 E4M3 activations in two planes against int8-sized weights; E4M3
//         against E4M3 or E3M2, either side, both operands as lo and hi planes): activations
//         decoded per call to int16, prepared weights.
//   generic (any pair): activation codes decoded inside the kernel through the tables,
//                       weights decoded once per handle.
// All three give the same bits (the block sums are exact, the scaling one correctly rounded
// product, the blocks added in order).
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "conv_windows.h"
#include "halide_call.h"
#include "mx_decode.h"
#include "parallel.h"
#include "tuned_kernels.h"
#include "mx_weights.h"
#include "validate.h"

namespace lpgen {
namespace {

template <typename T>
std::unique_ptr<T[]> uninitialized(size_t count) {  // every element is written by a kernel
    return std::unique_ptr<T[]>(new T[count]);
}

struct MxCall {
    int m, n, blocks;
    MxActivations a;
    View<const uint8_t> w_scales;
    View<const float> scale, bias;
    View<float> out;
    const Fp32Epilogue &e;
    const MxDecodeTables &at, &wt;
    int a_bits;
    GemmShape shape;  // for the registry of tuned kernels
};

Work work(const MxCall &c) { return {double(c.m) * c.n * c.blocks * kMxBlock}; }

// Slices of a GEMM's rows for its threads: none thinner than 16 rows.
int row_slices(const MxCall &c, int rows) { return slice_count(rows, 16, work(c)); }

// The packed MX rows that the decoding reads: the GEMM's own, or a conv's input pixels.
struct PackedRows {
    int count, blocks;
    size_t code_bytes;  // per row
};

PackedRows packed_rows(const MxCall &c) {
    if (!c.a.windows) return {c.m, c.blocks, size_t(c.blocks) * kMxBlock * c.a_bits / 8};
    const Conv2dShape &s = *c.a.windows;
    const int blocks = (s.channels + kMxBlock - 1) / kMxBlock;
    return {s.batch * s.height * s.width, blocks, size_t(blocks) * kMxBlock * c.a_bits / 8};
}

// Rows [begin, end) of the decoded activations, written by decode(begin, end, first row of the
// destination arrays): a GEMM decodes its rows in place. A conv decodes each input pixel once
// (a 3x3 window reads it 9 times), each thread a part, and gather(begin, end) then copies the
// pixels into the windows of the rows.
using FillRows = std::function<void(int begin, int end)>;

template <typename Decode, typename Gather>
FillRows fill_rows(const MxCall &c, Decode decode, Gather gather) {
    if (!c.a.windows) return [decode](int begin, int end) { decode(begin, end, begin); };
    const int pixels = packed_rows(c).count;
    for_each_slice(pixels, row_slices(c, pixels), [&](int begin, int end) { decode(begin, end, begin); });
    return gather;
}

// A GEMM's threads each fill their own rows and multiply them while they are in cache; a
// GEMV's (a few rows) split the columns of rows filled once. run_rows(out, begin, end) runs the
// kernel on rows [begin, end) of the activations into `out`, cropped to what it computes.
template <typename RunRows>
const char *fill_and_run(const MxCall &c, View<float> &out, const FillRows &fill, RunRows run_rows) {
    const char *name = nullptr;
    if (c.m < kMxGemvRows) {
        fill(0, c.m);
        const int cols = out.dim(0).extent();
        for_each_slice(cols, slice_count(cols, kMxRowPadding, work(c)), [&](int begin, int end) {
            View<float> slice = out.cropped(0, begin, end - begin);
            const char *ran = run_rows(slice, 0, c.m);
            if (begin == 0) name = ran;  // one writer: every slice runs the same kernel
        });
        return name;
    }
    for_each_slice(c.m, row_slices(c, c.m), [&](int begin, int end) {
        fill(begin, end);
        View<float> slice = out.cropped(1, begin, end - begin);
        const char *ran = run_rows(slice, begin, end);
        if (begin == 0) name = ran;
    });
    return name;
}

template <typename T>
View<T> rows_of(View<T> view, int begin, int end) {
    return view.cropped(view.dimensions() - 1, begin, end - begin);
}

// The int8 kernel for the call's rows and formats, or null where none sums them exactly.
const Kernel<MxGemmI8Fn> *int8_kernel(const KernelSet &set, const MxCall &c) {
    return mx_i8_kernel_for(set, c.m < kMxGemvRows, c.at.max_magnitude, c.wt.max_magnitude);
}

// The int16 kernels' planes of products per row where both operands come as lo and hi, the
// kernel adding lo + hi (mx_gemm_i16 a_planes=3): two stored planes a row.
constexpr int kMxLoHiSum = 3;

// The largest |lo + hi| of a format split as lo + 4096 hi: |lo| <= 2048, hi = 0 where the
// values fit one plane.
int64_t sum_plane_bound(const MxDecodeTables &t) {
    return std::min<int64_t>(t.max_magnitude, kMxPlaneUnit / 2) + ((t.max_magnitude + kMxPlaneUnit / 2) >> kMxPlaneBits);
}

// The int16 kernel that sums these formats' blocks exactly, by its activation planes: 1 (both
// operands in one plane, every int32 partial sum in range); 2 (activations as lo + 4096 hi,
// |lo| <= 2048, against weights that fit int8, read as int8); kMxLoHiSum (both as lo and hi,
// and the kernel's lo + hi: every pair with integer decodings, E4M3 x E4M3 included, each plane
// product and SS - LL - HH within int32); 0 where none does (E5M2 has no integer decoding).
int int16_planes_for(const MxDecodeTables &a, const MxDecodeTables &w) {
    if (a.int16_planes == 0 || w.int16_planes == 0) return 0;
    if (a.int16_planes == 1 && w.int16_planes == 1 && kMxBlock * a.max_magnitude * w.max_magnitude <= INT32_MAX) {
        return 1;
    }
    const int64_t split_bound = a.max_magnitude + kMxPlaneUnit / 2;
    if (a.int16_planes == 2 && w.fits_int8 && kMxBlock * split_bound * w.max_magnitude <= INT32_MAX) return 2;
    if (2 * kMxBlock * sum_plane_bound(a) * sum_plane_bound(w) <= INT32_MAX) return kMxLoHiSum;
    return 0;
}

const char *run_int8(MxCall &c, const MxWeights::Prepared &w, View<const float> &scale, View<const float> &bias,
                     View<float> &out) {
    const int k32 = c.blocks * kMxBlock, shift = c.at.shift + c.wt.shift;
    auto values = uninitialized<uint8_t>(size_t(c.m) * k32);
    auto block_scales = uninitialized<float>(size_t(c.m) * c.blocks);
    const PackedRows in = packed_rows(c);
    std::unique_ptr<uint8_t[]> pixel_values;
    std::unique_ptr<float[]> pixel_scales;
    uint8_t *decoded = values.get();
    float *decoded_scales = block_scales.get();
    if (c.a.windows) {
        pixel_values = uninitialized<uint8_t>(size_t(in.count) * in.blocks * kMxBlock);
        pixel_scales = uninitialized<float>(size_t(in.count) * in.blocks);
        decoded = pixel_values.get(), decoded_scales = pixel_scales.get();
    }
    auto decode = [&](int begin, int end, int at) {
        decode_int8(c.a.codes + begin * in.code_bytes, c.a.scales + size_t(begin) * in.blocks, c.a.format,
                    end - begin, in.blocks, kMxI8ActivationOffset, shift,
                    decoded + size_t(at) * in.blocks * kMxBlock, decoded_scales + size_t(at) * in.blocks);
    };
    auto gather = [&](int begin, int end) {  // padded taps: zeros at the scale of E8M0 127
        const size_t c32 = size_t(in.blocks) * kMxBlock;
        gather_windows(*c.a.windows, decoded, c32, c32, uint8_t(kMxI8ActivationOffset), values.get(), k32, begin,
                       end);
        gather_windows(*c.a.windows, decoded_scales, in.blocks, in.blocks, std::ldexp(1.0f, -shift),
                       block_scales.get(), c.blocks, begin, end);
    };
    const FillRows fill = fill_rows(c, decode, gather);
    auto av = dense_view(static_cast<const uint8_t *>(values.get()), {k32, c.m});
    auto as = dense_view(static_cast<const float *>(block_scales.get()), {c.blocks, c.m});
    auto wq = dense_view(w.quads.data(), {4, w.padded_rows, k32 / 4});
    auto wo = dense_view(w.offsets.data(), {w.padded_rows, c.blocks});
    auto ws = dense_view(w.block_scales.data(), {w.padded_rows, c.blocks});
    const Kernel<MxGemmI8Fn> kernel = tuned_or(*int8_kernel(kernels(), c), c.shape);
    return fill_and_run(c, out, fill, [&](View<float> &o, int begin, int end) {
        return run_kernel(kernel, rows_of(av, begin, end).raw_buffer(), rows_of(as, begin, end).raw_buffer(),
                          wq.raw_buffer(), wo.raw_buffer(), ws.raw_buffer(), 1, scale.raw_buffer(), bias.raw_buffer(),
                          c.e.clamp_min, c.e.clamp_max, o.raw_buffer());
    });
}

const char *run_int16(MxCall &c, const MxWeights::Prepared &w, View<const float> &scale, View<const float> &bias,
                      View<float> &out) {
    const int k32 = c.blocks * kMxBlock, product_planes = int16_planes_for(c.at, c.wt);
    const int planes = std::min(product_planes, 2);  // stored per row: lo and hi at most
    auto values = uninitialized<int16_t>(size_t(c.m) * planes * k32);
    auto nan = uninitialized<uint8_t>(size_t(c.m) * c.blocks);
    const PackedRows in = packed_rows(c);
    std::unique_ptr<int16_t[]> pixel_values;
    std::unique_ptr<uint8_t[]> pixel_nan, row_scales;
    int16_t *decoded = values.get();
    uint8_t *decoded_nan = nan.get();
    const uint8_t *e8m0 = c.a.scales;  // the kernel's (block, row) E8M0 scales
    if (c.a.windows) {
        pixel_values = uninitialized<int16_t>(size_t(in.count) * planes * in.blocks * kMxBlock);
        pixel_nan = uninitialized<uint8_t>(size_t(in.count) * in.blocks);
        row_scales = uninitialized<uint8_t>(size_t(c.m) * c.blocks);
        decoded = pixel_values.get(), decoded_nan = pixel_nan.get(), e8m0 = row_scales.get();
    }
    auto decode = [&](int begin, int end, int at) {
        decode_int16(c.a.codes + begin * in.code_bytes, c.a.scales + size_t(begin) * in.blocks, c.a.format,
                     end - begin, in.blocks, planes, decoded + size_t(at) * planes * in.blocks * kMxBlock,
                     decoded_nan + size_t(at) * in.blocks);
    };
    auto gather = [&](int begin, int end) {  // padded taps: zeros, not NaN, at E8M0 127
        const Conv2dShape &s = *c.a.windows;
        const size_t c32 = size_t(in.blocks) * kMxBlock;
        for (int p = 0; p < planes; ++p)
            gather_windows(s, decoded + p * c32, planes * c32, c32, int16_t(0), values.get() + size_t(p) * k32,
                           size_t(planes) * k32, begin, end);
        gather_windows(s, decoded_nan, in.blocks, in.blocks, uint8_t(0), nan.get(), c.blocks, begin, end);
        gather_windows(s, c.a.scales, in.blocks, in.blocks, kMxUnitScale, row_scales.get(), c.blocks, begin, end);
    };
    const FillRows fill = fill_rows(c, decode, gather);
    // The kernels' activation rows are (plane, row) pairs: row r's planes are rows planes * r + p.
    auto av = dense_view(static_cast<const int16_t *>(values.get()), {k32, planes * c.m});
    auto as = dense_view(e8m0, {c.blocks, c.m});
    auto an = dense_view(static_cast<const uint8_t *>(nan.get()), {c.blocks, c.m});
    const KernelSet &set = kernels();
    const bool gemv = c.m < kMxGemvRows;
    auto run = [&](const Kernel<MxGemmI16Fn> &fallback, const auto &weights) {
        const int weight_planes = product_planes == kMxLoHiSum ? 2 : 1;
        auto wp = dense_view(weights.pairs.data(), {2, w.padded_rows, weight_planes * k32 / 2});
        auto we = dense_view(weights.exps.data(), {w.padded_rows, c.blocks});
        const Kernel<MxGemmI16Fn> kernel = tuned_or(fallback, c.shape);
        return fill_and_run(c, out, fill, [&](View<float> &o, int begin, int end) {
            auto planes_of_rows = rows_of(av, planes * begin, planes * end);
            return run_kernel(kernel, planes_of_rows.raw_buffer(), rows_of(as, begin, end).raw_buffer(),
                              rows_of(an, begin, end).raw_buffer(), wp.raw_buffer(), we.raw_buffer(),
                              c.at.shift + c.wt.shift, scale.raw_buffer(), bias.raw_buffer(), c.e.clamp_min,
                              c.e.clamp_max, o.raw_buffer());
        });
    };
    if (product_planes == 1) return run(gemv ? set.mx_gemv_i16 : set.mx_gemm_i16, w.int16_pairs());
    if (product_planes == 2) return run(gemv ? set.mx_gemv_i16_split : set.mx_gemm_i16_split, w.int8_pairs());
    return run(gemv ? set.mx_gemv_i16_fp8 : set.mx_gemm_i16_fp8, w.int16_lo_hi());
}

// The int8 and int16 GEMM kernels take at least kMxRowPadding columns: narrower outputs run on
// the weights' zero padding into a scratch output, and the real columns are copied out.
template <typename Run>
const char *run_padded(MxCall &c, const MxWeights::Prepared &w, Run run) {
    if (c.n >= kMxRowPadding || c.m < kMxGemvRows) return run(c, w, c.scale, c.bias, c.out);
    const int cols = kMxRowPadding;
    std::vector<float> scale(cols, 1.0f), bias(cols, 0.0f), out(size_t(c.m) * cols);
    for (int n = 0; n < c.n; ++n) {
        scale[n] = c.scale(n);
        bias[n] = c.bias(n);
    }
    auto scale_view = dense_view(static_cast<const float *>(scale.data()), {cols});
    auto bias_view = dense_view(static_cast<const float *>(bias.data()), {cols});
    auto out_view = dense_view(out.data(), {cols, c.m});
    const char *name = run(c, w, scale_view, bias_view, out_view);
    for (int m = 0; m < c.m; ++m)
        for (int n = 0; n < c.n; ++n) c.out(n, m) = out[size_t(m) * cols + n];
    return name;
}

// A conv's activations as plain rows: each window's codes and scales gathered, padded taps zero
// elements at E8M0 127.
MxActivations gather_window_codes(const MxCall &c, std::vector<uint8_t> &codes, std::vector<uint8_t> &scales) {
    const PackedRows in = packed_rows(c);
    const size_t row_bytes = size_t(c.blocks) * kMxBlock * c.a_bits / 8;
    codes.resize(c.m * row_bytes);
    scales.resize(size_t(c.m) * c.blocks);
    for_each_slice(c.m, row_slices(c, c.m), [&](int begin, int end) {
        gather_windows(*c.a.windows, c.a.codes, in.code_bytes, in.code_bytes, uint8_t(0), codes.data(), row_bytes,
                       begin, end);
        gather_windows(*c.a.windows, c.a.scales, in.blocks, in.blocks, kMxUnitScale, scales.data(), c.blocks, begin,
                       end);
    });
    return MxActivations{c.a.format, codes.data(), scales.data(), c.m};
}

// Whether a conv decodes its input pixels (then copies decoded values into the windows) rather
// than its windows' codes: where the windows read each pixel more than once on average (a 3x3
// conv 9 times), not where they skip some (a 1x1 stride-2 conv reads a quarter of them).
bool decodes_pixels(const MxCall &c) {
    const Conv2dShape &s = *c.a.windows;
    return double(c.m) * s.kernel_h * s.kernel_w > double(packed_rows(c).count);
}

const char *run_generic(MxCall &c, const MxWeights::Prepared &w) {
    auto a_codes = dense_view(c.a.codes, {c.blocks * kMxBlock * c.a_bits / 8, c.m});
    auto a_scales = dense_view(c.a.scales, {c.blocks, c.m});
    const bool exact = c.at.shift >= 0 && c.wt.shift >= 0;
    // int32 block sums where 32 products cannot overflow them (E4M3 with FP4, FP6 or INT8),
    // else fp64 ones, exact below 2^53 (every pair of formats: E4M3 x E4M3 reaches 2^41).
    const double block_bound = double(kMxBlock) * c.at.max_magnitude * c.wt.max_magnitude;
    const bool fits_int32 = exact && block_bound <= INT32_MAX;
    LPGEN_REQUIRE(!exact || block_bound <= 9007199254740992.0, "internal: an MX block sum would not be exact in fp64");
    auto a_int = dense_view(c.at.integer.data(), {256});
    auto a_real = dense_view(c.at.real.data(), {256});
    auto a_special = dense_view(c.at.special.data(), {256});
    const MxWeights::Prepared::Generic &g = w.generic();
    const int k32 = c.blocks * kMxBlock;
    // E5M2 weights have no integer decoding; the fp32 kernel never reads w_ints then.
    static const int32_t no_ints = 0;
    auto w_ints = g.ints.empty() ? dense_view(&no_ints, {1, 1}) : dense_view(g.ints.data(), {c.n, k32});
    auto w_reals = dense_view(g.reals.data(), {c.n, k32});
    auto w_nan = dense_view(g.nan.data(), {c.n, c.blocks});
    const KernelSet &set = kernels();
    const auto &kernel = fits_int32 ? set.mx_gemm_exact32 : exact ? set.mx_gemm_exact : set.mx_gemm_fp32;
    return run_kernel_sliced(tuned_or(kernel, c.shape), c.out, 1,
                             16, work(c), a_codes.raw_buffer(), a_scales.raw_buffer(), c.w_scales.raw_buffer(),
                             a_int.raw_buffer(), a_real.raw_buffer(), a_special.raw_buffer(), w_ints.raw_buffer(),
                             w_reals.raw_buffer(), w_nan.raw_buffer(), c.a_bits, exact ? c.at.shift : 0,
                             exact ? c.wt.shift : 0, c.scale.raw_buffer(), c.bias.raw_buffer(), c.e.clamp_min,
                             c.e.clamp_max);
}

// The shape and activation format against prepared weights.
void check_gemm_shape(const GemmShape &s, MxFormat a_format, const MxWeights::Prepared &w) {
    mx_format_name(a_format);  // throws for a format that does not exist
    check_positive(s.m, "shape.m");
    check_positive(s.n, "shape.n");
    check_positive(s.k, "shape.k");
    LPGEN_REQUIRE(w.kernel_h == 0, "these MX weights were prepared for conv2d, not GEMM");
    LPGEN_REQUIRE(s.n == w.rows && s.k == w.k, "shape n=" + std::to_string(s.n) + " k=" + std::to_string(s.k) +
                                                   " does not match the weights' n=" + std::to_string(w.rows) +
                                                   " k=" + std::to_string(w.k));
}

// The activations' codes, scales and the output for m rows against prepared weights.
void check_gemm_operands(const GemmShape &s, const uint8_t *a_codes, size_t a_code_bytes, const uint8_t *a_scales,
                         size_t a_scale_count, MxFormat a_format, const MxWeights::Prepared &w,
                         const Fp32Epilogue &e, const float *out, size_t out_count) {
    check_gemm_shape(s, a_format, w);
    check_buffer(a_codes, a_code_bytes, mx_code_bytes(a_format, s.m, s.k), "a codes");
    check_buffer(a_scales, a_scale_count, mx_scale_count(s.m, s.k), "a scales");
    check_epilogue(e, s.n);
    check_buffer(out, out_count, checked_product({size_t(s.m), size_t(s.n)}, "output"), "output");
}

}  // namespace

const char *run_mx_gemm(MxPath path, const MxActivations &a, const MxWeights::Prepared &w, const Fp32Epilogue &e,
                        float *out) {
    const int m = a.rows, blocks = w.blocks, n = w.rows;
    MxCall c{m,
             n,
             blocks,
             a,
             dense_view(w.scales.data(), {blocks, n}),
             per_channel_view(e.scale, e.scale_count, n),
             per_channel_view(e.bias, e.bias_count, n),
             dense_view(out, {n, m}),
             e,
             mx_tables(a.format),
             mx_tables(w.format),
             mx_info(a.format).bits,
             GemmShape{m, n, w.k}};
    const bool int8_ok = c.at.fits_int8 && w.has_int8() && int8_kernel(kernels(), c) != nullptr,
               int16_ok = int16_planes_for(c.at, c.wt) != 0;
    if (path == MxPath::Fastest) path = int8_ok ? MxPath::Int8 : int16_ok ? MxPath::Int16 : MxPath::Generic;
    std::vector<uint8_t> window_codes, window_scales;  // the generic kernel decodes codes itself
    if (a.windows && (path == MxPath::Generic || !decodes_pixels(c))) {
        c.a = gather_window_codes(c, window_codes, window_scales);
    }
    switch (path) {
    case MxPath::Int8:
        LPGEN_REQUIRE(int8_ok, "the int8 MX kernel does not take these formats or weight scales");
        return run_padded(c, w, run_int8);
    case MxPath::Int16:
        LPGEN_REQUIRE(int16_ok, "the int16 MX kernel does not take these formats");
        return run_padded(c, w, run_int16);
    default:
        return run_generic(c, w);
    }
}

const char *mx_gemm(const GemmShape &s, const uint8_t *a_codes, size_t a_code_bytes, const uint8_t *a_scales,
                    size_t a_scale_count, MxFormat a_format, const MxWeights &weights, const Fp32Epilogue &e,
                    float *out, size_t out_count) {
    const MxWeights::Prepared &w = weights.prepared();
    check_gemm_operands(s, a_codes, a_code_bytes, a_scales, a_scale_count, a_format, w, e, out, out_count);
    return run_mx_gemm(MxPath::Fastest, s.m, a_codes, a_scales, a_format, w, e, out);
}

const char *mx_gemm(const GemmShape &s, const uint8_t *a_codes, size_t a_code_bytes, const uint8_t *a_scales,
                    size_t a_scale_count, MxFormat a_format, const uint8_t *w_codes, size_t w_code_bytes,
                    const uint8_t *w_scales, size_t w_scale_count, MxFormat w_format, const Fp32Epilogue &e,
                    float *out, size_t out_count) {
    mx_format_name(a_format);
    check_positive(s.n, "shape.n");
    check_positive(s.k, "shape.k");
    const MxWeights weights(s.n, s.k, w_format, w_codes, w_code_bytes, w_scales, w_scale_count);
    return mx_gemm(s, a_codes, a_code_bytes, a_scales, a_scale_count, a_format, weights, e, out, out_count);
}

const char *mx_gemm(const GemmShape &s, const float *a, size_t a_count, MxFormat a_format, const MxWeights &weights,
                    const Fp32Epilogue &e, float *out, size_t out_count) {
    const MxWeights::Prepared &w = weights.prepared();
    check_gemm_shape(s, a_format, w);
    // Before the codes are allocated: a shape larger than the activations costs no memory.
    check_buffer(a, a_count, checked_product({size_t(s.m), size_t(s.k)}, "a"), "a (fp32 activations)");
    const size_t code_bytes = mx_code_bytes(a_format, s.m, s.k), scale_count = mx_scale_count(s.m, s.k);
    std::vector<uint8_t> codes(code_bytes), scales(scale_count);
    // Checked before quantizing, so a bad call writes nothing anywhere.
    check_gemm_operands(s, codes.data(), code_bytes, scales.data(), scale_count, a_format, w, e, out, out_count);
    mx_quantize(a, a_count, s.m, s.k, a_format, codes.data(), code_bytes, scales.data(), scale_count);
    return run_mx_gemm(MxPath::Fastest, s.m, codes.data(), scales.data(), a_format, w, e, out);
}

}  // namespace lpgen
