// The order in which the tuner tries configurations, reproducible from its seed:
//   1. the profile's default, then the seeds (best records of the nearest tuned shape);
//   2. a small space (at most `exhaustive_limit` configurations): every one, in order;
//   3. a large one: `warmup` random samples, then an evolutionary search: a few mutations of
//      the best configurations so far, of which the cost model (cost_model.h, fitted to every
//      measurement so far) picks the one it predicts fastest; a fraction `explore` of the trials
//      stays random.
// Configurations already measured (a resumed run) are skipped, never proposed twice.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <set>

#include "cost_model.h"
#include "search_space.h"

namespace lpgen::tune {

struct StrategyOptions {
    int trials = 64;
    uint64_t seed = 1;
    int exhaustive_limit = 64;
    int warmup = 8;
    double explore = 0.25;
    bool cost_model = true;    // false: plain mutations of the best, unranked
    int model_candidates = 16; // mutations the model ranks per trial
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
    std::optional<Config> exploit();

    std::optional<std::pair<double, Config>> best_;
    std::vector<std::pair<double, Config>> measured_;  // valid ones, fastest first
    CostModel model_;
    int proposed_ = 0;
};

}  // namespace lpgen::tune
