// lpgen C++ entry points for the OCP Microscaling (MX) codec.
//
// A row of K fp32 values becomes ceil(K/32) blocks of 32 elements, each block one E8M0 scale;
// the last block is padded with zeros. Codes are packed densely (FP4 two per byte, FP6 four
// per three bytes, 8-bit formats one per byte); the layout is drawn in generators/mx_formats.h.
// Bad arguments throw lpgen::Error and write nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "generators/mx_formats.h"
#include "lpgen/bitserial.hpp"

namespace lpgen {

// "fp8_e4m3", "fp8_e5m2", "fp6_e3m2", "fp6_e2m3", "fp4_e2m1" or "int8"; anything else throws.
MxFormat mx_format(const char *name);
const char *mx_format_name(MxFormat format);

// Bytes of packed codes and number of scales for `rows` rows of `k` values.
size_t mx_code_bytes(MxFormat format, int rows, int k);
size_t mx_scale_count(int rows, int k);

// values[rows][k] -> codes[rows][mx_code_bytes(format, 1, k)], scales[rows][ceil(k/32)].
const char *mx_quantize(const float *values, size_t value_count, int rows, int k, MxFormat format, uint8_t *codes,
                        size_t code_bytes, uint8_t *scales, size_t scale_count);

// The inverse: out[rows][k] = element * 2^(scale - 127); NaN for blocks whose scale is 0xFF.
const char *mx_dequantize(const uint8_t *codes, size_t code_bytes, const uint8_t *scales, size_t scale_count,
                          int rows, int k, MxFormat format, float *out, size_t out_count);

// MX weights prepared once for repeated GEMMs or convolutions: a copy of the packed codes and
// scales, plus, where the format allows (FP4, FP6 E2M3, INT8), the int8 decoding in groups of
// four along K with per-block sums that the fastest kernel reads. Copies are cheap to pass
// around (shared, immutable); bad arguments throw lpgen::Error.
class MxWeights {
public:
    // GEMM weights: `rows` (N) rows of k values, as mx_quantize writes them.
    MxWeights(int rows, int k, MxFormat format, const uint8_t *codes, size_t code_bytes, const uint8_t *scales,
              size_t scale_count);
    // Conv2d weights [OC][KH][KW][C], quantized as OC*KH*KW rows of C values (blocks along input
    // channels; C padded to a multiple of 32 per tap).
    static MxWeights conv2d(int out_channels, int kernel_h, int kernel_w, int channels, MxFormat format,
                            const uint8_t *codes, size_t code_bytes, const uint8_t *scales, size_t scale_count);

    MxFormat format() const;
    int rows() const;  // N, or OC
    struct Prepared;
    const Prepared &prepared() const { return *prepared_; }

private:
    explicit MxWeights(std::shared_ptr<const Prepared> prepared) : prepared_(std::move(prepared)) {}
    std::shared_ptr<const Prepared> prepared_;
};

// C[m][n] = sum over K of dequantized a[m][k] * w[n][k], then the fp32 epilogue; a and w are
// MX-packed rows (codes + scales, as mx_quantize writes them) in any pair of formats. Blocks
// are summed exactly in integers (in fp32 when either format is fp8_e5m2) and combined in fp32
// in block order: the result does not depend on the kernel variant or schedule. A block with
// scale 0xFF or a NaN/Inf element code makes its outputs NaN.
const char *mx_gemm(const GemmShape &shape, const uint8_t *a_codes, size_t a_code_bytes, const uint8_t *a_scales,
                    size_t a_scale_count, MxFormat a_format, const uint8_t *w_codes, size_t w_code_bytes,
                    const uint8_t *w_scales, size_t w_scale_count, MxFormat w_format, const Fp32Epilogue &epilogue,
                    float *out, size_t out_count);
// The same with prepared weights (shape.n and shape.k must be theirs).
const char *mx_gemm(const GemmShape &shape, const uint8_t *a_codes, size_t a_code_bytes, const uint8_t *a_scales,
                    size_t a_scale_count, MxFormat a_format, const MxWeights &weights, const Fp32Epilogue &epilogue,
                    float *out, size_t out_count);
// Drop-in mode (the Microscaling paper's): fp32 activations a[M][K], quantized to a_format by the
// generated mx_quantize kernel inside the call, times MX weights.
const char *mx_gemm(const GemmShape &shape, const float *a, size_t a_count, MxFormat a_format,
                    const MxWeights &weights, const Fp32Epilogue &epilogue, float *out, size_t out_count);

// Conv2d, NHWC: activations [N][H][W][C] MX-packed as N*H*W rows of C values, weights from
// MxWeights::conv2d, out [N][OH][OW][OC]. Zero padding means zero elements (a padded tap times
// a NaN weight block is NaN, as in IEEE arithmetic). Blocks are combined in (kh, kw, channel
// block) order, so the result is again independent of kernel and schedule.
const char *mx_conv2d(const Conv2dShape &shape, const uint8_t *a_codes, size_t a_code_bytes, const uint8_t *a_scales,
                      size_t a_scale_count, MxFormat a_format, const MxWeights &weights,
                      const Fp32Epilogue &epilogue, float *out, size_t out_count);
// Drop-in mode: fp32 NHWC activations quantized to a_format inside the call.
const char *mx_conv2d(const Conv2dShape &shape, const float *a, size_t a_count, MxFormat a_format,
                      const MxWeights &weights, const Fp32Epilogue &epilogue, float *out, size_t out_count);

}  // namespace lpgen
