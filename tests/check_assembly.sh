#!/usr/bin/env bash
# Checks the emitted assembly of each profile for the instructions its bit-serial and MX kernels must
# use, and for instructions a profile's CPU lacks.
#   usage: check_assembly.sh <kernel dir root>
set -u
root=$1
failures=0

expect() {  # expect <file> <extended regex> <what>
    if ! grep -Eq "$2" "$1"; then
        echo "FAIL: $(basename "$1") lacks $3 ($2)"
        failures=$((failures + 1))
    fi
}
forbid() {  # forbid <file> <extended regex> <what>
    if grep -Eq "$2" "$1"; then
        echo "FAIL: $(basename "$1") uses $3 ($2)"
        failures=$((failures + 1))
    fi
}

for kind in gemm conv2d; do
    for width in a1w1 a2w1 a2w2 a4w4; do
        base=lpgen_bs_${kind}_i32_${width}
        # AVX-512 with VPOPCNTDQ: one vpopcntq per 8 words, on zmm registers.
        expect "$root/x86-64-avx512/${base}__x86_avx512.s" 'vpopcntq[[:space:]]+.*zmm' "zmm VPOPCNTQ"
        # AVX2: nibble-table popcount (vpshufb) and vpsadbw, and nothing from AVX-512.
        f="$root/x86-64-avx2/${base}__x86_avx2.s"
        expect "$f" 'vpshufb' "the vpshufb popcount"
        forbid "$f" 'zmm|vpopcnt' "AVX-512"
        if [ -d "$root/arm64-a53" ]; then
            # NEON: cnt on bytes, then widening pairwise adds (uaddlp / uadalp).
            f="$root/arm64-a53/${base}__arm64_a53.s"
            expect "$f" 'cnt[[:space:]]+v[0-9]+\.(8|16)b' "NEON cnt"
            expect "$f" 'ua(ddl|dal)p[[:space:]]+v' "widening pairwise adds"
            forbid "$f" '[su]dot[[:space:]]' "ARMv8.2 dot products"
        fi
        if [ -d "$root/arm32-a53" ]; then
            f="$root/arm32-a53/${base}__arm32_a53.s"
            expect "$f" 'vcnt\.8' "NEON vcnt.8"
            expect "$f" 'vpad(d|a)l\.u' "widening pairwise adds"
        fi
    done
done

# MX int8 fast path: VNNI 4-way dot products on AVX-512; pmaddubsw + pmaddwd and no AVX-512 on AVX2. The
# int16 path on the A53: widening multiplies (smull), no ARMv8.2 dot products.
expect "$root/x86-64-avx512/lpgen_mx_gemm_i8__x86_avx512.s" 'vpdpbusd[[:space:]]+.*zmm' "zmm VPDPBUSD"
f="$root/x86-64-avx2/lpgen_mx_gemm_i8__x86_avx2.s"
expect "$f" 'vpmaddubsw' "vpmaddubsw"
expect "$f" 'vpmaddwd' "vpmaddwd"
forbid "$f" 'zmm|vpdpbusd' "AVX-512"
# The narrow one (MXFP4 x MXFP4) widens each lane once per block: one vpmaddwd per 8 vpmaddubsw,
# where mx_gemm_i8 has one per vpmaddubsw.
f="$root/x86-64-avx2/lpgen_mx_gemm_i8_narrow__x86_avx2.s"
pairs=$(grep -Ec 'vpmaddubsw' "$f")
widenings=$(grep -Ec 'vpmaddwd' "$f")
if [ "$pairs" -eq 0 ] || [ $((widenings * 4)) -gt "$pairs" ]; then
    echo "FAIL: $(basename "$f") has $widenings vpmaddwd for $pairs vpmaddubsw (int16 block sums expected)"
    failures=$((failures + 1))
fi
# The int16 kernels (GEMM and GEMV, activations in one, two or three planes): int16 pair dot products.
for kernel in mx_gemm_i16 mx_gemv_i16 mx_gemm_i16_split mx_gemv_i16_split mx_gemm_i16_fp8 mx_gemv_i16_fp8; do
    expect "$root/x86-64-avx512/lpgen_${kernel}__x86_avx512.s" 'vpdpwssd[[:space:]]+.*zmm' "zmm VPDPWSSD"
    expect "$root/x86-64-avx2/lpgen_${kernel}__x86_avx2.s" 'vpmaddwd[[:space:]]+.*ymm' "ymm vpmaddwd"
done
if [ -d "$root/arm64-a53" ]; then
    for kernel in mx_gemm_i8 mx_gemm_i16; do
        forbid "$root/arm64-a53/lpgen_${kernel}__arm64_a53.s" '[su]dot[[:space:]]' "ARMv8.2 dot products"
    done
    # The int16 GEMMs: int16 x int16 products accumulated in int32 lanes.
    for kernel in mx_gemm_i16 mx_gemv_i16 mx_gemm_i16_split mx_gemv_i16_split mx_gemm_i16_fp8 mx_gemv_i16_fp8; do
        expect "$root/arm64-a53/lpgen_${kernel}__arm64_a53.s" 'smlal2?[[:space:]]+v[0-9]+\.4s' "NEON smlal into int32"
    done
    # The int8 GEMM and GEMV: int8 x int8 products accumulated in int16 lanes, then widened.
    for kernel in mx_gemm_i8 mx_gemv_i8; do
        expect "$root/arm64-a53/lpgen_${kernel}__arm64_a53.s" 'smlal2?[[:space:]]+v[0-9]+\.8h' "NEON smlal into int16"
        expect "$root/arm64-a53/lpgen_${kernel}__arm64_a53.s" 's(addlp|adalp)[[:space:]]+v[0-9]+\.4s' "saddlp/sadalp"
    done
fi

# Every AVX-512 kernel: only the Ice Lake server extensions runtime/cpu_features.cpp checks, so
# no AVX512-FP16 (LLVM's sapphirerapids CPU used vmovsh for integer shuffles), BF16 or AMX.
for f in "$root"/x86-64-avx512/*.s; do
    forbid "$f" '[[:space:]](vmovsh|vmovw|v(add|sub|mul|div|min|max|sqrt|fmadd[0-9]+|fmsub[0-9]+)(ph|sh)|vdpbf16ps|vcvtne2?ps2bf16|tileloadd|tdpb[a-z]+)[[:space:]]' "instructions outside Ice Lake server"
done

if [ "$failures" -ne 0 ]; then
    echo "$failures assembly checks failed"
    exit 1
fi
echo "assembly checks passed"
