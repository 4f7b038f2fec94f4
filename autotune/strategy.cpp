#include "strategy.h"

#include <algorithm>

namespace lpgen::tune {

Strategy::Strategy(const SearchSpace &space, StrategyOptions options, std::vector<Config> seeds)
    : space_(space), options_(options), rng_(options.seed), model_(space) {
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
        if (explore) {
            if (auto c = fresh(all[any(rng_)])) return c;
        } else if (auto c = exploit()) {
            return c;
        }
    }
    for (const Config &c : all) {
        if (auto f = fresh(c)) return f;
    }
    return std::nullopt;
}

// A mutation of one of the three best configurations (or of a mutation of one); with the cost
// model, the one it predicts fastest out of `model_candidates` untried ones.
std::optional<Config> Strategy::exploit() {
    const size_t parents = std::min<size_t>(3, measured_.size());
    std::uniform_int_distribution<size_t> parent(0, parents - 1);
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    auto mutant = [&] {
        Config c = space_.mutate(measured_[parent(rng_)].second, rng_);
        return coin(rng_) < 0.3 ? space_.mutate(c, rng_) : c;
    };
    if (!options_.cost_model || model_.samples() < 2) return fresh(mutant());
    std::optional<std::pair<double, Config>> pick;
    for (int i = 0; i < options_.model_candidates; ++i) {
        Config c = mutant();
        if (tried_.count(c)) continue;
        const double predicted = model_.predict(c);
        if (!pick || predicted < pick->first) pick = {predicted, c};
    }
    if (!pick) return std::nullopt;
    return fresh(pick->second);
}

void Strategy::report(const Config &config, std::optional<double> seconds) {
    if (!seconds) return;
    if (!best_ || *seconds < best_->first) best_ = {*seconds, config};
    measured_.insert(std::upper_bound(measured_.begin(), measured_.end(), std::make_pair(*seconds, config)),
                     {*seconds, config});
    model_.add(config, *seconds);
}

void Strategy::already_measured(const Config &config, std::optional<double> seconds) {
    // Counts against the budget: a resumed run goes on to the same total as an unbroken one.
    if (tried_.insert(config).second) ++proposed_;
    report(config, seconds);
}

}  // namespace lpgen::tune
