// Instruction-throughput peaks of this CPU for the inner loops lpgen's kernels use, in the
// benchmarks' units (GOPS, 1 MAC = 2 ops): AND + popcount + add on 512-bit words (the 1A1W
// bit-serial loop: 512 one-bit MACs per triple), vpdpbusd (64 int8 MACs) and vfmadd231ps (16
// fp32 MACs). Independent accumulator chains hide latency, so these are throughput ceilings.
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

LPGEN_AVX512 double fma_macs() {
    __m512 acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(float(c));
    const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-3f);
    for (int s = 0; s < kSteps; ++s)
        for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
    for (int c = 0; c < kChains; ++c) benchmark::DoNotOptimize(acc[c]);
    return 16.0 * kChains * kSteps;
}

bool has_avx512_peaks() {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("avx512vnni");
}

void peak(benchmark::State &state, double (*loop)(), const char *what) {
    if (!has_avx512_peaks()) {
        state.SkipWithError("this CPU lacks AVX-512 VPOPCNTDQ/VNNI: no peak measured");
        return;
    }
    double macs = 0;
    for (auto _ : state) macs = loop();
    report(state, macs, what);
}

}  // namespace

void register_peaks() {
    add("peak/popcount_mix", [](benchmark::State &st) { peak(st, popcount_mix_macs, "vpandq+vpopcntq+vpaddq zmm"); });
    add("peak/vnni_dot", [](benchmark::State &st) { peak(st, vnni_macs, "vpdpbusd zmm"); });
    add("peak/fp32_fma", [](benchmark::State &st) { peak(st, fma_macs, "vfmadd231ps zmm"); });
}

}  // namespace lpgen::bench
