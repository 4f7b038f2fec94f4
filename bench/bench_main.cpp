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

}  // namespace

int run_with_ratios(int argc, char **argv, const std::vector<std::string> &baselines, void (*register_all)()) {
    set_num_threads(take_threads_flag(argc, argv));
    set_peer_threads(num_threads());
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
