#include "measure.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace lpgen::cli {

Timing measure(LayerJob &job, int samples, double sample_seconds) {
    return measure([&] { return job.run(); }, samples, sample_seconds);
}

Timing measure(const std::function<std::string()> &call, int samples, double sample_seconds) {
    using clock = std::chrono::steady_clock;
    auto seconds_since = [](clock::time_point start) {
        return std::chrono::duration<double>(clock::now() - start).count();
    };
    Timing t;
    auto start = clock::now();
    t.kernel = call();  // warm-up: caches, lazily prepared weights, thread start
    const double first = std::max(seconds_since(start), 1e-7);
    const int calls = std::max(1, static_cast<int>(std::ceil(sample_seconds / first)));
    std::vector<double> per_call;
    for (int s = 0; s < samples; ++s) {
        start = clock::now();
        for (int i = 0; i < calls; ++i) call();
        per_call.push_back(seconds_since(start) / calls);
    }
    std::sort(per_call.begin(), per_call.end());
    t.samples = samples;
    t.median_s = per_call[per_call.size() / 2];
    t.min_s = per_call.front(), t.max_s = per_call.back();
    return t;
}

}  // namespace lpgen::cli
