# Target profiles (DESIGN.md, "Target profiles") -> Halide target strings.
#
# x86-64-avx512: Halide 14 has no VPOPCNTDQ feature, and its Sapphire Rapids level hands LLVM
# the whole sapphirerapids CPU, AVX512-FP16 included, which LLVM uses even for integer shuffles
# (vmovsh: SIGILL on AMD Zen 4/5). So Halide lowers for that level but stops at LLVM IR, and
# llc compiles the IR for LPGEN_LLC_CPU: Ice Lake server's extensions (VPOPCNTDQ, BITALG, VBMI2,
# VNNI, GFNI), which runtime/cpu_features.cpp checks one by one before the variant may run.
set(LPGEN_HALIDE_TARGET_x86-64-avx512
    "x86-64-linux-sse41-avx-avx2-fma-f16c-avx512-avx512_skylake-avx512_cannonlake-avx512_sapphirerapids")
set(LPGEN_HALIDE_TARGET_x86-64-avx2 "x86-64-linux-sse41-avx-avx2-fma-f16c")
set(LPGEN_LLC_CPU_x86-64-avx512 "icelake-server")
set(LPGEN_HALIDE_TARGET_arm64-a53 "arm-64-linux")
set(LPGEN_HALIDE_TARGET_arm32-a53 "arm-32-linux")

# C identifier suffix of each profile, used in kernel names: lpgen_<what>__<suffix>.
set(LPGEN_SUFFIX_x86-64-avx512 "x86_avx512")
set(LPGEN_SUFFIX_x86-64-avx2 "x86_avx2")
set(LPGEN_SUFFIX_arm64-a53 "arm64_a53")
set(LPGEN_SUFFIX_arm32-a53 "arm32_a53")

# The Halide runtime each profile's programs link (one per process: x86 variants share one).
set(LPGEN_RUNTIME_OF_x86-64-avx512 "x86-64-avx2")
set(LPGEN_RUNTIME_OF_x86-64-avx2 "x86-64-avx2")
set(LPGEN_RUNTIME_OF_arm64-a53 "arm64-a53")
set(LPGEN_RUNTIME_OF_arm32-a53 "arm32-a53")
