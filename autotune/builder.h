// The builder: compiles one configuration of a kernel family for a profile into a shared object
// (what a runner loads), a static library (what a bundle links) and its assembly (what the
// model reads), each tool call under a time limit. Candidates compile in parallel.
#pragma once

#include <string>
#include <vector>

#include "catalog.h"

namespace lpgen::tune {

struct BuildRequest {
    std::string family;    // kernel family, e.g. "bs_conv2d_f32_a1w1"
    std::string profile;   // "x86-64-avx2", "arm64-a53", ...
    std::string knobs;     // "name:value,..." ("" = the profile default)
    std::string function;  // symbol of the emitted kernel
    std::string dir;       // where its files go
    // Non-empty: no knobs; Halide's Adams2019 autoscheduler schedules the generator for
    // problem sizes `estimate` (the generator's "estimate" param), for comparison.
    std::string adams2019_estimate;
};

struct BuildResult {
    bool ok = false;
    std::string error;  // the failing step and its output
    // Why it failed was this host, not the configuration: a full disk, an unwritable folder, a
    // tool that cannot be started (see environment_failure); such a failure is never recorded.
    bool environment = false;
    bool timed_out = false;  // a step ran past the build time limit (also not the candidate's doing)
    std::string shared_object, static_library, assembly, header;
    double seconds = 0;
};

BuildResult build_candidate(const Catalog &catalog, const BuildRequest &request, double limit_s);

// Builds every request with `jobs` at a time (0: one per hardware thread); results in order.
std::vector<BuildResult> build_all(const Catalog &catalog, const std::vector<BuildRequest> &requests, int jobs,
                                   double limit_s);

}  // namespace lpgen::tune
