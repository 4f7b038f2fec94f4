#include "ratio_reporter.h"

#include "lpgen/bitserial.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace lpgen::bench {

void RatioReporter::ReportRuns(const std::vector<Run> &runs) {
    ConsoleReporter::ReportRuns(runs);
    for (const Run &run : runs) {
        if (run.run_type != Run::RT_Aggregate || run.aggregate_name != "median") continue;
        const std::string name = run.run_name.function_name;
        const size_t slash = name.find('/');
        if (slash == std::string::npos) continue;
        const std::string workload = name.substr(0, slash), variant = name.substr(slash + 1);
        if (std::find(workloads_.begin(), workloads_.end(), workload) == workloads_.end()) workloads_.push_back(workload);
        const double seconds = run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
        auto gops = run.counters.find("GOPS");
        if (gops == run.counters.end()) {  // not a kernel with a MAC count: packing
            side_times_[workload][variant] = seconds;
            continue;
        }
        if (std::find(variants_.begin(), variants_.end(), variant) == variants_.end()) variants_.push_back(variant);
        medians_[workload][variant] = Median{seconds, gops->second.value};
    }
}

void RatioReporter::PrintGrid(std::ostream &out, const std::string &title,
                              const std::function<std::string(const Median &, const Median *)> &cell_of,
                              const std::string &base) const {
    char cell[64];
    out << "\n" << title << "\n" << std::string(10, ' ');
    for (const std::string &v : variants_) {
        std::snprintf(cell, sizeof cell, "%10s", v.c_str());
        out << cell;
    }
    out << "\n";
    for (const std::string &w : workloads_) {
        auto row = medians_.find(w);
        if (row == medians_.end()) continue;
        std::snprintf(cell, sizeof cell, "%-10s", w.c_str());
        out << cell;
        auto b = base.empty() ? row->second.end() : row->second.find(base);
        const Median *base_median = b == row->second.end() ? nullptr : &b->second;
        for (const std::string &v : variants_) {
            auto it = row->second.find(v);
            const std::string text = it == row->second.end() ? "-" : cell_of(it->second, base_median);
            std::snprintf(cell, sizeof cell, "%10s", text.c_str());
            out << cell;
        }
        out << "\n";
    }
}

void RatioReporter::PrintTable(std::ostream &out) const {
    auto format = [](const char *pattern, double value) {
        char text[32];
        std::snprintf(text, sizeof text, pattern, value);
        return std::string(text);
    };
    const std::string threads = num_threads() == 1 ? "single thread" : std::to_string(num_threads()) + " threads";
    PrintGrid(out, "Median GOPS (1 MAC = 2 ops), " + threads,
              [&](const Median &m, const Median *) { return format("%.1f", m.gops); }, "");
    if (!side_times_.empty()) {
        out << "\nOther steps, median microseconds per call\n";
        for (const auto &[w, steps] : side_times_) {
            for (const auto &[step, seconds] : steps) {
                char line[64];
                std::snprintf(line, sizeof line, "%-10s%-10s%10.1f\n", w.c_str(), step.c_str(), seconds * 1e6);
                out << line;
            }
        }
    }
    for (const std::string &base : baselines_) {
        PrintGrid(out, "Speedup over " + base + " (ratio of median times, same run)",
                  [&](const Median &m, const Median *b) {
                      return b == nullptr ? std::string("-") : format("%.2fx", b->seconds / m.seconds);
                  },
                  base);
    }
}

}  // namespace lpgen::bench
