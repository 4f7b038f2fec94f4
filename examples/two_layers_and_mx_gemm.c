/* A user program of lpgen's C API: two chained bit-serial conv2d layers (2-bit activations,
 * 1-bit weights, the first one's output requantized and packed straight into the second's
 * input) and an MXFP4 GEMM with fp32 activations quantized in the call.
 *
 *   two_layers_and_mx_gemm        -> prints what ran; exit status 0 when every check held
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lpgen/lpgen.h"

#define H 14
#define W 14
#define C 64
#define OC1 64
#define OC2 32
#define CLASSES 10

/* Prints the failed call's message and leaves. */
static void check(lpgen_status status, const char *what) {
    if (status != LPGEN_OK) {
        fprintf(stderr, "%s failed (status %d): %s\n", what, (int)status, lpgen_last_error());
        exit(1);
    }
    printf("  %-28s ran %s\n", what, lpgen_last_kernel());
}

/* Deterministic pseudo-random numbers, so the example needs no data files. */
static unsigned next_random(unsigned *state) {
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

static int run_conv_layers(void) {
    unsigned seed = 1;
    const lpgen_conv2d_shape conv1 = {1, H, W, C, OC1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
    const lpgen_conv2d_shape conv2 = {1, H, W, OC1, OC2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
    const lpgen_operand a_op = {2, LPGEN_UNSIGNED, 0}, w_op = {1, LPGEN_BIPOLAR, 0};
    const lpgen_quantization q = {0.25f, 0, 2, LPGEN_UNSIGNED};
    static float input[H * W * C], output[H * W * OC2];
    static uint8_t w1_codes[OC1 * 3 * 3 * C], w2_codes[OC2 * OC1];
    size_t i;
    for (i = 0; i < H * W * C; ++i) input[i] = (float)(next_random(&seed) % 100) / 100.0f;
    for (i = 0; i < sizeof w1_codes; ++i) w1_codes[i] = (uint8_t)(next_random(&seed) & 1);
    for (i = 0; i < sizeof w2_codes; ++i) w2_codes[i] = (uint8_t)(next_random(&seed) & 1);

    /* Weights are packed once; the handles check every later call's shape against them. */
    lpgen_bs_weights *w1 = NULL, *w2 = NULL;
    check(lpgen_bs_weights_conv2d(w1_codes, sizeof w1_codes, OC1, 3, 3, C, &w_op, &w1), "pack conv1 weights");
    check(lpgen_bs_weights_conv2d(w2_codes, sizeof w2_codes, OC2, 1, 1, OC1, &w_op, &w2), "pack conv2 weights");

    const size_t in_words = lpgen_packed_words(H * W, C, 2), hidden_words = lpgen_packed_words(H * W, OC1, 2);
    uint64_t *packed = malloc(in_words * sizeof *packed), *hidden = malloc(hidden_words * sizeof *hidden);
    const float scale = 0.05f, zero = 0.0f;
    const lpgen_epilogue relu = {&scale, 1, NULL, 0, zero, INFINITY};
    check(lpgen_quantize_pack(input, H * W * C, H * W, C, &q, packed, in_words), "quantize+pack input");
    check(lpgen_bs_conv2d_packed(&conv1, packed, in_words, &a_op, w1, &relu, &q, hidden, hidden_words),
          "conv1 3x3 -> requantize+pack");
    check(lpgen_bs_conv2d_f32(&conv2, hidden, hidden_words, &a_op, w2, &relu, output, H * W * OC2),
          "conv2 1x1 -> fp32 + ReLU");

    /* A call with the wrong weights is refused with a message; the output is left alone. */
    output[0] = -1.0f;
    const lpgen_status refused = lpgen_bs_conv2d_f32(&conv1, packed, in_words, &a_op, w2, &relu, output, H * W * OC2);
    printf("  wrong weights handle         -> status %d: %s\n", (int)refused, lpgen_last_error());
    int ok = refused == LPGEN_INVALID_ARGUMENT && output[0] == -1.0f;

    double sum = 0;
    for (i = 1; i < H * W * OC2; ++i) {
        ok = ok && output[i] >= 0.0f; /* ReLU */
        sum += output[i];
    }
    printf("  conv2 output: %d values, mean %.4f\n", H * W * OC2, sum / (H * W * OC2));
    free(packed);
    free(hidden);
    lpgen_bs_weights_free(w1);
    lpgen_bs_weights_free(w2);
    return ok;
}

static int run_mx_gemm(void) {
    unsigned seed = 7;
    enum { K = 256 };
    static float features[K], weights[CLASSES * K], logits[CLASSES], dequantized[CLASSES * K];
    size_t i;
    for (i = 0; i < K; ++i) features[i] = (float)((int)(next_random(&seed) % 2001) - 1000) / 1000.0f;
    for (i = 0; i < CLASSES * K; ++i) weights[i] = (float)((int)(next_random(&seed) % 2001) - 1000) / 4000.0f;

    const size_t code_bytes = lpgen_mx_code_bytes(LPGEN_MX_FP4_E2M1, CLASSES, K);
    const size_t scale_count = lpgen_mx_scale_count(CLASSES, K);
    uint8_t *codes = malloc(code_bytes), *scales = malloc(scale_count);
    check(lpgen_mx_quantize(weights, CLASSES * K, CLASSES, K, LPGEN_MX_FP4_E2M1, codes, code_bytes, scales,
                            scale_count),
          "quantize weights to MXFP4");
    lpgen_mx_weights *w = NULL;
    check(lpgen_mx_weights_gemm(CLASSES, K, LPGEN_MX_FP4_E2M1, codes, code_bytes, scales, scale_count, &w),
          "prepare MXFP4 weights");
    const float one = 1.0f;
    const lpgen_epilogue identity = lpgen_epilogue_identity(&one);
    const lpgen_gemm_shape shape = {1, CLASSES, K};
    check(lpgen_mx_gemm_f32(&shape, features, K, LPGEN_MX_FP4_E2M1, w, &identity, logits, CLASSES),
          "MXFP4 GEMM (drop-in)");

    /* Cross-check: the MXFP4 weights dequantized, times the MXFP4-quantized features, in double. */
    uint8_t a_codes[K / 2], a_scales[K / 32];
    float a_values[K];
    check(lpgen_mx_quantize(features, K, 1, K, LPGEN_MX_FP4_E2M1, a_codes, sizeof a_codes, a_scales, sizeof a_scales),
          "quantize features to MXFP4");
    check(lpgen_mx_dequantize(a_codes, sizeof a_codes, a_scales, sizeof a_scales, 1, K, LPGEN_MX_FP4_E2M1, a_values, K),
          "dequantize features");
    check(lpgen_mx_dequantize(codes, code_bytes, scales, scale_count, CLASSES, K, LPGEN_MX_FP4_E2M1, dequantized,
                              CLASSES * K),
          "dequantize weights");
    int ok = 1;
    for (i = 0; i < CLASSES; ++i) {
        double exact = 0, magnitude = 0;
        for (size_t k = 0; k < K; ++k) {
            exact += (double)a_values[k] * dequantized[i * K + k];
            magnitude += fabs((double)a_values[k] * dequantized[i * K + k]);
        }
        ok = ok && fabs(logits[i] - exact) <= 1e-6 * magnitude;
        printf("  logit %zu: %+.5f (double: %+.5f)\n", i, logits[i], exact);
    }
    free(codes);
    free(scales);
    lpgen_mx_weights_free(w);
    return ok;
}

int main(void) {
    printf("lpgen %s, kernels for %s\n", lpgen_version(), lpgen_active_isa());
    const int conv_ok = run_conv_layers();
    const int mx_ok = run_mx_gemm();
    printf("%s\n", conv_ok && mx_ok ? "all checks held" : "A CHECK FAILED");
    return conv_ok && mx_ok ? 0 : 1;
}
