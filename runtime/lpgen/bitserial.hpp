// lpgen C++ entry points for the bit-serial family and the generated baselines.
//
// Every function validates its arguments before touching memory: a null or undersized buffer,
// an unsupported bit width or encoding, or shapes that do not agree throw lpgen::Error with a
// message naming the argument, and nothing is written to the output. On success a function
// returns the name of the generated kernel that ran (e.g. "lpgen_bs_gemm_i32_a1w1__x86_avx512").
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace lpgen {

class Error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// A bit width, encoding or format that lpgen does not offer (a kind of Error).
class Unsupported : public Error {
public:
    using Error::Error;
};

// DESIGN.md, "Encodings". For bipolar operands the uint8 code u stands for 2u - (2^bits - 1).
enum class Encoding : int { Unsigned = 0, Signed = 1, Bipolar = 2 };

// How one packed operand's codes are read: bit width 1..8, encoding, and an optional zero point
// subtracted from every decoded value (0 for none).
struct Operand {
    int bits = 1;
    Encoding encoding = Encoding::Unsigned;
    int zero_point = 0;
};

// Quantization of fp32 values to codes: code = round(x / scale) + zero_point, clamped to the
// encoding's range (bipolar: nearest odd level of x / scale).
struct Quantization {
    float scale = 1.0f;
    int zero_point = 0;
    int bits = 1;
    Encoding encoding = Encoding::Unsigned;
};

// fp32 epilogue: out = clamp(float(dot) * scale[n] + bias[n], clamp_min, clamp_max).
// scale_count is 1 (per tensor) or N (per output channel); bias may be null (no bias).
struct Fp32Epilogue {
    const float *scale = nullptr;
    size_t scale_count = 0;
    const float *bias = nullptr;
    size_t bias_count = 0;
    float clamp_min = -std::numeric_limits<float>::infinity();
    float clamp_max = std::numeric_limits<float>::infinity();
};

// Words of packed bit-planes for `rows` rows of `k` values at `bits` bits: rows*bits*ceil(k/64).
size_t packed_words(int rows, int k, int bits);

// values[rows][k] (codes < 2^bits) -> out[rows][bits][ceil(k/64)].
const char *pack_bits(const uint8_t *values, size_t value_count, int rows, int k, int bits, uint64_t *out,
                      size_t out_words);

// values[rows][k] fp32 -> quantized and packed out[rows][q.bits][ceil(k/64)] in one pass.
const char *quantize_pack(const float *values, size_t value_count, int rows, int k, const Quantization &q,
                          uint64_t *out, size_t out_words);

struct GemmShape {
    int m = 0, n = 0, k = 0;
};

// The int8 path's copy of a weights handle's values, built on first use (runtime/bitserial_int8.h).
class Int8DotCache;

// C[m][n] = sum_k a[m][k] * w[n][k]; a packed as [M][a.bits][Kw], w as [N][w.bits][Kw].
// Two algorithms compute it, bit for bit the same: popcount over the bit-planes, or, from a
// few plane pairs on (and M >= 2), the int8 dot-product kernels on the codes (the kernel name
// says which ran). `int8` is the weights' cache for that path (the C API's weights handles keep
// one); without one, calls take popcount unless the int8 path is forced (bitserial_int8.h),
// which then unpacks the weights in every call.
const char *bitserial_gemm(const GemmShape &shape, const uint64_t *a, size_t a_words, const Operand &a_op,
                           const uint64_t *w, size_t w_words, const Operand &w_op, int32_t *out, size_t out_count,
                           Int8DotCache *int8 = nullptr);
const char *bitserial_gemm(const GemmShape &shape, const uint64_t *a, size_t a_words, const Operand &a_op,
                           const uint64_t *w, size_t w_words, const Operand &w_op, const Fp32Epilogue &epilogue,
                           float *out, size_t out_count, Int8DotCache *int8 = nullptr);
// Requantize-and-pack: out is [M][next.bits][ceil(N/64)], ready to be the next layer's `a`.
const char *bitserial_gemm(const GemmShape &shape, const uint64_t *a, size_t a_words, const Operand &a_op,
                           const uint64_t *w, size_t w_words, const Operand &w_op, const Fp32Epilogue &epilogue,
                           const Quantization &next, uint64_t *out, size_t out_words);

// NHWC conv2d. Padding is explicit per side; the output size follows from it.
struct Conv2dShape {
    int batch = 1, height = 0, width = 0, channels = 0;
    int out_channels = 0, kernel_h = 1, kernel_w = 1;
    int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
    int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
    // 0 when the window does not fit the padded input, -1 when the extent exceeds int.
    int out_height() const;
    int out_width() const;
};

// a packed as [N][H][W][a.bits][Cw], w as [OC][KH][KW][w.bits][Cw]; out NHWC [N][OH][OW][OC].
// 1x1 unpadded convolutions are GEMMs and may take the int8 path too (`int8` as above).
const char *bitserial_conv2d(const Conv2dShape &shape, const uint64_t *a, size_t a_words, const Operand &a_op,
                             const uint64_t *w, size_t w_words, const Operand &w_op, int32_t *out,
                             size_t out_count, Int8DotCache *int8 = nullptr);
const char *bitserial_conv2d(const Conv2dShape &shape, const uint64_t *a, size_t a_words, const Operand &a_op,
                             const uint64_t *w, size_t w_words, const Operand &w_op, const Fp32Epilogue &epilogue,
                             float *out, size_t out_count, Int8DotCache *int8 = nullptr);
// Requantize-and-pack: out is [N][OH][OW][next.bits][ceil(OC/64)].
const char *bitserial_conv2d(const Conv2dShape &shape, const uint64_t *a, size_t a_words, const Operand &a_op,
                             const uint64_t *w, size_t w_words, const Operand &w_op, const Fp32Epilogue &epilogue,
                             const Quantization &next, uint64_t *out, size_t out_words);

// Generated baselines: a[M][K] x w[N][K] -> out[M][N]; conv2d NHWC with weights [OC][KH][KW][C].
const char *baseline_gemm(const GemmShape &shape, const int8_t *a, size_t a_count, const int8_t *w, size_t w_count,
                          int32_t *out, size_t out_count);
const char *baseline_gemm(const GemmShape &shape, const int16_t *a, size_t a_count, const int16_t *w,
                          size_t w_count, int32_t *out, size_t out_count);
const char *baseline_gemm(const GemmShape &shape, const float *a, size_t a_count, const float *w, size_t w_count,
                          float *out, size_t out_count);
const char *baseline_conv2d(const Conv2dShape &shape, const int8_t *a, size_t a_count, const int8_t *w,
                            size_t w_count, int32_t *out, size_t out_count);
const char *baseline_conv2d(const Conv2dShape &shape, const int16_t *a, size_t a_count, const int16_t *w,
                            size_t w_count, int32_t *out, size_t out_count);
const char *baseline_conv2d(const Conv2dShape &shape, const float *a, size_t a_count, const float *w,
                            size_t w_count, float *out, size_t out_count);

// Threads each call may use, process-wide: 1 (the default) runs on the calling thread, 0 means
// every hardware thread. Calls split their output rows (GEMV: columns) between threads; results
// are bit-identical to one thread.
void set_num_threads(int count);
int num_threads();

// The instruction-set variant the dispatcher picked for this CPU ("x86_avx512", "arm64_a53", ...).
const char *active_isa();

}  // namespace lpgen
