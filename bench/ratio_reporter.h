// A console reporter that also keeps each benchmark's median time, then prints a table of GOPS
// and ratios against baselines measured in the same process run.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace lpgen::bench {

class RatioReporter : public benchmark::ConsoleReporter {
public:
    // Benchmarks are named "<workload>/<variant>"; `baselines` are variants to divide by.
    explicit RatioReporter(std::vector<std::string> baselines) : baselines_(std::move(baselines)) {}

    void ReportRuns(const std::vector<Run> &runs) override;

    // Prints workloads as rows, variants as columns (GOPS), then speedup over each baseline.
    void PrintTable(std::ostream &out) const;

private:
    struct Median {
        double seconds = 0;
        double gops = 0;
    };
    // One row per workload, one column per variant; `cell_of` gets the variant's median and
    // the row's `base` variant median (null when the row lacks it or base is empty).
    void PrintGrid(std::ostream &out, const std::string &title,
                   const std::function<std::string(const Median &, const Median *)> &cell_of,
                   const std::string &base) const;

    std::vector<std::string> baselines_;
    std::vector<std::string> workloads_, variants_;
    std::map<std::string, std::map<std::string, Median>> medians_;
    std::map<std::string, std::map<std::string, double>> side_times_;  // seconds, no MAC count
};

}  // namespace lpgen::bench
