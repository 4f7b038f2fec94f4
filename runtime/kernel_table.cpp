#include "kernel_table.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include "lpgen/bitserial.hpp"
#include "mx_decode.h"

// LPGEN_K names one generated kernel of a variant; LPGEN_KERNEL_SET lists a variant's kernels in
// the order of KernelSet. The build writes lpgen_linked_kernels.h: the generated headers of the
// variants it links and LPGEN_LINKED_SETS, most specialised first.
#define LPGEN_K(base, suffix) {lpgen_##base##__##suffix, "lpgen_" #base "__" #suffix}
#define LPGEN_KERNEL_SET(suffix)                                                                       \
    KernelSet {                                                                                        \
        #suffix, LPGEN_K(bitpack_u8, suffix), LPGEN_K(bitpack_f32, suffix), LPGEN_K(bitpack_groups, suffix), \
            LPGEN_K(quantize_u8, suffix), \
            LPGEN_K(bs_gemm_i32, suffix),                                                              \
            LPGEN_K(bs_gemm_f32, suffix), LPGEN_K(bs_gemm_packed, suffix), LPGEN_K(bs_conv2d_i32, suffix), \
            LPGEN_K(bs_conv2d_f32, suffix), LPGEN_K(bs_conv2d_packed, suffix),                         \
            {{1, 1, LPGEN_K(bs_gemm_i32_a1w1, suffix), LPGEN_K(bs_conv2d_i32_a1w1, suffix),     \
              LPGEN_K(bs_gemm_f32_a1w1, suffix), LPGEN_K(bs_conv2d_f32_a1w1, suffix),           \
              LPGEN_K(bs_gemm_i32_gemv_a1w1, suffix), LPGEN_K(bs_gemm_f32_gemv_a1w1, suffix)},           \
             {2, 1, LPGEN_K(bs_gemm_i32_a2w1, suffix), LPGEN_K(bs_conv2d_i32_a2w1, suffix),     \
              LPGEN_K(bs_gemm_f32_a2w1, suffix), LPGEN_K(bs_conv2d_f32_a2w1, suffix),           \
              LPGEN_K(bs_gemm_i32_gemv_a2w1, suffix), LPGEN_K(bs_gemm_f32_gemv_a2w1, suffix)},           \
             {2, 2, LPGEN_K(bs_gemm_i32_a2w2, suffix), LPGEN_K(bs_conv2d_i32_a2w2, suffix),     \
              LPGEN_K(bs_gemm_f32_a2w2, suffix), LPGEN_K(bs_conv2d_f32_a2w2, suffix),           \
              LPGEN_K(bs_gemm_i32_gemv_a2w2, suffix), LPGEN_K(bs_gemm_f32_gemv_a2w2, suffix)},           \
             {3, 3, LPGEN_K(bs_gemm_i32_a3w3, suffix), LPGEN_K(bs_conv2d_i32_a3w3, suffix),     \
              LPGEN_K(bs_gemm_f32_a3w3, suffix), LPGEN_K(bs_conv2d_f32_a3w3, suffix),           \
              LPGEN_K(bs_gemm_i32_gemv_a3w3, suffix), LPGEN_K(bs_gemm_f32_gemv_a3w3, suffix)},           \
             {4, 4, LPGEN_K(bs_gemm_i32_a4w4, suffix), LPGEN_K(bs_conv2d_i32_a4w4, suffix),     \
              LPGEN_K(bs_gemm_f32_a4w4, suffix), LPGEN_K(bs_conv2d_f32_a4w4, suffix),           \
              LPGEN_K(bs_gemm_i32_gemv_a4w4, suffix), LPGEN_K(bs_gemm_f32_gemv_a4w4, suffix)}},          \
            LPGEN_K(base_gemm_i8, suffix), LPGEN_K(base_gemm_i16, suffix), LPGEN_K(base_gemm_f32, suffix), \
            LPGEN_K(base_conv2d_i8, suffix), LPGEN_K(base_conv2d_i16, suffix),                         \
            LPGEN_K(base_conv2d_f32, suffix),                                                          \
            {LPGEN_K(mx_quantize_fp8_e4m3, suffix), LPGEN_K(mx_quantize_fp8_e5m2, suffix),             \
             LPGEN_K(mx_quantize_fp6_e3m2, suffix), LPGEN_K(mx_quantize_fp6_e2m3, suffix),             \
             LPGEN_K(mx_quantize_fp4_e2m1, suffix), LPGEN_K(mx_quantize_int8, suffix)},                \
            {LPGEN_K(mx_dequantize_fp8_e4m3, suffix), LPGEN_K(mx_dequantize_fp8_e5m2, suffix),         \
             LPGEN_K(mx_dequantize_fp6_e3m2, suffix), LPGEN_K(mx_dequantize_fp6_e2m3, suffix),         \
             LPGEN_K(mx_dequantize_fp4_e2m1, suffix), LPGEN_K(mx_dequantize_int8, suffix)},            \
            LPGEN_K(mx_gemm_exact, suffix), LPGEN_K(mx_gemm_exact32, suffix),                          \
            LPGEN_K(mx_gemm_fp32, suffix),                                                             \
            LPGEN_K(mx_decode_i16, suffix), LPGEN_K(mx_gemm_i16, suffix), LPGEN_K(mx_gemv_i16, suffix), \
            LPGEN_K(mx_gemm_i16_split, suffix), LPGEN_K(mx_gemv_i16_split, suffix),                    \
            LPGEN_K(mx_gemm_i16_fp8, suffix), LPGEN_K(mx_gemv_i16_fp8, suffix),                        \
            LPGEN_K(mx_decode_i8, suffix), LPGEN_K(mx_gemm_i8, suffix), LPGEN_K(mx_gemv_i8, suffix),   \
            LPGEN_K(mx_gemm_i8_narrow, suffix), LPGEN_K(mx_gemv_i8_quads, suffix),                     \
            LPGEN_K(lowbit_gemv_w1, suffix), LPGEN_K(lowbit_gemv_w2, suffix), LPGEN_K(lowbit_gemv_w4, suffix), \
            LPGEN_K(bs_gemm_i32_gemv, suffix), LPGEN_K(bs_gemm_f32_gemv, suffix),                      \
            {LPGEN_K(bs_gemm_i32_xnor, suffix), LPGEN_K(bs_gemm_f32_xnor, suffix),                     \
             LPGEN_K(bs_conv2d_i32_xnor, suffix), LPGEN_K(bs_conv2d_f32_xnor, suffix),                 \
             LPGEN_K(bs_gemm_i32_gemv_xnor, suffix), LPGEN_K(bs_gemm_f32_gemv_xnor, suffix)}            \
    }

#include "lpgen_linked_kernels.h"

namespace lpgen {
namespace {

// Most specialised first: the default is the first one the CPU supports.
const KernelSet kLinked[] = {LPGEN_LINKED_SETS};
constexpr int kLinkedCount = sizeof(kLinked) / sizeof(kLinked[0]);

bool supports(const KernelSet &set) { return cpu_supports_isa(set.isa); }

const KernelSet *initial_choice() {
    if (const char *forced = std::getenv("LPGEN_ISA")) {
        for (const KernelSet &set : kLinked) {
            if (std::strcmp(set.isa, forced) == 0 && supports(set)) return &set;
        }
    }
    for (const KernelSet &set : kLinked) {
        if (supports(set)) return &set;
    }
    return nullptr;
}

const KernelSet *&current() {
    static const KernelSet *chosen = initial_choice();
    return chosen;
}

}  // namespace

const KernelSet &kernels() {
    const KernelSet *set = current();
    if (set == nullptr) throw Error("lpgen: this CPU supports none of the kernel variants linked into this build");
    return *set;
}

int linked_isa_count() { return kLinkedCount; }

const char *linked_isa(int index) {
    if (index < 0 || index >= kLinkedCount) throw Error("lpgen: no linked variant #" + std::to_string(index));
    return kLinked[index].isa;
}

void select_isa(const char *isa) {
    for (const KernelSet &set : kLinked) {
        if (isa != nullptr && std::strcmp(set.isa, isa) == 0) {
            if (!supports(set)) throw Error(std::string("lpgen: this CPU cannot run variant ") + isa);
            current() = &set;
            return;
        }
    }
    throw Error(std::string("lpgen: variant ") + (isa ? isa : "(null)") + " is not linked into this build");
}

const char *active_isa() { return kernels().isa; }

namespace {
constexpr int64_t kInt16Max = 32767;
}  // namespace

bool mx_i8_kernels_take(const KernelSet &set, int64_t a_max, int64_t w_max, int a_offset) {
    if (std::strcmp(set.isa, "x86_avx2") == 0) return 2 * (a_offset == 0 ? a_max : 255) * w_max <= kInt16Max;
    if (std::strncmp(set.isa, "arm", 3) == 0) return a_offset != 0 && 8 * a_max * w_max <= kInt16Max;
    return true;
}

bool mx_i8_narrow_kernel_takes(const KernelSet &set, int64_t a_max, int64_t w_max, int a_offset) {
    if (std::strcmp(set.isa, "x86_avx2") == 0) return 16 * (a_offset + a_max) * w_max <= kInt16Max;
    return mx_i8_kernels_take(set, a_max, w_max, a_offset);
}

bool mx_i8_kernels_take_raw_activations(const KernelSet &set) { return std::strncmp(set.isa, "x86", 3) == 0; }

const Kernel<MxGemmI8Fn> *mx_i8_kernel_for(const KernelSet &set, bool gemv, int64_t a_max, int64_t w_max,
                                           int a_offset) {
    const bool within_bound = mx_i8_kernels_take(set, a_max, w_max, a_offset);
    if (gemv) return within_bound ? &set.mx_gemv_i8 : &set.mx_gemv_i8_quads;
    if (mx_i8_narrow_kernel_takes(set, a_max, w_max, a_offset)) return &set.mx_gemm_i8_narrow;
    return within_bound ? &set.mx_gemm_i8 : nullptr;
}

}  // namespace lpgen
