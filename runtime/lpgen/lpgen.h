/* lpgen C API: bit-serial and OCP Microscaling (MX) GEMM and conv2d on CPUs.
 *
 * Every function returns an lpgen_status. On failure nothing has been written to the caller's
 * output, and lpgen_last_error() holds a message naming the argument at fault (per thread,
 * until the next call). On success lpgen_last_kernel() names the generated kernel that ran
 * (e.g. "lpgen_bs_conv2d_f32_a1w1__x86_avx512"), so a program can see which variant served it.
 *
 * Weights are packed once into opaque handles; activations are packed per call (bit-serial:
 * lpgen_quantize_pack, or the requantize-and-pack output of the previous layer; MX: codes and
 * scales from lpgen_mx_quantize, or fp32 values quantized inside the call). Layouts follow
 * DESIGN.md: NHWC activations, [OC][KH][KW][C] conv weights, [N][K] GEMM weights.
 * No C++ exception crosses this boundary. The functions are safe to call from several threads;
 * lpgen_set_num_threads is process-wide.
 */
#ifndef LPGEN_H
#define LPGEN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lpgen_status {
    LPGEN_OK = 0,
    LPGEN_INVALID_ARGUMENT = 1, /* null pointer, short buffer, bad shape, mismatched handle */
    LPGEN_UNSUPPORTED = 2,      /* a bit width, encoding or format lpgen does not offer */
    LPGEN_OUT_OF_MEMORY = 3,
    LPGEN_KERNEL_FAILED = 4,    /* a generated kernel reported an error (message says which) */
    LPGEN_INTERNAL_ERROR = 5
} lpgen_status;

/* The message of the last failed call on this thread ("" after a success). */
const char *lpgen_last_error(void);
/* The generated kernel that served the last successful operator call on this thread. */
const char *lpgen_last_kernel(void);
const char *lpgen_version(void);
/* The instruction-set variant chosen for this CPU: "x86_avx512", "x86_avx2", "arm64_a53", ... */
const char *lpgen_active_isa(void);

/* Threads per call, process-wide: 1 (default) = the calling thread only, 0 = every hardware
 * thread. Results are bit-identical for every thread count. */
lpgen_status lpgen_set_num_threads(int count);
int lpgen_num_threads(void);

/* Kernels tuned for exact shapes. A bundle from `lpgen generate` holds them and a function
 * <bundle>_register() that passes its table here; afterwards a call whose shape matches an
 * entry runs that entry's kernel, and lpgen_last_kernel() names it. Entries for another
 * instruction-set variant than lpgen_active_isa() are kept but never run. Registering the same
 * (family, shape, isa) again replaces the entry. The strings are copied. */
typedef struct lpgen_kernel_entry {
    const char *family; /* default kernel it replaces, e.g. "bs_conv2d_f32_a1w1" */
    const char *shape;  /* "conv2d 1x56x56x64->64 k3x3 s1x1 d1x1 p1,1,1,1" or "gemm 1x4096x4096" */
    const char *isa;    /* "x86_avx2", "x86_avx512", "arm64_a53", "arm32_a53" */
    void (*function)(void); /* the generated kernel, cast to this type */
    const char *name;   /* its symbol, reported by lpgen_last_kernel() */
} lpgen_kernel_entry;
/* Checks every entry first: on failure none is registered and the status is
 * LPGEN_INVALID_ARGUMENT, with a message naming the entry. An entry needs a family lpgen
 * dispatches (bs_gemm_*, bs_conv2d_*, the mx_gemm_* and mx_gemv_* kernels), a shape spelt exactly as
 * above with positive sizes ("conv2d ..." for bs_conv2d_* families, whose window must fit its
 * padded input; "gemm MxNxK" for every other family, MX convolutions included), one of the four
 * isa names, a name and a function. */
lpgen_status lpgen_register_kernels(const lpgen_kernel_entry *entries, size_t count);
/* A bundle's tuned choice of algorithm for one bit-serial configuration at one shape: where the
 * tuner measured the int8 dot-product path faster than popcount over bit-planes (or the
 * reverse), the call takes it whatever the built-in rule says. The family is the configured
 * family of the operator, bs_gemm_{i32,f32}@<config> or bs_conv2d_{i32,f32}@<config>
 * ("bs_gemm_f32@4A4W:uxu"; GEMVs are bs_gemm_*), the shape and isa as for kernels, the
 * algorithm "popcount" or "int8-dot". The int8 path is taken only for weights prepared in a
 * handle and operands exact in it (K * max|a| * max|w| <= 2^24). Checked and registered like
 * kernels, all or none; the same key again replaces the choice. */
typedef struct lpgen_algorithm_entry {
    const char *family;
    const char *shape;
    const char *isa;
    const char *algorithm;
} lpgen_algorithm_entry;
lpgen_status lpgen_register_algorithms(const lpgen_algorithm_entry *entries, size_t count);
/* Forgets every registered kernel and algorithm choice (calls go back to the defaults). */
void lpgen_clear_kernels(void);

/* ---- Shapes and epilogues ---------------------------------------------------------------- */

typedef struct lpgen_gemm_shape {
    int m, n, k; /* out[m][n] = sum over k of a[m][k] * w[n][k] */
} lpgen_gemm_shape;

typedef struct lpgen_conv2d_shape {
    int batch, height, width, channels;
    int out_channels, kernel_h, kernel_w;
    int stride_h, stride_w, dilation_h, dilation_w;
    int pad_top, pad_left, pad_bottom, pad_right;
} lpgen_conv2d_shape;

/* Output height and width of a conv2d, or -1 when the shape has none: a size, stride or dilation
 * below 1, negative padding, a window larger than the padded input, or a padded input
 * (height + pad_top + pad_bottom, width + pad_left + pad_right) longer than 2^31 - 1. Every
 * conv2d call rejects those shapes with LPGEN_INVALID_ARGUMENT. Padding is the value 0 of the
 * operand: 0 after the zero point is subtracted (for bipolar operands a zero contribution,
 * not -1), so padded taps add exactly nothing. */
int lpgen_conv2d_out_height(const lpgen_conv2d_shape *shape);
int lpgen_conv2d_out_width(const lpgen_conv2d_shape *shape);

/* out = clamp(float(acc) * scale[c] + bias[c], clamp_min, clamp_max); scale_count and bias_count
 * are 1 (per tensor) or the output channels; bias may be NULL. The multiply and the add round
 * separately (no fused multiply-add). The clamp never turns NaN into a number: a NaN result
 * (a NaN block of MX operands, a NaN or infinite scale or bias) stays NaN. */
typedef struct lpgen_epilogue {
    const float *scale;
    size_t scale_count;
    const float *bias;
    size_t bias_count;
    float clamp_min, clamp_max;
} lpgen_epilogue;

/* scale 1, no bias, no clamp. *one must outlive the epilogue (it is its scale). */
lpgen_epilogue lpgen_epilogue_identity(const float *one);

/* ---- Bit-serial operands ------------------------------------------------------------------ */

typedef enum lpgen_encoding {
    LPGEN_UNSIGNED = 0, /* 0 .. 2^bits-1 */
    LPGEN_SIGNED = 1,   /* two's complement */
    LPGEN_BIPOLAR = 2   /* code u means 2u - (2^bits - 1): XNOR-style +-1 planes */
} lpgen_encoding;

/* How packed codes are read: 1..8 bits, encoding, zero point subtracted from each value. */
typedef struct lpgen_operand {
    int bits;
    lpgen_encoding encoding;
    int zero_point;
} lpgen_operand;

/* fp32 -> code. y = x / scale is formed in fp32, then rounded exactly (every profile):
 * unsigned and signed take round(y) + zero_point, ties to even (0.5 -> 0, 1.5 -> 2, -2.5 -> -2),
 * saturated to the encoding's range; bipolar takes the odd level 2u - (2^bits - 1) nearest y,
 * saturated, where an even y is a tie between two levels that goes to the even code u, and the
 * zero point must be 0 (LPGEN_INVALID_ARGUMENT otherwise: the levels are symmetric about 0).
 * NaN quantizes as 0 would; +-Inf saturate. The same rules serve the requantize-and-pack
 * epilogues (`next`). On arm32 (ARMv7 NEON) subnormal x and y may be flushed to 0 first. */
typedef struct lpgen_quantization {
    float scale;
    int zero_point;
    int bits;
    lpgen_encoding encoding;
} lpgen_quantization;

/* uint64 words of `rows` rows of k values packed at `bits` bits: rows * bits * ceil(k / 64);
 * 0 when the arguments are out of range. */
size_t lpgen_packed_words(int rows, int k, int bits);
/* codes[rows][k] (each < 2^bits) -> out[rows][bits][ceil(k/64)]. The bits past k in each
 * plane's last word are written as 0; the operators ignore them in activations packed by other
 * means, for every encoding (weights are always packed by the handle constructors). */
lpgen_status lpgen_pack_bits(const uint8_t *codes, size_t code_count, int rows, int k, int bits, uint64_t *out,
                             size_t out_words);
/* values[rows][k] fp32 -> quantized and packed in one pass (NHWC activations: rows = N*H*W). */
lpgen_status lpgen_quantize_pack(const float *values, size_t value_count, int rows, int k,
                                 const lpgen_quantization *q, uint64_t *out, size_t out_words);

/* Packed bit-serial weights: bit-planes of GEMM [N][K] or conv2d [OC][KH][KW][C] codes. */
typedef struct lpgen_bs_weights lpgen_bs_weights;

/* On failure *weights is left as it was (as every output of a failed call). */
lpgen_status lpgen_bs_weights_gemm(const uint8_t *codes, size_t code_count, int n, int k,
                                   const lpgen_operand *op, lpgen_bs_weights **weights);
lpgen_status lpgen_bs_weights_conv2d(const uint8_t *codes, size_t code_count, int out_channels, int kernel_h,
                                     int kernel_w, int channels, const lpgen_operand *op,
                                     lpgen_bs_weights **weights);
void lpgen_bs_weights_free(lpgen_bs_weights *weights); /* NULL is fine */

/* a packed as [M][a_op.bits][ceil(K/64)]; out int32 [M][N] (exact), fp32 [M][N] through the
 * epilogue, or requantized and packed as [M][next.bits][ceil(N/64)] for the next layer. */
lpgen_status lpgen_bs_gemm_i32(const lpgen_gemm_shape *shape, const uint64_t *a, size_t a_words,
                               const lpgen_operand *a_op, const lpgen_bs_weights *w, int32_t *out,
                               size_t out_count);
lpgen_status lpgen_bs_gemm_f32(const lpgen_gemm_shape *shape, const uint64_t *a, size_t a_words,
                               const lpgen_operand *a_op, const lpgen_bs_weights *w, const lpgen_epilogue *epilogue,
                               float *out, size_t out_count);
lpgen_status lpgen_bs_gemm_packed(const lpgen_gemm_shape *shape, const uint64_t *a, size_t a_words,
                                  const lpgen_operand *a_op, const lpgen_bs_weights *w,
                                  const lpgen_epilogue *epilogue, const lpgen_quantization *next, uint64_t *out,
                                  size_t out_words);

/* a packed NHWC as [N][H][W][a_op.bits][ceil(C/64)]; out NHWC [N][OH][OW][OC] (int32 or fp32),
 * or packed as [N][OH][OW][next.bits][ceil(OC/64)]. */
lpgen_status lpgen_bs_conv2d_i32(const lpgen_conv2d_shape *shape, const uint64_t *a, size_t a_words,
                                 const lpgen_operand *a_op, const lpgen_bs_weights *w, int32_t *out,
                                 size_t out_count);
lpgen_status lpgen_bs_conv2d_f32(const lpgen_conv2d_shape *shape, const uint64_t *a, size_t a_words,
                                 const lpgen_operand *a_op, const lpgen_bs_weights *w,
                                 const lpgen_epilogue *epilogue, float *out, size_t out_count);
lpgen_status lpgen_bs_conv2d_packed(const lpgen_conv2d_shape *shape, const uint64_t *a, size_t a_words,
                                    const lpgen_operand *a_op, const lpgen_bs_weights *w,
                                    const lpgen_epilogue *epilogue, const lpgen_quantization *next, uint64_t *out,
                                    size_t out_words);

/* ---- OCP Microscaling (MX) ---------------------------------------------------------------- */

typedef enum lpgen_mx_format {
    LPGEN_MX_FP8_E4M3 = 0,
    LPGEN_MX_FP8_E5M2 = 1,
    LPGEN_MX_FP6_E3M2 = 2,
    LPGEN_MX_FP6_E2M3 = 3,
    LPGEN_MX_FP4_E2M1 = 4,
    LPGEN_MX_INT8 = 5
} lpgen_mx_format;

/* "fp8_e4m3", "fp8_e5m2", "fp6_e3m2", "fp6_e2m3", "fp4_e2m1", "int8". */
lpgen_status lpgen_mx_format_from_name(const char *name, lpgen_mx_format *format);
const char *lpgen_mx_format_name(lpgen_mx_format format); /* NULL for an unknown value */

/* Bytes of packed codes and number of E8M0 scales for rows of k values (0 when out of range).
 * Each row is padded to whole 32-element blocks with zero elements: lpgen_mx_code_bytes(FP4, 1, 1)
 * is 16, lpgen_mx_scale_count(1, 33) is 2. */
size_t lpgen_mx_code_bytes(lpgen_mx_format format, int rows, int k);
size_t lpgen_mx_scale_count(int rows, int k);

/* Bit-exact with the OCP MX v1.0 rules (DESIGN.md, MX.md): a block holding NaN or Inf gets the
 * NaN scale 0xFF; elements round to nearest, ties to even, and saturate to the format's largest
 * magnitude (MXINT8: +-127/64 times the scale; code 0x80, -2, is never produced but decodes). */
lpgen_status lpgen_mx_quantize(const float *values, size_t value_count, int rows, int k, lpgen_mx_format format,
                               uint8_t *codes, size_t code_bytes, uint8_t *scales, size_t scale_count);
lpgen_status lpgen_mx_dequantize(const uint8_t *codes, size_t code_bytes, const uint8_t *scales,
                                 size_t scale_count, int rows, int k, lpgen_mx_format format, float *out,
                                 size_t out_count);

/* MX weights: a private copy of codes and scales plus the decodings the fast kernels read.
 * On failure *weights is left as it was. */
typedef struct lpgen_mx_weights lpgen_mx_weights;

lpgen_status lpgen_mx_weights_gemm(int n, int k, lpgen_mx_format format, const uint8_t *codes, size_t code_bytes,
                                   const uint8_t *scales, size_t scale_count, lpgen_mx_weights **weights);
/* Conv2d weights [OC][KH][KW][C], quantized as OC*KH*KW rows of C values. */
lpgen_status lpgen_mx_weights_conv2d(int out_channels, int kernel_h, int kernel_w, int channels,
                                     lpgen_mx_format format, const uint8_t *codes, size_t code_bytes,
                                     const uint8_t *scales, size_t scale_count, lpgen_mx_weights **weights);
void lpgen_mx_weights_free(lpgen_mx_weights *weights); /* NULL is fine */

/* a: MX codes and scales of M rows (GEMM) or N*H*W rows (conv2d) of K (C) values. */
lpgen_status lpgen_mx_gemm(const lpgen_gemm_shape *shape, const uint8_t *a_codes, size_t a_code_bytes,
                           const uint8_t *a_scales, size_t a_scale_count, lpgen_mx_format a_format,
                           const lpgen_mx_weights *w, const lpgen_epilogue *epilogue, float *out, size_t out_count);
lpgen_status lpgen_mx_conv2d(const lpgen_conv2d_shape *shape, const uint8_t *a_codes, size_t a_code_bytes,
                             const uint8_t *a_scales, size_t a_scale_count, lpgen_mx_format a_format,
                             const lpgen_mx_weights *w, const lpgen_epilogue *epilogue, float *out,
                             size_t out_count);
/* Drop-in mode: fp32 activations, quantized to a_format inside the call. */
lpgen_status lpgen_mx_gemm_f32(const lpgen_gemm_shape *shape, const float *a, size_t a_count,
                               lpgen_mx_format a_format, const lpgen_mx_weights *w, const lpgen_epilogue *epilogue,
                               float *out, size_t out_count);
lpgen_status lpgen_mx_conv2d_f32(const lpgen_conv2d_shape *shape, const float *a, size_t a_count,
                                 lpgen_mx_format a_format, const lpgen_mx_weights *w,
                                 const lpgen_epilogue *epilogue, float *out, size_t out_count);

/* ---- Low-bit LLM weights x int8 activations ----------------------------------------------
 * Weights: codes [N][K], one per byte in its low bits, at 2-4 bits signed (two's complement),
 * 1-4 bits unsigned with a zero point per group (value = code - zero point), or ternary (bits
 * 2, codes 0, 1, 2 for -1, 0, +1); fp32 scales [N][ceil(K/group)], group 32, 64 or 128.
 * Activations: fp32 [M][K], quantized in the call to int8 with a scale per row (per token) or
 * per block of 32 along K. Output fp32 [M][N] plus bias[N] (bias may be NULL, count 0). Exact
 * integer sums per 32-block, combined in fp32 in a fixed order: the same bits for every kernel,
 * thread count and ISA (lpgen/lowbit.hpp states the numbers). */
typedef enum lpgen_lowbit_kind {
    LPGEN_LOWBIT_SIGNED = 0,
    LPGEN_LOWBIT_UNSIGNED = 1,
    LPGEN_LOWBIT_TERNARY = 2
} lpgen_lowbit_kind;
typedef enum lpgen_activation_scaling { LPGEN_SCALE_PER_ROW = 0, LPGEN_SCALE_PER_BLOCK32 = 1 } lpgen_activation_scaling;
typedef struct lpgen_lowbit_format {
    int bits;
    lpgen_lowbit_kind kind;
    int group;
} lpgen_lowbit_format;
typedef struct lpgen_lowbit_weights lpgen_lowbit_weights;
/* zero_points: [N][groups] for unsigned weights, NULL (count 0) otherwise. */
lpgen_status lpgen_lowbit_weights_create(int n, int k, const lpgen_lowbit_format *format, const uint8_t *codes,
                                         size_t code_count, const float *scales, size_t scale_count,
                                         const uint8_t *zero_points, size_t zero_point_count,
                                         lpgen_lowbit_weights **weights);
void lpgen_lowbit_weights_free(lpgen_lowbit_weights *weights); /* NULL is fine */
/* The codes back, [N][K], from the handle's dense copy (ternary 1.6 bits a weight). */
lpgen_status lpgen_lowbit_weights_codes(const lpgen_lowbit_weights *weights, uint8_t *codes, size_t count);
size_t lpgen_lowbit_weights_packed_bytes(const lpgen_lowbit_weights *weights); /* 0 for NULL */
lpgen_status lpgen_lowbit_gemm(const lpgen_gemm_shape *shape, const float *a, size_t a_count,
                               lpgen_activation_scaling scaling, const lpgen_lowbit_weights *weights,
                               const float *bias, size_t bias_count, float *out, size_t out_count);

#ifdef __cplusplus
}
#endif

#endif /* LPGEN_H */
