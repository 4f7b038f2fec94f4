// The lpgen subcommands. Each returns the process exit status (0 = success) and reports
// problems on stderr.
#pragma once

#include <string>
#include <vector>

namespace lpgen::cli {

struct RunOptions {
    std::string layers = "resnet18";
    std::string precisions;
    unsigned seed = 1;
    int threads = 1;
};

// lpgen targets / lpgen ops: what this build offers.
int print_targets();
int print_ops();

// lpgen verify: every layer at every precision against the scalar reference; with a runner
// (e.g. "qemu-aarch64 -cpu cortex-a53"), the profile's cross-built lpgen runs it instead.
struct VerifyOptions : RunOptions {
    std::string profile;  // empty: this machine's build
    std::string runner;   // command prefix for a cross profile
};
int verify(const VerifyOptions &options);

// lpgen bench / lpgen demo: verify, time against the baselines, print the table; demo also
// writes the results as JSON and a PNG chart and verifies the arm64-a53 kernels under qemu.
struct BenchOptions : RunOptions {
    std::string baselines = "fp32,int8";
    std::string out_dir;  // JSON + chart; empty: none
    bool verify_arm = false;
    int samples = 5;
};
int bench(const BenchOptions &options);

// Runs a cross profile's lpgen through a runner prefix: returns its exit status.
int run_cross(const std::string &profile, const std::string &runner, const std::vector<std::string> &args);

}  // namespace lpgen::cli
