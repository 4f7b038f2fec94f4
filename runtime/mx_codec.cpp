// Entry points of the generated MX quantize/dequantize kernels.
#include <algorithm>
#include <cstring>
#include <string>

#include "halide_call.h"
#include "lpgen/mx.hpp"
#include "parallel.h"
#include "validate.h"

namespace lpgen {
namespace {

// K rounded up to whole blocks, in size_t: k may be anything up to INT_MAX before it is checked.
size_t padded_k(int k) { return (size_t(k) + kMxBlock - 1) / kMxBlock * kMxBlock; }

// What one element costs, in int8 multiply-accumulates of a GEMM (the unit of Work), for
// splitting calls between threads: measured here, mx_quantize_fp4_e2m1 spends about 3 ns on an
// element where the MXFP4 GEMM spends about 0.012 ns on a MAC; dequantizing costs less.
constexpr double kCodecMacsPerElement = 128;

// Threads split the rows of a quantize or dequantize call.
int row_slices(int rows, int k) { return slice_count(rows, 1, Work{double(rows) * k * kCodecMacsPerElement}); }

// kernel(views...) with every view cut to the same rows (its last dimension), the rows split
// between threads.
template <typename Fn, typename... Views>
const char *run_by_rows(const Kernel<Fn> &kernel, int rows, int k, Views &...views) {
    for_each_slice(rows, row_slices(rows, k), [&](int begin, int end) {
        run_kernel(kernel, views.cropped(1, begin, end - begin).raw_buffer()...);
    });
    return kernel.name;
}

// Rows of whole blocks lie back to back in the values, the codes and the scales alike, so the
// kernels may take g of them as one row of g * k: a conv quantizes its input pixels, rows of a
// few blocks (64 channels: MXFP4 cost 4.5 times as much an element as in rows of 1024), and
// the kernels' cost per row is then paid once per g rows. g divides the rows and keeps the
// folded rows at most kFoldedRow elements long, so threads still have rows to split.
constexpr int kFoldedRow = 4096;

struct RowShape {
    int rows, k;
};

RowShape folded(int rows, int k) {
    if (k % kMxBlock != 0) return {rows, k};
    int g = std::max(1, kFoldedRow / k);
    while (rows % g != 0) --g;
    return {rows / g, k * g};
}

// A call's fp32 values, codes and scales as the kernels take them, (element, row),
// (byte, row) and (block, row), in the folded rows: one shape for all three arrays.
template <typename Float, typename Byte>
struct CodecViews {
    RowShape shape;
    View<Float> values;
    View<Byte> codes, scales;
};

template <typename Float, typename Byte>
CodecViews<Float, Byte> codec_views(Float *values, Byte *codes, Byte *scales, int rows, int k, MxFormat format) {
    const RowShape f = folded(rows, k);
    const int row_bytes = static_cast<int>(padded_k(f.k) * mx_info(format).bits / 8);
    return {f, dense_view(values, {f.k, f.rows}), dense_view(codes, {row_bytes, f.rows}),
            dense_view(scales, {static_cast<int>(padded_k(f.k) / kMxBlock), f.rows})};
}

int checked_format(MxFormat format) {
    const int index = static_cast<int>(format);
    if (index < 0 || index >= 6) fail_unsupported("MX format " + std::to_string(index) + " does not exist");
    return index;
}

}  // namespace

MxFormat mx_format(const char *name) {
    for (int i = 0; i < 6; ++i) {
        if (name != nullptr && std::strcmp(name, kMxFormats[i].name) == 0) return static_cast<MxFormat>(i);
    }
    fail_unsupported(std::string("unknown MX format '") + (name ? name : "(null)") +
         "'; expected fp8_e4m3, fp8_e5m2, fp6_e3m2, fp6_e2m3, fp4_e2m1 or int8");
}

const char *mx_format_name(MxFormat format) { return kMxFormats[checked_format(format)].name; }

size_t mx_code_bytes(MxFormat format, int rows, int k) {
    checked_format(format);
    check_positive(rows, "rows");
    check_positive(k, "k");
    return checked_product({size_t(rows), padded_k(k) * size_t(mx_info(format).bits) / 8}, "MX codes");
}

size_t mx_scale_count(int rows, int k) {
    check_positive(rows, "rows");
    check_positive(k, "k");
    return checked_product({size_t(rows), padded_k(k) / kMxBlock}, "MX scales");
}

const char *mx_quantize(const float *values, size_t value_count, int rows, int k, MxFormat format, uint8_t *codes,
                        size_t code_bytes, uint8_t *scales, size_t scale_count) {
    const int index = checked_format(format);
    const size_t needed_code_bytes = mx_code_bytes(format, rows, k);  // checks rows and k
    check_buffer(values, value_count, checked_product({size_t(rows), size_t(k)}, "values"), "values");
    check_buffer(codes, code_bytes, needed_code_bytes, "codes");
    check_buffer(scales, scale_count, mx_scale_count(rows, k), "scales");
    auto v = codec_views(values, codes, scales, rows, k, format);
    return run_by_rows(kernels().mx_quantize[index], v.shape.rows, v.shape.k, v.values, v.codes, v.scales);
}

const char *mx_dequantize(const uint8_t *codes, size_t code_bytes, const uint8_t *scales, size_t scale_count,
                          int rows, int k, MxFormat format, float *out, size_t out_count) {
    const int index = checked_format(format);
    check_buffer(codes, code_bytes, mx_code_bytes(format, rows, k), "codes");
    check_buffer(scales, scale_count, mx_scale_count(rows, k), "scales");
    check_buffer(out, out_count, checked_product({size_t(rows), size_t(k)}, "output"), "output");
    auto v = codec_views(out, codes, scales, rows, k, format);
    return run_by_rows(kernels().mx_dequantize[index], v.shape.rows, v.shape.k, v.codes, v.scales, v.values);
}

}  // namespace lpgen
