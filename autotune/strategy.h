// The order in which the tuner tries configurations, reproducible from its seed:
//   1. the profile's default, then the seeds (best records of the nearest tuned shape);
//   2. a small space (at most `exhaustive_limit` configurations): every one, in order;
//   3. a large one: `warmup` random samples, then mutations of the best measured so far, with a
//      fraction `explore` of random samples mixed in.
// Configurations already measured (a resumed run) are skipped, never proposed twice.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <set>

#include "search_space.h"

namespace lpgen::tune {

struct StrategyOptions {
    int trials = 64;
    uint64_t seed = 1;
    int exhaustive_limit = 64;
    int warmup = 8;
    double explore = 0.25;
};

class Strategy {
public:
    Strategy(const SearchSpace &space, StrategyOptions options, std::vector<Config> seeds = {});

    // The next configuration to measure, or none when the trial budget or the space is spent.
    std::optional<Config> next();
    // What a configuration measured: seconds, or none when it failed, was wrong or hung.
    void report(const Config &config, std::optional<double> seconds);
    // Marks a configuration as measured by an earlier run (resume), with its time if valid.
    void already_measured(const Config &config, std::optional<double> seconds);

    int proposed() const { return proposed_; }

private:
    std::optional<Config> fresh(const Config &candidate);

    const SearchSpace &space_;
    StrategyOptions options_;
    std::mt19937_64 rng_;
    std::vector<Config> queue_;  // default and seeds first, then (small spaces) every config
    size_t queued_ = 0;
    std::set<Config> tried_;
    std::optional<std::pair<double, Config>> best_;
    int proposed_ = 0;
};

}  // namespace lpgen::tune
