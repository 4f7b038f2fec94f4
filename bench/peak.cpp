// Instruction-throughput peaks of this CPU for the inner loops lpgen's kernels use, in the
// benchmarks' units (GOPS, 1 MAC = 2 ops), with the widest instructions the CPU has:
//   popcount_mix: AND + popcount + add of a broadcast word against a vector of words (the 1A1W
//     bit-serial loop). AVX-512: vpandq + vpopcntq + vpaddq, 512 one-bit MACs. AVX2 has no
//     vector popcount: the nibble-table popcount (vpshufb) into byte counts, widened by vpsadbw
//     every 16 steps, 256 one-bit MACs per 8 instructions.
//   int8_dot: unsigned x signed int8 products into int32. AVX-512 VNNI: vpdpbusd, 64 MACs;
//     AVX2: vpmaddubsw + vpmaddwd (against ones) + vpaddd, 32 MACs (oneDNN's and lpgen's AVX2
//     int8 loop), operands loaded and broadcast as in lpgen's register tile.
//   int8_dot_masked (AVX-512 VNNI only): vpdpbusd on weights masked by a vpandd each, the
//     low-bit GEMV's loop.
//   fp32_fma: vfmadd231ps, 16 (zmm) or 8 (ymm) MACs.
// Independent accumulator chains hide latency, so these are throughput ceilings.
#include <immintrin.h>

#include <cstdint>

#include <benchmark/benchmark.h>

#include "bench_main.h"

namespace lpgen::bench {
namespace {

constexpr int kChains = 12;
constexpr int kSteps = 4096;

#define LPGEN_AVX512 __attribute__((target("avx512f,avx512bw,avx512vpopcntdq,avx512vnni")))

// As the kernels' loop: a broadcast activation word ANDed with a vector of weight words.
LPGEN_AVX512 double popcount_mix_macs() {
    static uint64_t words[1024];
    for (int i = 0; i < 1024; ++i) words[i] = i * 0x9E3779B97F4A7C15ull;
    __m512i acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_setzero_si512();
    for (int s = 0; s < kSteps; ++s) {
        const __m512i w = _mm512_loadu_si512(words + (s & 63) * 8);
        for (int c = 0; c < kChains; ++c) {
            const __m512i a = _mm512_set1_epi64(static_cast<long long>(words[(s * kChains + c) & 1023]));
            acc[c] = _mm512_add_epi64(acc[c], _mm512_popcnt_epi64(_mm512_and_si512(a, w)));
        }
    }
    __m512i sum = acc[0];
    for (int c = 1; c < kChains; ++c) sum = _mm512_add_epi64(sum, acc[c]);
    benchmark::DoNotOptimize(sum);
    return 512.0 * kChains * kSteps;
}

LPGEN_AVX512 double vnni_macs() {
    __m512i acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_epi32(c);
    const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
    for (int s = 0; s < kSteps; ++s)
        for (int c = 0; c < kChains; ++c) acc[c] = _mm512_dpbusd_epi32(acc[c], a, b);
    for (int c = 0; c < kChains; ++c) benchmark::DoNotOptimize(acc[c]);
    return 64.0 * kChains * kSteps;
}

// The low-bit GEMV's loop: each vpdpbusd takes a vector of packed weights masked by its own
// vpandd (6 weight vectors, two field masks each, 12 sums), to show whether the AND costs a
// vpdpbusd slot (on a Zen 4 it issues beside it). In assembly: compilers hoist the ANDs of
// constant operands out of the loop, or copy the sums around it.
LPGEN_AVX512 double vnni_masked_macs() {
    alignas(64) static uint8_t weights[6 * 64];
    for (int i = 0; i < 6 * 64; ++i) weights[i] = uint8_t(i * 37);
    alignas(64) int32_t sums[16] = {};
    static const uint32_t kLowField = 0x03030303u, kHighField = 0x0C0C0C0Cu, kActivation = 0xFEFEFEFEu;
    int n = kSteps;
#define LPGEN_MASKED_PAIR(w, acc0, acc1)                                                               \
    "vpandd %%zmm18, %%zmm" #w ", %%zmm20\n\tvpdpbusd %%zmm19, %%zmm20, %%zmm" #acc0 "\n\t"            \
    "vpandd %%zmm21, %%zmm" #w ", %%zmm22\n\tvpdpbusd %%zmm19, %%zmm22, %%zmm" #acc1 "\n\t"
    asm volatile(
        "vmovdqa64 (%[w]), %%zmm12\n\tvmovdqa64 64(%[w]), %%zmm13\n\tvmovdqa64 128(%[w]), %%zmm14\n\t"
        "vmovdqa64 192(%[w]), %%zmm15\n\tvmovdqa64 256(%[w]), %%zmm16\n\tvmovdqa64 320(%[w]), %%zmm17\n\t"
        "vpbroadcastd %[m0], %%zmm18\n\tvpbroadcastd %[m1], %%zmm21\n\tvpbroadcastd %[a], %%zmm19\n\t"
        "vpxord %%zmm0, %%zmm0, %%zmm0\n\tvmovdqa64 %%zmm0, %%zmm1\n\tvmovdqa64 %%zmm0, %%zmm2\n\t"
        "vmovdqa64 %%zmm0, %%zmm3\n\tvmovdqa64 %%zmm0, %%zmm4\n\tvmovdqa64 %%zmm0, %%zmm5\n\t"
        "vmovdqa64 %%zmm0, %%zmm6\n\tvmovdqa64 %%zmm0, %%zmm7\n\tvmovdqa64 %%zmm0, %%zmm8\n\t"
        "vmovdqa64 %%zmm0, %%zmm9\n\tvmovdqa64 %%zmm0, %%zmm10\n\tvmovdqa64 %%zmm0, %%zmm11\n\t"
        "1:\n\t" LPGEN_MASKED_PAIR(12, 0, 1) LPGEN_MASKED_PAIR(13, 2, 3) LPGEN_MASKED_PAIR(14, 4, 5)
            LPGEN_MASKED_PAIR(15, 6, 7) LPGEN_MASKED_PAIR(16, 8, 9) LPGEN_MASKED_PAIR(17, 10, 11)
        "dec %[n]\n\tjnz 1b\n\t"
        "vpaddd %%zmm1, %%zmm0, %%zmm0\n\tvpaddd %%zmm3, %%zmm2, %%zmm2\n\tvpaddd %%zmm5, %%zmm4, %%zmm4\n\t"
        "vpaddd %%zmm7, %%zmm6, %%zmm6\n\tvpaddd %%zmm9, %%zmm8, %%zmm8\n\tvpaddd %%zmm11, %%zmm10, %%zmm10\n\t"
        "vpaddd %%zmm2, %%zmm0, %%zmm0\n\tvpaddd %%zmm6, %%zmm4, %%zmm4\n\tvpaddd %%zmm10, %%zmm8, %%zmm8\n\t"
        "vpaddd %%zmm4, %%zmm0, %%zmm0\n\tvpaddd %%zmm8, %%zmm0, %%zmm0\n\tvmovdqa64 %%zmm0, (%[out])\n\t"
        : [n] "+r"(n)
        : [w] "r"(weights), [out] "r"(sums), [m0] "m"(kLowField), [m1] "m"(kHighField), [a] "m"(kActivation)
        : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
          "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22",
          "memory");
#undef LPGEN_MASKED_PAIR
    benchmark::DoNotOptimize(sums);
    return 64.0 * 12 * kSteps;
}

LPGEN_AVX512 double fma_macs() {
    __m512 acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(float(c));
    const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-3f);
    for (int s = 0; s < kSteps; ++s)
        for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
    for (int c = 0; c < kChains; ++c) benchmark::DoNotOptimize(acc[c]);
    return 16.0 * kChains * kSteps;
}

#define LPGEN_AVX2 __attribute__((target("avx2,fma")))

LPGEN_AVX2 double popcount_mix_macs_avx2() {
    static uint64_t words[1024];
    for (int i = 0; i < 1024; ++i) words[i] = i * 0x9E3779B97F4A7C15ull;
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2,
                                           2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0F);
    constexpr int kChains2 = 6, kFlush = 16;  // byte counts reach at most 8 * 16 = 128 < 256
    __m256i acc[kChains2], bytes[kChains2];
    for (int c = 0; c < kChains2; ++c) acc[c] = _mm256_setzero_si256();
    for (int s0 = 0; s0 < kSteps; s0 += kFlush) {
        for (int c = 0; c < kChains2; ++c) bytes[c] = _mm256_setzero_si256();
        for (int s = s0; s < s0 + kFlush; ++s) {
            const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(words + (s & 63) * 4));
            for (int c = 0; c < kChains2; ++c) {
                const __m256i a = _mm256_set1_epi64x(static_cast<long long>(words[(s * kChains2 + c) & 1023]));
                const __m256i x = _mm256_and_si256(a, w);
                const __m256i lo = _mm256_shuffle_epi8(table, _mm256_and_si256(x, low));
                const __m256i hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(x, 4), low));
                bytes[c] = _mm256_add_epi8(bytes[c], _mm256_add_epi8(lo, hi));
            }
        }
        for (int c = 0; c < kChains2; ++c)
            acc[c] = _mm256_add_epi64(acc[c], _mm256_sad_epu8(bytes[c], _mm256_setzero_si256()));
    }
    __m256i sum = acc[0];
    for (int c = 1; c < kChains2; ++c) sum = _mm256_add_epi64(sum, acc[c]);
    benchmark::DoNotOptimize(sum);
    return 256.0 * kChains2 * kSteps;
}

// As the kernels' loop: per step 2 vectors of weights and 4 broadcast activation words, each
// pair multiplied and added to its own sum (the 4 x 2 register tile of lpgen's AVX2 int8 GEMM).
// In assembly because compilers do not keep that loop as it is: with constant operands they
// hoist both multiplies out of it, and GCC spills two of the sums per step.
LPGEN_AVX2 double int8_dot_macs_avx2() {
    alignas(32) static int8_t weights[64 * 64];
    static int32_t activations[1024];
    for (int i = 0; i < 64 * 64; ++i) weights[i] = int8_t(i * 37);
    for (int i = 0; i < 1024; ++i) activations[i] = int32_t(i * 0x9E3779B9u);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    for (int s = 0; s < kSteps; ++s) {
        const int8_t *w = weights + (s & 63) * 64;
        const int32_t *a = activations + ((s * 4) & 1023);
#define LPGEN_DOT_ROW(offset, sum0, sum1)                                                    \
    "vpbroadcastd " #offset "(%[a]), %%ymm10\n\t"                                           \
    "vpmaddubsw %%ymm8, %%ymm10, %%ymm11\n\tvpmaddwd %[ones], %%ymm11, %%ymm11\n\t"      \
    "vpaddd %%ymm11, %[" #sum0 "], %[" #sum0 "]\n\t"                                        \
    "vpmaddubsw %%ymm9, %%ymm10, %%ymm12\n\tvpmaddwd %[ones], %%ymm12, %%ymm12\n\t"      \
    "vpaddd %%ymm12, %[" #sum1 "], %[" #sum1 "]\n\t"
        asm("vmovdqa (%[w]), %%ymm8\n\tvmovdqa 32(%[w]), %%ymm9\n\t"
            LPGEN_DOT_ROW(0, s0, s1) LPGEN_DOT_ROW(4, s2, s3) LPGEN_DOT_ROW(8, s4, s5) LPGEN_DOT_ROW(12, s6, s7)
            : [s0] "+x"(s0), [s1] "+x"(s1), [s2] "+x"(s2), [s3] "+x"(s3), [s4] "+x"(s4), [s5] "+x"(s5),
              [s6] "+x"(s6), [s7] "+x"(s7)
            : [w] "r"(w), [a] "r"(a), [ones] "x"(ones)
            : "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "memory");
#undef LPGEN_DOT_ROW
    }
    for (__m256i v : {s0, s1, s2, s3, s4, s5, s6, s7}) benchmark::DoNotOptimize(v);
    return 32.0 * 8 * kSteps;
}

LPGEN_AVX2 double fma_macs_avx2() {
    __m256 acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(float(c));
    const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-3f);
    for (int s = 0; s < kSteps; ++s)
        for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
    for (int c = 0; c < kChains; ++c) benchmark::DoNotOptimize(acc[c]);
    return 8.0 * kChains * kSteps;
}

bool has_avx512_peaks() {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("avx512vnni");
}

struct PeakLoop {
    double (*macs)();
    const char *instructions;
};

// The AVX-512 loop where the CPU has every extension it needs, else the AVX2 one.
void peak(benchmark::State &state, PeakLoop avx512, PeakLoop avx2) {
    PeakLoop loop = avx512;
    if (!has_avx512_peaks()) {
        if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
            state.SkipWithError("this CPU has neither AVX-512 (VPOPCNTDQ, VNNI) nor AVX2: no peak measured");
            return;
        }
        loop = avx2;
    }
    double macs = 0;
    for (auto _ : state) macs = loop.macs();
    report(state, macs, loop.instructions);
}

}  // namespace

void register_peaks() {
    add("peak/popcount_mix", [](benchmark::State &st) {
        peak(st, {popcount_mix_macs, "vpandq+vpopcntq+vpaddq zmm"},
             {popcount_mix_macs_avx2, "vpand+vpshufb nibble popcount+vpaddb ymm, vpsadbw per 16"});
    });
    add("peak/int8_dot", [](benchmark::State &st) {
        peak(st, {vnni_macs, "vpdpbusd zmm"}, {int8_dot_macs_avx2, "vpmaddubsw+vpmaddwd+vpaddd ymm"});
    });
    add("peak/int8_dot_masked", [](benchmark::State &st) {
        if (!has_avx512_peaks()) return st.SkipWithError("needs AVX-512 VNNI: the AVX2 int8 loop has no masked form");
        peak(st, {vnni_masked_macs, "vpandd+vpdpbusd zmm"}, {nullptr, ""});
    });
    add("peak/fp32_fma", [](benchmark::State &st) {
        peak(st, {fma_macs, "vfmadd231ps zmm"}, {fma_macs_avx2, "vfmadd231ps ymm"});
    });
}

}  // namespace lpgen::bench
