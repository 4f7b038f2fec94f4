/* Runs layer B1 of layers.json (1A1W) with the bundle's tuned kernel registered and again with
 * lpgen's default kernel: the bundle must serve the call and give the same bits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tuned.h"

enum { H = 14, W = 14, C = 64, OC = 64 };

static int conv(const lpgen_conv2d_shape *shape, const float *input, lpgen_bs_weights *w, float *out, char *kernel) {
    const lpgen_quantization q = {0.125f, 0, 1, LPGEN_UNSIGNED};
    const lpgen_operand a_op = {1, LPGEN_UNSIGNED, 0};
    const size_t words = lpgen_packed_words(H * W, C, 1);
    uint64_t *packed = malloc(words * sizeof *packed);
    const float scale = 0.01f, bias = 0.5f;
    const lpgen_epilogue e = {&scale, 1, &bias, 1, 0.0f, 1e30f};
    int ok = lpgen_quantize_pack(input, H * W * C, H * W, C, &q, packed, words) == LPGEN_OK &&
             lpgen_bs_conv2d_f32(shape, packed, words, &a_op, w, &e, out, H * W * OC) == LPGEN_OK;
    if (!ok) fprintf(stderr, "call failed: %s\n", lpgen_last_error());
    strncpy(kernel, lpgen_last_kernel(), 255);
    free(packed);
    return ok;
}

int main(void) {
    const lpgen_conv2d_shape shape = {1, H, W, C, OC, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
    static float input[H * W * C], tuned_out[H * W * OC], default_out[H * W * OC];
    static uint8_t w_codes[OC * 3 * 3 * C];
    srand(5);
    for (size_t i = 0; i < sizeof input / sizeof *input; ++i) input[i] = (float)(rand() % 100) / 400.0f;
    for (size_t i = 0; i < sizeof w_codes; ++i) w_codes[i] = (uint8_t)(rand() & 1);
    const lpgen_operand w_op = {1, LPGEN_UNSIGNED, 0};
    lpgen_bs_weights *w = NULL;
    if (lpgen_bs_weights_conv2d(w_codes, sizeof w_codes, OC, 3, 3, C, &w_op, &w) != LPGEN_OK) return 1;

    if (tuned_register() != LPGEN_OK) {
        fprintf(stderr, "registering the bundle failed: %s\n", lpgen_last_error());
        return 1;
    }
    char tuned_kernel[256] = {0}, default_kernel[256] = {0};
    if (!conv(&shape, input, w, tuned_out, tuned_kernel)) return 1;
    lpgen_clear_kernels();
    if (!conv(&shape, input, w, default_out, default_kernel)) return 1;
    lpgen_bs_weights_free(w);
    printf("bundle kernel: %s\ndefault kernel: %s\n", tuned_kernel, default_kernel);
    if (strncmp(tuned_kernel, "tuned_", 6) != 0) {
        fprintf(stderr, "the bundle's kernel did not serve the call\n");
        return 1;
    }
    if (memcmp(tuned_out, default_out, sizeof tuned_out) != 0) {
        fprintf(stderr, "the bundle's kernel and the default kernel disagree\n");
        return 1;
    }
    printf("the bundle served the call and matched the default kernel bit for bit\n");
    return 0;
}
