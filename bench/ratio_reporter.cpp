#include "ratio_reporter.h"

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

void RatioReporter::PrintTable(std::ostream &out) const {
    char cell[64];
    out << "\nMedian GOPS (1 MAC = 2 ops), single thread\n" << std::string(10, ' ');
    for (const std::string &v : variants_) {
        std::snprintf(cell, sizeof cell, "%10s", v.c_str());
        out << cell;
    }
    out << "\n";
    for (const std::string &w : workloads_) {
        std::snprintf(cell, sizeof cell, "%-10s", w.c_str());
        out << cell;
        const auto row = medians_.find(w);
        for (const std::string &v : variants_) {
            if (row == medians_.end() || row->second.count(v) == 0) {
                std::snprintf(cell, sizeof cell, "%10s", "-");
            } else {
                std::snprintf(cell, sizeof cell, "%10.1f", row->second.at(v).gops);
            }
            out << cell;
        }
        out << "\n";
    }
    if (!side_times_.empty()) {
        out << "\nOther steps, median microseconds per call\n";
        for (const auto &[w, steps] : side_times_) {
            for (const auto &[step, seconds] : steps) {
                std::snprintf(cell, sizeof cell, "%-10s%-10s%10.1f\n", w.c_str(), step.c_str(), seconds * 1e6);
                out << cell;
            }
        }
    }
    for (const std::string &base : baselines_) {
        out << "\nSpeedup over " << base << " (ratio of median times, same run)\n" << std::string(10, ' ');
        for (const std::string &v : variants_) {
            std::snprintf(cell, sizeof cell, "%10s", v.c_str());
            out << cell;
        }
        out << "\n";
        for (const std::string &w : workloads_) {
            std::snprintf(cell, sizeof cell, "%-10s", w.c_str());
            out << cell;
            if (medians_.count(w) == 0) continue;
            const auto &row = medians_.at(w);
            auto b = row.find(base);
            for (const std::string &v : variants_) {
                auto it = row.find(v);
                if (b == row.end() || it == row.end()) {
                    std::snprintf(cell, sizeof cell, "%10s", "-");
                } else {
                    std::snprintf(cell, sizeof cell, "%9.2fx", b->second.seconds / it->second.seconds);
                }
                out << cell;
            }
            out << "\n";
        }
    }
}

}  // namespace lpgen::bench
