// ARM profiles this build cross-compiles: where their lpgen binary is and how to run it here.
#pragma once

#include <string>
#include <vector>

namespace lpgen::cli {

struct CrossProfile {
    std::string name;            // "arm64-a53"
    std::string default_runner;  // qemu with the profile's CPU model
    std::string binary;          // the cross-built lpgen; empty when this build has none
};

std::vector<CrossProfile> cross_profiles();
const CrossProfile *find_cross_profile(const std::string &name);

// Whether `program` (first word of a runner) is on PATH.
bool on_path(const std::string &program);

// Runs argv[0] (searched on PATH) with its arguments and waits: its exit status, or -1. With
// `output`, its standard output is also collected there as it is passed on to ours.
int run_process(std::vector<std::string> argv, std::string *output = nullptr);

}  // namespace lpgen::cli
