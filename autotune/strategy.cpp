#include "strategy.h"

namespace lpgen::tune {

Strategy::Strategy(const SearchSpace &space, StrategyOptions options, std::vector<Config> seeds)
    : space_(space), options_(options), rng_(options.seed) {
    queue_.push_back(space.default_config());
    for (Config &s : seeds) {
        if (space.contains(s)) queue_.push_back(std::move(s));
    }
    if (int(space.valid().size()) <= options.exhaustive_limit) {
        queue_.insert(queue_.end(), space.valid().begin(), space.valid().end());
    }
}

std::optional<Config> Strategy::fresh(const Config &candidate) {
    if (tried_.count(candidate)) return std::nullopt;
    tried_.insert(candidate);
    ++proposed_;
    return candidate;
}

std::optional<Config> Strategy::next() {
    if (proposed_ >= options_.trials || tried_.size() >= space_.valid().size()) return std::nullopt;
    while (queued_ < queue_.size()) {
        if (auto c = fresh(queue_[queued_++])) return c;
    }
    const auto &all = space_.valid();
    std::uniform_int_distribution<size_t> any(0, all.size() - 1);
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    // Bounded attempts: a nearly exhausted space falls back to the first untried configuration.
    for (int attempt = 0; attempt < 64; ++attempt) {
        const bool explore = !best_ || proposed_ < options_.warmup || coin(rng_) < options_.explore;
        if (auto c = fresh(explore ? all[any(rng_)] : space_.mutate(best_->second, rng_))) return c;
    }
    for (const Config &c : all) {
        if (auto f = fresh(c)) return f;
    }
    return std::nullopt;
}

void Strategy::report(const Config &config, std::optional<double> seconds) {
    if (seconds && (!best_ || *seconds < best_->first)) best_ = {*seconds, config};
}

void Strategy::already_measured(const Config &config, std::optional<double> seconds) {
    // Counts against the budget: a resumed run goes on to the same total as an unbroken one.
    if (tried_.insert(config).second) ++proposed_;
    report(config, seconds);
}

}  // namespace lpgen::tune
