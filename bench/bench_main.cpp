#include "bench_main.h"

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "lpgen/bitserial.hpp"
#include "peers.h"
#include "ratio_reporter.h"

namespace lpgen::bench {

namespace {

// --threads=N (0: every hardware thread) for lpgen and its peers, taken out of argv before
// Google Benchmark parses it.
int take_threads_flag(int &argc, char **argv) {
    int threads = 1;
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "--threads=", 10) == 0) {
            threads = std::atoi(argv[i] + 10);
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
    return threads;
}

// Repetitions of all benchmarks interleaved in random order unless the command line says
// otherwise: on a shared machine whose speed drifts over seconds, a kernel and the baseline
// (or read bound) it is divided by then sample the same stretches of time, not each its own.
std::vector<char *> with_interleaving(int argc, char **argv) {
    static char flag[] = "--benchmark_enable_random_interleaving=true";
    std::vector<char *> args(argv, argv + argc);
    bool given = false;
    for (int i = 1; i < argc; ++i) given |= std::strstr(argv[i], "random_interleaving") != nullptr;
    if (!given) args.insert(args.begin() + 1, flag);
    args.push_back(nullptr);
    return args;
}

}  // namespace

int run_with_ratios(int argc, char **argv, const std::vector<std::string> &baselines, void (*register_all)()) {
    set_num_threads(take_threads_flag(argc, argv));
    set_peer_threads(num_threads());
    std::vector<char *> args = with_interleaving(argc, argv);
    argc = int(args.size()) - 1;
    argv = args.data();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    std::cout << "kernel variant: " << active_isa() << ", threads: " << num_threads() << "\n";
    register_all();
    RatioReporter reporter(baselines);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.PrintTable(std::cout);
    benchmark::Shutdown();
    return 0;
}

}  // namespace lpgen::bench
