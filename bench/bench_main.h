// What every lpgen benchmark binary shares: how a benchmark is registered (5 repetitions,
// medians, real time) and a main that prints the same-run ratio tables at the end.
#pragma once

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "peers.h"

namespace lpgen::bench {

template <typename F>
void add(const std::string &name, F &&fn) {
    benchmark::RegisterBenchmark(name.c_str(), std::forward<F>(fn))
        ->Repetitions(5)
        ->ReportAggregatesOnly(true)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime()
        ->MinTime(0.05);
}

// Sets the GOPS counter (1 MAC = 2 ops) and names the kernel that ran.
inline void report(benchmark::State &state, double macs_per_call, const char *kernel) {
    state.counters["GOPS"] = benchmark::Counter(2.0 * macs_per_call * double(state.iterations()) / 1e9,
                                                benchmark::Counter::kIsRate);
    state.SetLabel(kernel);
}

// Times p->run() and reports GOPS like lpgen's own benchmarks.
inline void run_peer(benchmark::State &state, double macs_per_call, const std::unique_ptr<Peer> &p) {
    for (auto _ : state) p->run();
    report(state, macs_per_call, p->name().c_str());
}

// The instruction-throughput peaks (bench/peak.cpp): benchmarks named peak/<loop>.
void register_peaks();
// A GEMV's bandwidth ceiling: reads `weight_bytes` once a pass, reports `gemv_macs` a pass.
void bandwidth_bound(benchmark::State &state, double gemv_macs, size_t weight_bytes);

// Registers with `register_all`, runs, and prints GOPS and speedups over each of `baselines`.
// --threads=N (default 1; 0 = all hardware threads) sets lpgen's and the peers' thread counts.
// Repetitions run interleaved in random order (--benchmark_enable_random_interleaving=false
// runs each benchmark's repetitions back to back).
int run_with_ratios(int argc, char **argv, const std::vector<std::string> &baselines, void (*register_all)());

}  // namespace lpgen::bench
