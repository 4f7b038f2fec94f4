// The builder: compiles one configuration of a kernel family for a profile into a shared object
// (what a runner loads), a static library (what a bundle links) and its assembly (what the
// model reads), each tool call under a time limit. Candidates compile in parallel.
#pragma once

#include <condition_variable>
#include <mutex>
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
    // Non-empty: every step runs through this prefix, e.g. srun on a partition of build hosts
    // (whose file system shares `dir` and the tools' paths with this host).
    std::vector<std::string> launcher;
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

// How many compiles run at once for a --jobs value (0: one per hardware thread).
int compile_jobs(int jobs);

// A count of compiles allowed at once, shared by callers of build_all on several threads.
class BuildSlots {
public:
    explicit BuildSlots(int slots) : free_(slots) {}
    void acquire() {
        std::unique_lock<std::mutex> lock(mutex_);
        freed_.wait(lock, [&] { return free_ > 0; });
        --free_;
    }
    void release() {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            ++free_;
        }
        freed_.notify_one();
    }

private:
    int free_;
    std::mutex mutex_;
    std::condition_variable freed_;
};

// Builds every request with `jobs` at a time (0: one per hardware thread), each also taking
// one of `slots` when given; results in order.
std::vector<BuildResult> build_all(const Catalog &catalog, const std::vector<BuildRequest> &requests, int jobs,
                                   double limit_s, BuildSlots *slots = nullptr);

}  // namespace lpgen::tune
