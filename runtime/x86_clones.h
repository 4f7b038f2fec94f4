// LPGEN_X86_CLONES: a loop-heavy function compiled for AVX-512 and AVX2 beside the baseline,
// chosen by the CPU at load time (GCC function multiversioning). For the runtime's own loops
// (quantizing, unpacking, epilogues) that the baseline's SSE2 runs several times slower. Only
// for functions of exact operations (integer and IEEE arithmetic without contraction), so every
// clone gives the same bits.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LPGEN_X86_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LPGEN_X86_CLONES
#endif
