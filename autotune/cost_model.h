// The strategy's cost model: ridge regression of log(time) on one-hot knob values, refitted
// from every valid measurement so far. It learns what each knob value tends to cost on this
// shape and profile, so mutations can be ranked before any of them is compiled.
#pragma once

#include <map>
#include <vector>

#include "search_space.h"

namespace lpgen::tune {

class CostModel {
public:
    explicit CostModel(const SearchSpace &space);
    void add(const Config &config, double seconds);
    // Predicted log(seconds); meaningful once samples() > 0.
    double predict(const Config &config) const;
    int samples() const { return static_cast<int>(targets_.size()); }

private:
    std::vector<double> features(const Config &config) const;
    void fit() const;

    std::vector<std::map<int, size_t>> index_;  // per knob: value -> feature
    size_t width_ = 1;                          // bias + one feature per (knob, value)
    std::vector<std::vector<double>> rows_;
    std::vector<double> targets_;
    mutable std::vector<double> weights_;
    mutable bool stale_ = true;
};

}  // namespace lpgen::tune
