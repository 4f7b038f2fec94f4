// The pieces of the model runner (model_runner.cpp), open for tests: inner loops of AArch64
// assembly, their work, and llvm-mca's cycles per iteration.
#pragma once

#include <string>
#include <vector>

namespace lpgen::tune {

struct AsmLoop {
    std::vector<std::string> body;  // instructions, label and directives removed
};

std::vector<AsmLoop> innermost_loops(const std::string &assembly_text);
// Popcount bits (popcount = true) or multiply-accumulates one iteration does.
double loop_work(const AsmLoop &loop, bool popcount);
double mca_cycles_per_iteration(const AsmLoop &loop, const std::string &llvm_mca);

struct LoopModel {
    double work_per_iteration = 0, cycles_per_iteration = 0;
    int instructions = 0;
};
// The loop with the most work per iteration in an assembly file, modeled.
LoopModel model_hottest_loop(const std::string &assembly_path, bool popcount, const std::string &llvm_mca);

}  // namespace lpgen::tune
