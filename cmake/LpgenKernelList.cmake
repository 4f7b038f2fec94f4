# The only place a kernel is declared. Each entry: <name> <generator> [param=value ...]
# lpgen_declare_kernels(PROFILE) emits every entry for one target profile.
set(LPGEN_KERNELS
    "bitpack_u8 bitpack_u8"
    "bitpack_f32 bitpack_f32"
    "bitpack_groups bitpack_groups"
    "quantize_u8 quantize_u8"
    # Generic bit-serial kernels: bit widths and encodings are runtime inputs.
    "bs_gemm_i32 bitserial_gemm_i32"
    "bs_gemm_f32 bitserial_gemm_f32"
    "bs_gemm_packed bitserial_gemm_packed"
    "bs_conv2d_i32 bitserial_conv2d_i32"
    "bs_conv2d_f32 bitserial_conv2d_f32"
    "bs_conv2d_packed bitserial_conv2d_packed"
    # Specialized widths users run most (DESIGN.md, "Build budget"), and 3A3W of the benchmark set.
    "bs_gemm_i32_a1w1 bitserial_gemm_i32 fixed_abits=1 fixed_wbits=1"
    "bs_gemm_i32_a2w1 bitserial_gemm_i32 fixed_abits=2 fixed_wbits=1"
    "bs_gemm_i32_a2w2 bitserial_gemm_i32 fixed_abits=2 fixed_wbits=2"
    "bs_gemm_i32_a3w3 bitserial_gemm_i32 fixed_abits=3 fixed_wbits=3"
    "bs_gemm_i32_a4w4 bitserial_gemm_i32 fixed_abits=4 fixed_wbits=4"
    "bs_conv2d_i32_a1w1 bitserial_conv2d_i32 fixed_abits=1 fixed_wbits=1"
    "bs_conv2d_i32_a2w1 bitserial_conv2d_i32 fixed_abits=2 fixed_wbits=1"
    "bs_conv2d_i32_a2w2 bitserial_conv2d_i32 fixed_abits=2 fixed_wbits=2"
    "bs_conv2d_i32_a3w3 bitserial_conv2d_i32 fixed_abits=3 fixed_wbits=3"
    "bs_conv2d_i32_a4w4 bitserial_conv2d_i32 fixed_abits=4 fixed_wbits=4"
    # GEMV (M = 1): the weights streamed as packed; generic widths.
    "bs_gemm_i32_gemv bitserial_gemm_i32 gemv=true"
    "bs_gemm_f32_gemv bitserial_gemm_f32 gemv=true"
    # The specialized widths' GEMVs: fixed planes keep every plane pair's accumulators in
    # registers (GEMV 1x4096x4096 2A2W: 177 GOPS against the generic kernel's 94).
    "bs_gemm_i32_gemv_a1w1 bitserial_gemm_i32 gemv=true fixed_abits=1 fixed_wbits=1"
    "bs_gemm_f32_gemv_a1w1 bitserial_gemm_f32 gemv=true fixed_abits=1 fixed_wbits=1"
    "bs_gemm_i32_gemv_a2w1 bitserial_gemm_i32 gemv=true fixed_abits=2 fixed_wbits=1"
    "bs_gemm_f32_gemv_a2w1 bitserial_gemm_f32 gemv=true fixed_abits=2 fixed_wbits=1"
    "bs_gemm_i32_gemv_a2w2 bitserial_gemm_i32 gemv=true fixed_abits=2 fixed_wbits=2"
    "bs_gemm_f32_gemv_a2w2 bitserial_gemm_f32 gemv=true fixed_abits=2 fixed_wbits=2"
    "bs_gemm_i32_gemv_a3w3 bitserial_gemm_i32 gemv=true fixed_abits=3 fixed_wbits=3"
    "bs_gemm_f32_gemv_a3w3 bitserial_gemm_f32 gemv=true fixed_abits=3 fixed_wbits=3"
    "bs_gemm_i32_gemv_a4w4 bitserial_gemm_i32 gemv=true fixed_abits=4 fixed_wbits=4"
    "bs_gemm_f32_gemv_a4w4 bitserial_gemm_f32 gemv=true fixed_abits=4 fixed_wbits=4"
    # The same widths with the fp32 epilogue (scale, bias, clamp): what a network layer calls.
    "bs_gemm_f32_a1w1 bitserial_gemm_f32 fixed_abits=1 fixed_wbits=1"
    "bs_gemm_f32_a2w1 bitserial_gemm_f32 fixed_abits=2 fixed_wbits=1"
    "bs_gemm_f32_a2w2 bitserial_gemm_f32 fixed_abits=2 fixed_wbits=2"
    "bs_gemm_f32_a3w3 bitserial_gemm_f32 fixed_abits=3 fixed_wbits=3"
    "bs_gemm_f32_a4w4 bitserial_gemm_f32 fixed_abits=4 fixed_wbits=4"
    "bs_conv2d_f32_a1w1 bitserial_conv2d_f32 fixed_abits=1 fixed_wbits=1"
    "bs_conv2d_f32_a2w1 bitserial_conv2d_f32 fixed_abits=2 fixed_wbits=1"
    "bs_conv2d_f32_a2w2 bitserial_conv2d_f32 fixed_abits=2 fixed_wbits=2"
    "bs_conv2d_f32_a3w3 bitserial_conv2d_f32 fixed_abits=3 fixed_wbits=3"
    "bs_conv2d_f32_a4w4 bitserial_conv2d_f32 fixed_abits=4 fixed_wbits=4"
    # XNOR (bipolar x bipolar 1A1W, no zero points): encodings fixed at generation too, so the
    # correction terms are constants. The runtime picks them only for exactly that configuration.
    "bs_gemm_i32_xnor bitserial_gemm_i32 fixed_abits=1 fixed_wbits=1 fixed_a_encoding=bipolar fixed_w_encoding=bipolar a_zero_point_used=false w_zero_point_used=false"
    "bs_gemm_f32_xnor bitserial_gemm_f32 fixed_abits=1 fixed_wbits=1 fixed_a_encoding=bipolar fixed_w_encoding=bipolar a_zero_point_used=false w_zero_point_used=false"
    "bs_conv2d_i32_xnor bitserial_conv2d_i32 fixed_abits=1 fixed_wbits=1 fixed_a_encoding=bipolar fixed_w_encoding=bipolar a_zero_point_used=false w_zero_point_used=false"
    "bs_conv2d_f32_xnor bitserial_conv2d_f32 fixed_abits=1 fixed_wbits=1 fixed_a_encoding=bipolar fixed_w_encoding=bipolar a_zero_point_used=false w_zero_point_used=false"
    "bs_gemm_i32_gemv_xnor bitserial_gemm_i32 gemv=true fixed_abits=1 fixed_wbits=1 fixed_a_encoding=bipolar fixed_w_encoding=bipolar a_zero_point_used=false w_zero_point_used=false"
    "bs_gemm_f32_gemv_xnor bitserial_gemm_f32 gemv=true fixed_abits=1 fixed_wbits=1 fixed_a_encoding=bipolar fixed_w_encoding=bipolar a_zero_point_used=false w_zero_point_used=false"
    # Baselines through the same machinery (the paper's 16-bit baseline among them).
    "base_gemm_i8 baseline_gemm element=int8"
    "base_gemm_i16 baseline_gemm element=int16"
    "base_gemm_f32 baseline_gemm element=float32"
    "base_conv2d_i8 baseline_conv2d element=int8"
    "base_conv2d_i16 baseline_conv2d element=int16"
    "base_conv2d_f32 baseline_conv2d element=float32"
    # MX codec (OCP Microscaling): one quantize/dequantize pair per element format.
    "mx_quantize_fp8_e4m3 mx_quantize format=fp8_e4m3"
    "mx_quantize_fp8_e5m2 mx_quantize format=fp8_e5m2"
    "mx_quantize_fp6_e3m2 mx_quantize format=fp6_e3m2"
    "mx_quantize_fp6_e2m3 mx_quantize format=fp6_e2m3"
    "mx_quantize_fp4_e2m1 mx_quantize format=fp4_e2m1"
    "mx_quantize_int8 mx_quantize format=int8"
    "mx_dequantize_fp8_e4m3 mx_dequantize format=fp8_e4m3"
    "mx_dequantize_fp8_e5m2 mx_dequantize format=fp8_e5m2"
    "mx_dequantize_fp6_e3m2 mx_dequantize format=fp6_e3m2"
    "mx_dequantize_fp6_e2m3 mx_dequantize format=fp6_e2m3"
    "mx_dequantize_fp4_e2m1 mx_dequantize format=fp4_e2m1"
    "mx_dequantize_int8 mx_dequantize format=int8"
    # Generic MX GEMM: any pair of formats; exact block sums in fp64 (or, where they fit, int32),
    # fp32 ones for E5M2.
    "mx_gemm_exact mx_gemm block_sums=fp64"
    "mx_gemm_exact32 mx_gemm block_sums=int32"
    "mx_gemm_fp32 mx_gemm block_sums=fp32"
    # Fast path for FP4, FP6 and INT8 pairs: elements decoded to int16, blocks as pair dot products;
    # a GEMM and a GEMV schedule.
    "mx_decode_i16 mx_decode_i16"
    "mx_gemm_i16 mx_gemm_i16 w_values.type=int16"
    "mx_gemv_i16 mx_gemm_i16 gemv=true w_values.type=int16"
    # FP8 E4M3 activations split in two int16 planes (each a row of the register tile: half the
    # rows), against weights that fit int8 (read as int8: half a GEMV's weight stream).
    "mx_gemm_i16_split mx_gemm_i16 a_planes=2 w_values.type=int8"
    "mx_gemv_i16_split mx_gemm_i16 gemv=true a_planes=2 w_values.type=int8"
    # Both operands as int16 lo and hi, the kernel adding lo + hi (Karatsuba): E4M3 against E4M3, E3M2
    # or any integer format, three plane products a block.
    "mx_gemm_i16_fp8 mx_gemm_i16 a_planes=3 w_values.type=int16"
    "mx_gemv_i16_fp8 mx_gemm_i16 gemv=true a_planes=3 w_values.type=int16"
    # Fastest path for FP4, FP6 E2M3 and INT8 pairs: int8 elements, 4-way dot products (VNNI),
    # or on x86 without VNNI pairs (vpmaddubsw), which take no INT8 weights. INT8 weights there
    # take the int16 GEMM, and for a GEMV the 4-way kernel (the same as mx_gemv_i8 elsewhere).
    "mx_decode_i8 mx_decode_i8"
    "mx_gemm_i8 mx_gemm_i8"
    # MXFP4 x MXFP4 only (16 * 140 * 12 < 2^15): on x86 without VNNI each int16 lane adds a
    # block's vpmaddubsw pair sums before one vpmaddwd; elsewhere the same as mx_gemm_i8.
    "mx_gemm_i8_narrow mx_gemm_i8 narrow=true"
    "mx_gemv_i8 mx_gemm_i8 gemv=true"
    "mx_gemv_i8_quads mx_gemm_i8 gemv=true dot=quads"
    # Low-bit LLM GEMVs: 1-, 2- and 4-bit weight fields streamed packed, unpacked in registers
    # to int8 for the 4-way dot product (ARM: int16 lane sums); 3-bit weights use 4-bit fields.
    "lowbit_gemv_w1 lowbit_gemv bits=1"
    "lowbit_gemv_w2 lowbit_gemv bits=2"
    "lowbit_gemv_w4 lowbit_gemv bits=4"
)

function(lpgen_declare_kernels PROFILE)
    foreach(entry IN LISTS LPGEN_KERNELS)
        string(REPLACE " " ";" fields "${entry}")
        list(POP_FRONT fields name generator)
        lpgen_add_kernel(NAME lpgen_${name} GENERATOR ${generator} PROFILE ${PROFILE} PARAMS ${fields})
    endforeach()
endfunction()

# The kernel libraries of a profile, in link order, found in DIR.
function(lpgen_kernel_libraries PROFILE DIR OUT)
    set(libs "")
    foreach(entry IN LISTS LPGEN_KERNELS)
        string(REPLACE " " ";" fields "${entry}")
        list(GET fields 0 name)
        list(APPEND libs "${DIR}/lpgen_${name}__${LPGEN_SUFFIX_${PROFILE}}.a")
    endforeach()
    set(${OUT} ${libs} PARENT_SCOPE)
endfunction()
