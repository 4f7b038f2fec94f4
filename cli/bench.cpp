// lpgen bench and lpgen demo: verify each layer x precision, time it next to the baselines in
// the same process, print the table, and (demo) write JSON + a PNG chart and check ARM.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "chart.h"
#include "commands.h"
#include "safe_files.h"
#include "cross_profiles.h"
#include "layer_job.h"
#include "measure.h"
#include "lpgen/lpgen.h"
#ifdef LPGEN_WITH_PEERS
#include "peers.h"
#endif

namespace lpgen::cli {
namespace {

struct Result {
    std::string layer, precision, kernel;
    double macs = 0;
    Timing timing;
    Verdict verdict;
    double gops() const { return 2 * macs / timing.median_s * 1e-9; }
};

nlohmann::json to_json(const std::vector<Result> &results, const BenchOptions &o) {
    nlohmann::json j;
    j["lpgen"] = lpgen_version();
    j["isa"] = lpgen_active_isa();
    j["threads"] = o.threads;
    j["hardware_threads"] = std::thread::hardware_concurrency();
    j["layers"] = o.layers;
    j["timing"] = "median of " + std::to_string(o.samples) + " samples, each >= 20 ms of calls";
    for (const Result &r : results) {
        j["results"].push_back({{"layer", r.layer},
                                {"precision", r.precision},
                                {"kernel", r.kernel},
                                {"macs", r.macs},
                                {"median_s", r.timing.median_s},
                                {"min_s", r.timing.min_s},
                                {"max_s", r.timing.max_s},
                                {"gops", r.gops()},
                                {"verified", r.verdict.ok}});
    }
    return j;
}

// The table: one row per layer and precision, ratios against each baseline of that layer.
void print_table(const std::vector<Result> &results, const std::vector<Precision> &baselines) {
    std::map<std::pair<std::string, std::string>, double> time_of;
    for (const Result &r : results) time_of[{r.layer, r.precision}] = r.timing.median_s;
    std::printf("\n%-6s %-9s %10s %9s", "layer", "precision", "ms/call", "GOPS");
    for (const Precision &b : baselines) std::printf("  %14s", ("vs " + b.name).c_str());
    std::printf("  kernel\n");
    for (const Result &r : results) {
        std::printf("%-6s %-9s %10.3f %9.1f", r.layer.c_str(), r.precision.c_str(), r.timing.median_s * 1e3, r.gops());
        for (const Precision &b : baselines) std::printf("  %13.2fx", time_of[{r.layer, b.name}] / r.timing.median_s);
        std::printf("  %s\n", r.kernel.c_str());
    }
}

// Per precision: the whole layer set's time and its speedup over each baseline's.
void print_totals(const std::vector<Result> &results, const std::vector<Precision> &all,
                  const std::vector<Precision> &baselines) {
    std::map<std::string, double> total;
    for (const Result &r : results) total[r.precision] += r.timing.median_s;
    std::printf("\n%-9s %14s", "precision", "all layers ms");
    for (const Precision &b : baselines) std::printf("  %14s", ("vs " + b.name).c_str());
    std::printf("\n");
    for (const Precision &p : all) {
        std::printf("%-9s %14.3f", p.name.c_str(), total[p.name] * 1e3);
        for (const Precision &b : baselines) std::printf("  %13.2fx", total[b.name] / total[p.name]);
        std::printf("\n");
    }
}

int verify_cross(const BenchOptions &o, const std::vector<Precision> &precisions) {
    std::string names;
    for (const Precision &p : precisions) names += (names.empty() ? "" : ",") + p.name;
    const CrossProfile *arm = find_cross_profile("arm64-a53");
    const std::string emulator = arm->default_runner.substr(0, arm->default_runner.find(' '));
    if (arm->binary.empty() || !on_path(emulator)) {
        std::printf("\narm64-a53: skipped (%s)\n", arm->binary.empty() ? "this build has no cross-built lpgen"
                                                                       : "qemu-aarch64 is not installed");
        return 0;
    }
    std::printf("\narm64-a53: the same layers with the build's arm64-a53 kernels, verified under %s\n"
                "(qemu checks correctness and that no instruction beyond ARMv8.0 runs; it says nothing about speed)\n",
                arm->default_runner.c_str());
    return run_cross("arm64-a53", "", {"verify", "--layers", o.layers, "--precisions", names, "--seed",
                                       std::to_string(o.seed)});
}

}  // namespace

int bench(const BenchOptions &o) {
    const auto started = std::chrono::steady_clock::now();
    const auto layers = load_layers(o.layers);
    const auto precisions = parse_precisions(o.precisions);
    const auto baselines = parse_precisions(o.baselines);
    std::vector<Precision> all = baselines;
    all.insert(all.end(), precisions.begin(), precisions.end());
    if (lpgen_set_num_threads(o.threads) != LPGEN_OK) throw Error(lpgen_last_error());
#ifdef LPGEN_WITH_PEERS
    bench::set_peer_threads(lpgen_num_threads());
#endif

    std::string schedules = "the profile's defaults (no tuning database)";
#ifdef LPGEN_WITH_TUNER
    if (o.tune_seconds > 0) schedules = tune_and_load_for_demo(o);
#endif
    std::printf("lpgen %s on %s, %d thread%s; %zu layers; schedules: %s\n", lpgen_version(), lpgen_active_isa(),
                lpgen_num_threads(), lpgen_num_threads() == 1 ? "" : "s", layers.size(), schedules.c_str());
    std::printf("bit-serial times include quantizing and packing the fp32 activations; MX times include\n"
                "quantizing them (drop-in mode); baselines run on prepared int8/fp32 operands.\n");
    std::vector<Result> results;
    int failed = 0;
    const bool interactive = isatty(STDOUT_FILENO);  // a progress line only on a terminal
    for (const Layer &layer : layers) {
        for (const Precision &p : all) {
            auto job = make_job(layer, p, o.seed);
            Result r{layer.name, p.name, "", layer_macs(layer.shape), {}, job->verify()};
            if (!r.verdict.ok) {
                ++failed;
                std::printf("  %s %s: FAILED verification: %s\n", layer.name.c_str(), p.name.c_str(),
                            r.verdict.detail.c_str());
            }
            r.timing = measure(*job, o.samples);
            r.kernel = r.timing.kernel;
            results.push_back(r);
            if (interactive) {
                std::printf("\r  measured %zu of %zu (%s %s)        ", results.size(), layers.size() * all.size(),
                            layer.name.c_str(), p.name.c_str());
                std::fflush(stdout);
            }
        }
    }
    std::printf("%sverified %zu of %zu layer x precision results against the scalar reference%s\n",
                interactive ? "\r" : "", results.size() - failed, results.size(), failed ? " (SEE FAILURES ABOVE)" : "");
    print_table(results, baselines);
    print_totals(results, all, baselines);

    int status = failed == 0 ? 0 : 1;
    if (!o.out_dir.empty()) {
        mkdir(o.out_dir.c_str(), 0755);
        const std::string json_path = o.out_dir + "/results.json";
        write_atomically(json_path, to_json(results, o).dump(1) + "\n");
        std::printf("\nresults: %s\n", json_path.c_str());
        draw_chart("plot_demo.py", json_path, o.out_dir + "/speedup.png");
    }
    if (o.verify_arm && verify_cross(o, precisions) != 0) status = 1;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("\ndone in %.0f s%s\n", seconds, status == 0 ? "" : "; some results did not verify");
    return status;
}

}  // namespace lpgen::cli
