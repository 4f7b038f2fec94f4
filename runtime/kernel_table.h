// The dispatch table: every generated kernel of one instruction-set variant, chosen once per
// process by CPU features (XNNPACK style). Signatures match the generators' Inputs in order; a
// mismatch with a generated header is a compile error where the table is filled.
#pragma once

#include <cstdint>

#include "HalideRuntime.h"
#include "lpgen/bitserial.hpp"
#include "mx_decode.h"

namespace lpgen {

template <typename Fn>
struct Kernel {
    Fn fn = nullptr;
    const char *name = nullptr;
};

using Buf = halide_buffer_t *;
using BitpackU8Fn = int (*)(Buf values, Buf packed);
using QuantizeU8Fn = int (*)(Buf values, float scale, int32_t zero_point, int32_t bits, int32_t encoding, Buf codes);
using BitpackF32Fn = int (*)(Buf values, float scale, int32_t zero_point, int32_t bits, int32_t encoding, Buf packed);

// Shared leading arguments: operands, then k (GEMM) or channels + geometry (conv), bits,
// encodings and zero points.
#define LPGEN_BS_OPERAND_ARGS int32_t, int32_t, int32_t, int32_t, int32_t, int32_t
#define LPGEN_BS_CONV_ARGS int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t
#define LPGEN_EPILOGUE_ARGS Buf, Buf, float, float
#define LPGEN_REQUANT_ARGS float, int32_t, int32_t, int32_t, int32_t
using BsGemmI32Fn = int (*)(Buf, Buf, int32_t, LPGEN_BS_OPERAND_ARGS, Buf);
using BsGemmF32Fn = int (*)(Buf, Buf, int32_t, LPGEN_BS_OPERAND_ARGS, LPGEN_EPILOGUE_ARGS, Buf);
using BsGemmPackedFn = int (*)(Buf, Buf, int32_t, LPGEN_BS_OPERAND_ARGS, LPGEN_EPILOGUE_ARGS, LPGEN_REQUANT_ARGS, Buf);
using BsConvI32Fn = int (*)(Buf, Buf, LPGEN_BS_CONV_ARGS, LPGEN_BS_OPERAND_ARGS, Buf);
using BsConvF32Fn = int (*)(Buf, Buf, LPGEN_BS_CONV_ARGS, LPGEN_BS_OPERAND_ARGS, LPGEN_EPILOGUE_ARGS, Buf);
using BsConvPackedFn = int (*)(Buf, Buf, LPGEN_BS_CONV_ARGS, LPGEN_BS_OPERAND_ARGS, LPGEN_EPILOGUE_ARGS,
                               LPGEN_REQUANT_ARGS, Buf);
using BaseGemmFn = int (*)(Buf, Buf, Buf);
using BaseConvFn = int (*)(Buf, Buf, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, Buf);
using MxQuantizeFn = int (*)(Buf values, Buf codes, Buf scales);
using MxDequantizeFn = int (*)(Buf codes, Buf scales, Buf values);
using MxGemmFn = int (*)(Buf a_codes, Buf a_scales, Buf w_scales, Buf a_int, Buf a_real, Buf a_special, Buf w_ints,
                         Buf w_reals, Buf w_nan, int32_t a_bits, int32_t a_shift, int32_t w_shift, LPGEN_EPILOGUE_ARGS,
                         Buf output);
using MxDecodeI16Fn = int (*)(Buf codes, Buf scales, int32_t format, Buf values, Buf nan);
using MxGemmI16Fn = int (*)(Buf a_values, Buf a_scales, Buf a_nan, Buf w_values, Buf w_exps, int32_t shift_sum,
                            LPGEN_EPILOGUE_ARGS, Buf output);
using MxDecodeI8Fn = int (*)(Buf codes, Buf scales, int32_t format, int32_t offset, int32_t shift, Buf values,
                             Buf block_scales);
// segment_blocks: the 32-blocks summed exactly before one scaling (MX: 1; low-bit: a group's
// where the activations have one scale per row); scales and offsets are per segment.
using MxGemmI8Fn = int (*)(Buf a_values, Buf a_scales, Buf w_values, Buf w_offsets, Buf w_scales,
                           int32_t segment_blocks, LPGEN_EPILOGUE_ARGS, Buf output);
using LowbitGemvFn = int (*)(Buf a_values, Buf a_scales, Buf w_packed, Buf w_zero, Buf w_scales, int32_t group_blocks,
                             int32_t segment_blocks, LPGEN_EPILOGUE_ARGS, Buf output);

// A kernel compiled for fixed bit widths; the generic kernels serve every other pair.
struct SpecializedBitserial {
    int abits, wbits;
    Kernel<BsGemmI32Fn> gemm_i32;
    Kernel<BsConvI32Fn> conv2d_i32;
    Kernel<BsGemmF32Fn> gemm_f32;
    Kernel<BsConvF32Fn> conv2d_f32;
    Kernel<BsGemmI32Fn> gemv_i32;  // M = 1
    Kernel<BsGemmF32Fn> gemv_f32;
};

// XNOR: 1A1W, bipolar x bipolar, no zero points, all fixed at generation.
struct XnorBitserial {
    Kernel<BsGemmI32Fn> gemm_i32;
    Kernel<BsGemmF32Fn> gemm_f32;
    Kernel<BsConvI32Fn> conv2d_i32;
    Kernel<BsConvF32Fn> conv2d_f32;
    Kernel<BsGemmI32Fn> gemv_i32;
    Kernel<BsGemmF32Fn> gemv_f32;
};

struct KernelSet {
    const char *isa;
    Kernel<BitpackU8Fn> bitpack_u8;
    Kernel<BitpackF32Fn> bitpack_f32;
    Kernel<BitpackU8Fn> bitpack_groups;
    Kernel<QuantizeU8Fn> quantize_u8;
    Kernel<BsGemmI32Fn> gemm_i32;
    Kernel<BsGemmF32Fn> gemm_f32;
    Kernel<BsGemmPackedFn> gemm_packed;
    Kernel<BsConvI32Fn> conv2d_i32;
    Kernel<BsConvF32Fn> conv2d_f32;
    Kernel<BsConvPackedFn> conv2d_packed;
    SpecializedBitserial specialized[5];
    Kernel<BaseGemmFn> base_gemm_i8, base_gemm_i16, base_gemm_f32;
    Kernel<BaseConvFn> base_conv2d_i8, base_conv2d_i16, base_conv2d_f32;
    Kernel<MxQuantizeFn> mx_quantize[6];      // indexed by MxFormat
    Kernel<MxDequantizeFn> mx_dequantize[6];  // indexed by MxFormat
    Kernel<MxGemmFn> mx_gemm_exact, mx_gemm_exact32, mx_gemm_fp32;
    Kernel<MxDecodeI16Fn> mx_decode_i16;
    Kernel<MxGemmI16Fn> mx_gemm_i16, mx_gemv_i16;
    Kernel<MxGemmI16Fn> mx_gemm_i16_split, mx_gemv_i16_split;  // activations in two int16 planes
    Kernel<MxGemmI16Fn> mx_gemm_i16_fp8, mx_gemv_i16_fp8;      // both operands in three (lo, hi, lo + hi)
    Kernel<MxDecodeI8Fn> mx_decode_i8;
    Kernel<MxGemmI8Fn> mx_gemm_i8, mx_gemv_i8;
    Kernel<MxGemmI8Fn> mx_gemm_i8_narrow;  // int16 block sums where the dot product is pairs
    Kernel<MxGemmI8Fn> mx_gemv_i8_quads;  // 4-way int32 products everywhere: takes every int8 pair
    Kernel<LowbitGemvFn> lowbit_gemv_w1, lowbit_gemv_w2, lowbit_gemv_w4;  // packed 1-, 2-, 4-bit weight fields
    // Bit-serial GEMV (M = 1), generic widths (the specialized ones are in `specialized`).
    Kernel<BsGemmI32Fn> gemv_i32;
    Kernel<BsGemmF32Fn> gemv_f32;
    XnorBitserial xnor;
};

// The kernel of `set` compiled for these bit widths (member of SpecializedBitserial), else
// `generic`, which takes the widths as arguments.
template <typename Fn>
Kernel<Fn> for_widths(const KernelSet &set, Kernel<Fn> SpecializedBitserial::*member, const Kernel<Fn> &generic,
                      int abits, int wbits) {
    for (const SpecializedBitserial &sp : set.specialized) {
        if (sp.abits == abits && sp.wbits == wbits) return sp.*member;
    }
    return generic;
}

// Whether `set` has kernels compiled for these bit widths.
inline bool has_specialized_widths(const KernelSet &set, int abits, int wbits) {
    for (const SpecializedBitserial &sp : set.specialized) {
        if (sp.abits == abits && sp.wbits == wbits) return true;
    }
    return false;
}

// Whether a call is XNOR's configuration: 1A1W, bipolar x bipolar, no zero points.
inline bool is_xnor(const Operand &a, const Operand &w) {
    return a.bits == 1 && w.bits == 1 && a.encoding == Encoding::Bipolar && w.encoding == Encoding::Bipolar &&
           a.zero_point == 0 && w.zero_point == 0;
}

// The prebuilt kernel of a bit-serial call: XNOR's own, else for_widths().
template <typename Fn>
Kernel<Fn> prebuilt_for(const KernelSet &set, Kernel<Fn> SpecializedBitserial::*member, const Kernel<Fn> &generic,
                        Kernel<Fn> XnorBitserial::*xnor, const Operand &a, const Operand &w) {
    return is_xnor(a, w) ? set.xnor.*xnor : for_widths(set, member, generic, a.bits, w.bits);
}

// Whether a variant's int8 MX kernels mx_gemm_i8 and mx_gemv_i8 sum every block of these formats
// exactly, given the largest |element * 2^shift| of the activations and of the weights, the
// activations stored as element + `a_offset` (kMxI8ActivationOffset, 128: any int8 element; or 0,
// which only elements that are never negative take, the bit-serial path's x86 rows):
//   4-way dot products (x86 with VNNI): any int8;
//   pairs in int16 (vpmaddubsw, x86 without VNNI): 2 * max(activation byte) * w_max < 2^15; with
//     the +128, 255 bytes and weights up to 64 (FP4, E2M3); without it, 7-bit activations take
//     8-bit weights (2 * 127 * 128);
//   int16 lane sums of 8 products (smull/smlal, ARM): 8 * a_max * w_max < 2^15, so every pair
//     of FP4 and E2M3, and INT8 with FP4 (these kernels take the +128 back themselves, so ARM
//     activations always carry it).
// mx_gemv_i8_quads (4-way everywhere) takes the other GEMVs, the int16 kernels the other GEMMs.
bool mx_i8_kernels_take(const KernelSet &set, int64_t a_max, int64_t w_max, int a_offset = kMxI8ActivationOffset);
// The same for mx_gemm_i8_narrow: on x86 without VNNI every int16 lane sums a block's 16
// products, so 16 * (a_offset + a_max) * w_max < 2^15 (with the +128: MXFP4 x MXFP4 only;
// without it: activations up to 4 bits against 8-bit weights); elsewhere it is mx_gemm_i8's
// algorithm and takes what mx_gemm_i8 takes.
bool mx_i8_narrow_kernel_takes(const KernelSet &set, int64_t a_max, int64_t w_max,
                               int a_offset = kMxI8ActivationOffset);
// Whether activations may reach this variant's int8 kernels without the +128 (x86: the kernels
// start each sum at the segment offsets the caller passes, zeros then).
bool mx_i8_kernels_take_raw_activations(const KernelSet &set);

// The int8 kernel that sums operands of these magnitudes exactly, or null where none of the
// GEMMs does: the GEMVs (`gemv`: few rows) take every int8 pair (mx_gemv_i8_quads the ones
// mx_gemv_i8 may not), the GEMMs only those within the variant's bound (the narrow one, the
// fastest, fewer).
const Kernel<MxGemmI8Fn> *mx_i8_kernel_for(const KernelSet &set, bool gemv, int64_t a_max, int64_t w_max,
                                           int a_offset = kMxI8ActivationOffset);

// The variant for this process: the most specialised one the CPU supports, unless
// select_isa() or the LPGEN_ISA environment variable named another.
const KernelSet &kernels();

// Every variant linked into this build, most specialised first, and whether this CPU runs it.
int linked_isa_count();
const char *linked_isa(int index);
bool cpu_supports_isa(const char *isa);

// Switches the process to a linked variant this CPU supports (tests compare variants).
void select_isa(const char *isa);

}  // namespace lpgen
