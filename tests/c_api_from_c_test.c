/* The C API from C: the header compiles as C, and enum arguments outside their enumerators
 * (legal C, which a C++ test cannot pass without undefined behaviour) are rejected as
 * unsupported with a message, the output untouched. Exit status 0 when every check holds. */
#include <stdio.h>
#include <string.h>

#include "lpgen/lpgen.h"

static int failures = 0;

static void expect(int condition, const char *what) {
    if (!condition) {
        fprintf(stderr, "FAILED: %s (last error: %s)\n", what, lpgen_last_error());
        ++failures;
    }
}

int main(void) {
    const lpgen_mx_format formats[] = {(lpgen_mx_format)6, (lpgen_mx_format)-1, (lpgen_mx_format)1000};
    float values[64] = {0}, out[64];
    uint8_t codes[64], scales[2];
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; ++i) {
        expect(lpgen_mx_format_name(formats[i]) == NULL, "no name for a value that is no format");
        expect(lpgen_mx_code_bytes(formats[i], 1, 64) == 0, "no code size for a value that is no format");
        memset(codes, 0xab, sizeof codes);
        expect(lpgen_mx_quantize(values, 64, 1, 64, formats[i], codes, sizeof codes, scales, 2) == LPGEN_UNSUPPORTED,
               "quantizing to a value that is no format is unsupported");
        expect(strstr(lpgen_last_error(), "does not exist") != NULL, "the message says the format does not exist");
        expect(codes[0] == 0xab && codes[63] == 0xab, "nothing written");
    }

    uint8_t bits[64] = {0};
    lpgen_bs_weights *w = NULL;
    const lpgen_operand bad = {1, (lpgen_encoding)-5, 0};
    expect(lpgen_bs_weights_gemm(bits, 64, 1, 64, &bad, &w) == LPGEN_UNSUPPORTED && w == NULL,
           "an encoding outside the enumerators is unsupported");
    const lpgen_quantization q = {1.0f, 0, 2, (lpgen_encoding)3};
    uint64_t packed[2] = {7, 7};
    expect(lpgen_quantize_pack(values, 64, 1, 64, &q, packed, 2) == LPGEN_UNSUPPORTED && packed[0] == 7,
           "quantizing to an encoding outside the enumerators is unsupported");

    /* Low-bit weights of an unknown kind, and an unknown activation scaling. */
    const uint8_t lowbit_codes[64] = {0};
    const float lowbit_scales[2] = {1.0f, 1.0f}, x[64] = {0};
    lpgen_lowbit_format f = {2, (lpgen_lowbit_kind)7, 32};
    lpgen_lowbit_weights *lw = NULL;
    expect(lpgen_lowbit_weights_create(1, 64, &f, lowbit_codes, 64, lowbit_scales, 2, NULL, 0, &lw) == LPGEN_UNSUPPORTED && lw == NULL,
           "a low-bit kind outside the enumerators is unsupported");
    f.kind = LPGEN_LOWBIT_TERNARY;
    expect(lpgen_lowbit_weights_create(1, 64, &f, lowbit_codes, 64, lowbit_scales, 2, NULL, 0, &lw) == LPGEN_OK, "ternary weights from C");
    const lpgen_gemm_shape row = {1, 1, 64};
    float y = 7.0f;
    expect(lpgen_lowbit_gemm(&row, x, 64, (lpgen_activation_scaling)7, lw, NULL, 0, &y, 1) == LPGEN_UNSUPPORTED && y == 7.0f,
           "an activation scaling outside the enumerators is unsupported");
    expect(lpgen_lowbit_gemm(&row, x, 64, LPGEN_SCALE_PER_ROW, lw, NULL, 0, &y, 1) == LPGEN_OK && y == 0.0f,
           "a low-bit call runs from C");
    lpgen_lowbit_weights_free(lw);

    /* And a call that works, from C. */
    const lpgen_operand op = {1, LPGEN_UNSIGNED, 0};
    expect(lpgen_bs_weights_gemm(bits, 64, 1, 64, &op, &w) == LPGEN_OK, "packing C weights");
    const lpgen_gemm_shape shape = {1, 1, 64};
    int32_t dot = -1;
    expect(lpgen_bs_gemm_i32(&shape, packed, 1, &op, w, &dot, 1) == LPGEN_OK && dot == 0, "a C call runs");
    lpgen_bs_weights_free(w);
    (void)out;
    printf("%s\n", failures ? "FAILED" : "all C API checks from C held");
    return failures ? 1 : 0;
}
