// Benchmark operands: `count` integers drawn uniformly from [lo, hi] (seeded, so every run and
// every binary measures the same data), stored as T.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace lpgen::bench {

template <typename T>
std::vector<T> random_values(size_t count, int lo, int hi, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> dist(lo, hi);
    std::vector<T> v(count);
    for (auto &x : v) x = T(dist(rng));
    return v;
}

}  // namespace lpgen::bench
