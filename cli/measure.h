// Timing one job: a warm-up call, then samples of enough calls to last `sample_seconds` each;
// the median and spread of the per-call time across samples.
#pragma once

#include <functional>
#include <string>

#include "layer_job.h"

namespace lpgen::cli {

struct Timing {
    double median_s = 0;
    double min_s = 0, max_s = 0;  // spread across samples
    int samples = 0;
    std::string kernel;  // what ran
};

Timing measure(LayerJob &job, int samples = 5, double sample_seconds = 0.02);
// The same for any call that returns the name of the kernel that ran.
Timing measure(const std::function<std::string()> &call, int samples, double sample_seconds);

}  // namespace lpgen::cli
