// The read-bandwidth bound of a GEMV: a GEMV reads each weight once, so it can run no faster
// than this machine streams its weight bytes. bandwidth_bound() reads a buffer of the weights'
// size once per iteration (summing its words in independent chains, as a kernel would) and
// reports the GEMV's multiply-accumulates per pass: its GOPS are the GEMV's ceiling at this
// working-set size, in the same table and units as the kernels (a buffer that fits the caches
// reads at cache speed, as the kernels' repeated calls do).
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_main.h"

namespace lpgen::bench {
namespace {

// Eight independent chains, so the loop is bound by the loads, not by one add's latency.
inline __attribute__((always_inline)) uint64_t sum_words(const uint64_t *words, size_t count) {
    uint64_t chains[8] = {};
    for (size_t i = 0; i + 8 <= count; i += 8)
        for (int c = 0; c < 8; ++c) chains[c] += words[i + c];
    uint64_t total = 0;
    for (uint64_t c : chains) total += c;
    return total;
}

// The same loop compiled with 32-byte loads.
__attribute__((target("avx2"))) uint64_t sum_words_avx2(const uint64_t *words, size_t count) {
    return sum_words(words, count);
}

}  // namespace

void bandwidth_bound(benchmark::State &state, double gemv_macs, size_t weight_bytes) {
    std::vector<uint64_t> words((weight_bytes + 63) / 64 * 8, 0x0123456789abcdefull);
    const bool avx2 = __builtin_cpu_supports("avx2");
    for (auto _ : state) {
        benchmark::DoNotOptimize(avx2 ? sum_words_avx2(words.data(), words.size()) : sum_words(words.data(), words.size()));
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(words.size() * sizeof(uint64_t)));
    report(state, gemv_macs, "read bound");
}

}  // namespace lpgen::bench
