#include "bench_main.h"

#include <iostream>

#include "lpgen/bitserial.hpp"
#include "ratio_reporter.h"

namespace lpgen::bench {

int run_with_ratios(int argc, char **argv, const std::vector<std::string> &baselines, void (*register_all)()) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    std::cout << "kernel variant: " << active_isa() << "\n";
    register_all();
    RatioReporter reporter(baselines);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.PrintTable(std::cout);
    benchmark::Shutdown();
    return 0;
}

}  // namespace lpgen::bench
