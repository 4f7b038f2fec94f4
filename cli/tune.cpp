// lpgen tune: for each layer x precision, the kernel family and shape the runtime dispatches
// it to are tuned over their schedule template's knob space (autotune/), every candidate
// recorded in the SQLite database; a live progress line, then a summary table, a JSON summary
// and a PNG of best-so-far against trials.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "chart.h"
#include "commands.h"
#include "cross_profiles.h"
#include "kernel_table.h"
#include "layer_job.h"
#include "lpgen/lpgen.h"
#include "manifest.h"
#include "precision.h"
#include "safe_files.h"
#include "subprocess.h"
#include "tune_plan.h"
#include "tuned_kernels.h"
#include "tuner.h"

namespace lpgen::cli {
namespace {

using namespace lpgen::tune;

std::unique_ptr<Runner> make_runner(const TuneCommandOptions &o, const std::string &spec, const ProfileInfo &profile) {
    RunnerOptions r;
    r.measurer = profile.measurer;
    r.limit_s = o.run_limit_s;
    r.samples = o.samples;
    r.sample_seconds = o.sample_seconds;
    const bool x86 = profile.name.rfind("x86", 0) == 0;
    if (spec == "host") {
        if (!x86 || !cpu_supports_isa(profile.suffix.c_str())) {
            throw Error("lpgen: this machine cannot run " + profile.name + " kernels; use --runner with a command "
                        "prefix (e.g. \"ssh pi@rpi3\"), slurm:PARTITION or model");
        }
        r.isa = profile.suffix;
        return make_host_runner(r);
    }
    if (profile.name.rfind("arm", 0) == 0 && access(profile.measurer.c_str(), X_OK) != 0) {
        throw Error("lpgen: this build has no cross-built lpgen for " + profile.name + " (" + profile.measurer + ")");
    }
    if (spec == "model") {
        if (profile.name != "arm64-a53") throw Error("lpgen: the model runner models arm64-a53 (Cortex-A53) only");
        r.emulator = o.model_check ? find_cross_profile(profile.name)->default_runner : "";
        return make_model_runner(r);
    }
    if (spec.rfind("slurm:", 0) == 0) {
        r.partition = spec.substr(6);
        r.copy = o.slurm_copy;
        r.slots = o.parallel_runs;
        if (x86) r.isa = profile.suffix;  // nodes like this host: the profile's variant, whatever they have
        return make_slurm_runner(r);
    }
    r.prefix = spec;
    return make_command_runner(r);
}

// One runner per --runner (a board, a partition, the host or the model), lent out by the pool.
RunnerPool make_runner_pool(const TuneCommandOptions &o, const ProfileInfo &profile) {
    std::vector<std::unique_ptr<Runner>> boards;
    for (const std::string &spec : o.runners) boards.push_back(make_runner(o, spec, profile));
    return RunnerPool(std::move(boards), o.parallel_runs);
}

std::string format_cost(double cost, bool modeled) {
    char text[32];
    if (modeled) {
        std::snprintf(text, sizeof text, "%.3g Mcyc", cost * 1e-6);
    } else {
        std::snprintf(text, sizeof text, "%.4f ms", cost * 1e3);
    }
    return text;
}

std::string format_duration(double seconds) {
    char text[32];
    if (seconds >= 60) {
        std::snprintf(text, sizeof text, "%dm%02ds", int(seconds) / 60, int(seconds) % 60);
    } else {
        std::snprintf(text, sizeof text, "%.0fs", seconds);
    }
    return text;
}

// Halide 14's Adams2019 autoscheduler on the task's generator, built and measured like a candidate.
Measurement measure_adams2019(const Task &task, const Catalog &catalog, const std::string &profile,
                              RunnerPool &runners, const TuneOptions &options) {
    const std::string estimate = adams2019_estimate(task.base);
    if (estimate.empty()) return {"failed", 0, 0, 0, "no size estimates for family " + task.base.family};
    const std::string function = "lpgen_adams2019_" + task.base.family;
    const std::string dir = options.work_dir + "/" + function;
    BuildRequest request{task.base.family, profile, "", function, dir, estimate};
    const BuildResult built = build_candidate(catalog, request, options.build_limit_s);
    if (!built.ok) return {"failed", 0, 0, 0, "build: " + built.error};
    Candidate c = task.base;
    c.function = function;
    c.shared_object = built.shared_object;
    c.assembly = built.assembly;
    const Measurement m = runners.acquire().runner().measure(c);
    std::filesystem::remove_all(dir);
    return m;
}

// Where this process builds its candidates: a folder of its own under --out (two tuners on one
// --out never touch each other's files), checked writable before anything is measured, so an
// unwritable or full --out stops the run instead of failing every candidate.
std::string prepare_work_dir(const std::string &out_dir) {
    const std::string dir = out_dir + "/candidates/" + std::to_string(getpid());
    std::error_code made;
    std::filesystem::create_directories(dir, made);
    if (made) throw Error("lpgen: cannot create the candidates folder " + dir + ": " + made.message());
    try {
        write_atomically(dir + "/.writable", std::string(4096, 'x'));  // a real block, so a full disk shows
    } catch (const Error &e) {
        throw Error(std::string("lpgen: --out '") + out_dir + "' cannot hold candidates: " + e.what());
    }
    std::filesystem::remove(dir + "/.writable", made);
    return dir;
}

// The records of an --import file that this build can apply, all or none.
void import_records(Database &db, const std::string &path, const Catalog &catalog, const nlohmann::json &spaces) {
    const std::string text = read_capped(path, "records file");
    check_json_depth(text, path);
    const auto taken = db.import_jsonl(text, path, [&](const Record &r) { return record_problem(r, catalog, spaces); });
    std::printf("imported %d records from %s (%d already present)\n", taken.added, path.c_str(), taken.present);
}

// Where a bit-serial layer x precision was tuned under both algorithms, which one won.
template <typename Row>
void print_algorithm_choices(const std::vector<Row> &rows, bool modeled) {
    bool header = false;
    for (size_t i = 0; i + 1 < rows.size(); ++i) {
        const Row &a = rows[i], &b = rows[i + 1];
        if (a.algorithm.empty() || b.algorithm.empty() || a.layer != b.layer || a.precision != b.precision) continue;
        if (!header) std::printf("\nalgorithm per layer x precision (generate keeps the faster):\n"), header = true;
        auto cost = [&](const Row &r) { return r.best_cost ? format_cost(*r.best_cost, modeled) : std::string("-"); };
        const char *winner = !a.best_cost && !b.best_cost ? "neither measured"
                             : !b.best_cost || (a.best_cost && *a.best_cost <= *b.best_cost) ? a.algorithm.c_str()
                                                                                               : b.algorithm.c_str();
        std::printf("  %-6s %-9s %s %s, %s %s -> %s\n", a.layer.c_str(), a.precision.c_str(), a.algorithm.c_str(),
                    cost(a).c_str(), b.algorithm.c_str(), cost(b).c_str(), winner);
    }
}

}  // namespace

int tune(const TuneCommandOptions &o) {
    kill_children_on_termination();
    const Catalog catalog = Catalog::load(o.catalog);
    const std::string profile_name = o.profile.empty() ? host_profile() : o.profile;
    const ProfileInfo &profile = catalog.profile(profile_name);
    RunnerPool runners = make_runner_pool(o, profile);
    Database db(o.db);
    const nlohmann::json spaces = load_knob_spaces(catalog);
    if (!o.import_path.empty()) import_records(db, o.import_path, catalog, spaces);
    const std::vector<PlannedTask> tasks = plan_tasks(o.layers, o.precisions, o.seed);
    const std::string work_dir = prepare_work_dir(o.out_dir);
    struct RemoveWhenDone {
        std::string dir;
        ~RemoveWhenDone() {
            std::error_code ignored;
            std::filesystem::remove_all(dir, ignored);
        }
    } remove_work_dir{work_dir};

    std::printf("tuning %zu layer x precision tasks for %s with the %s runner, at most %d trials each, seed %llu\n",
                tasks.size(), profile_name.c_str(), runners.name().c_str(), o.trials,
                static_cast<unsigned long long>(o.tune_seed));
    if (runners.concurrency() > 1 || o.parallel_runs > 1) {
        std::printf("measuring up to %d candidates at once on %zu runner%s\n", runners.concurrency(),
                    runners.boards(), runners.boards() > 1 ? "s" : "");
    }
    if (!runners.caveat().empty()) std::printf("%s\n", runners.caveat().c_str());
    std::printf("database: %s (%d stale records of other sources ignored)\n", o.db.c_str(),
                count_stale(db, tasks, profile_name, catalog.sources_hash));

    TuneOptions options;
    options.profile = profile_name;
    options.strategy.trials = o.trials;
    options.strategy.seed = o.tune_seed;
    options.jobs = o.jobs;
    options.build_limit_s = o.build_limit_s;
    options.work_dir = work_dir;
    options.retry_failed = o.retry_failed;
    int skipped = 0;  // builds past the time limit: not recorded
    options.tool_version = tool_version();
    if (o.budget_s > 0) options.deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(o.budget_s));
    const bool tty = isatty(STDOUT_FILENO);
    const bool modeled = runners.modeled();
    nlohmann::json summary = {{"profile", profile_name}, {"runner", runners.name()}, {"modeled", modeled},
                              {"seed", o.tune_seed}, {"tasks", nlohmann::json::array()}};
    const auto started = std::chrono::steady_clock::now();
    struct Row {
        std::string layer, precision, family, algorithm, default_knobs, best_knobs;
        std::optional<double> default_cost, best_cost;
        int trials, bad;
        std::optional<double> adams_cost;
        std::string adams_note;
        int skipped = 0;
    };
    std::vector<Row> rows(tasks.size());
    std::vector<nlohmann::json> task_summaries(tasks.size());
    // Tasks run side by side when several candidates can be measured at once: one task's builds
    // overlap another's measurements, and their compiles share --jobs.
    const bool side_by_side = runners.concurrency() > 1;
    BuildSlots build_slots(compile_jobs(options.jobs));
    std::atomic<bool> stop{false};
    if (side_by_side) options.build_slots = &build_slots, options.stop = &stop;
    if (!o.build_partition.empty()) options.build_launcher = slurm_build_launcher(o.build_partition, o.build_limit_s);
    std::mutex print_mutex;
    auto tune_one = [&](size_t t) {
        const PlannedTask &task = tasks[t];
        const Family &family = catalog.family(task.task.base.family);
        SearchSpace space = SearchSpace::load(spaces, family.schedule_template, profile_name);
        // The runtime splits calls over its own threads (lpgen_set_num_threads); a schedule's
        // Halide-parallel loops would add threads of their own behind its back.
        space.fix("parallel", 0);
        const bool live = tty && !side_by_side;  // a progress line, when one task runs at a time
        const auto task_start = std::chrono::steady_clock::now();
        auto progress = [&](const TaskResult &r, int total) {
            if (!live) return;
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - task_start).count();
            const int done = static_cast<int>(r.trials.size());
            const double eta = done > 0 ? elapsed / done * (total - done) : 0;
            std::string best = r.best_time ? format_cost(*r.best_time, modeled) : "-";
            if (r.best_time && r.default_time) {
                char ratio[32];
                std::snprintf(ratio, sizeof ratio, " (%.2fx default)", *r.default_time / *r.best_time);
                best += ratio;
            }
            std::printf("\r[%zu/%zu %s %s] %d/%d trials, best %s, ETA %s   ", t + 1, tasks.size(),
                        task.task.layer_name.c_str(), task.task.base.precision.c_str(), done, total, best.c_str(),
                        format_duration(eta).c_str());
            std::fflush(stdout);
        };
        const TaskResult r = tune_task(task.task, catalog, space, runners, db, options, progress);
        if (live) std::printf("\n");
        const int bad = static_cast<int>(r.trials.size()) - r.count("ok");
        Row &row = rows[t];
        row = {task.task.layer_name, task.task.base.precision, task.task.base.family, task.algorithm, r.default_knobs,
               r.best_knobs, r.default_time, r.best_time, static_cast<int>(r.trials.size()), bad, {}, "", r.count("skipped")};
        if (o.compare_adams2019) {
            const Measurement adams = measure_adams2019(task.task, catalog, profile_name, runners, options);
            if (adams.verdict == "ok") {
                row.adams_cost = modeled ? adams.modeled_cycles : adams.median_s;
            } else {
                row.adams_note = adams.verdict + ": " + adams.detail.substr(0, 300);
                const std::lock_guard<std::mutex> lock(print_mutex);
                std::printf("  Adams2019 on %s %s: %s\n", task.task.layer_name.c_str(), task.task.base.precision.c_str(),
                            row.adams_note.c_str());
            }
        }
        if (!live) {
            const std::lock_guard<std::mutex> lock(print_mutex);
            std::printf("  [%zu/%zu] %s %s: %d trials, best %s\n", t + 1, tasks.size(), task.task.layer_name.c_str(),
                        task.task.base.precision.c_str(), static_cast<int>(r.trials.size()),
                        r.best_time ? format_cost(*r.best_time, modeled).c_str() : "-");
            std::fflush(stdout);
        }
        nlohmann::json trials = nlohmann::json::array();
        for (const Trial &trial : r.trials) {
            trials.push_back({{"knobs", trial.knobs}, {"verdict", trial.verdict}, {"cost", trial.cost},
                              {"detail", trial.detail}, {"resumed", trial.resumed}});
        }
        task_summaries[t] = {{"layer", task.task.layer_name}, {"precision", task.task.base.precision},
                             {"family", task.task.base.family}, {"shape", task.task.base.shape},
                             {"algorithm", task.algorithm},
                             {"default_knobs", r.default_knobs}, {"best_knobs", r.best_knobs},
                             {"default_cost", r.default_time ? nlohmann::json(*r.default_time) : nlohmann::json()},
                             {"best_cost", r.best_time ? nlohmann::json(*r.best_time) : nlohmann::json()},
                             {"adams2019_cost", row.adams_cost ? nlohmann::json(*row.adams_cost) : nlohmann::json()},
                             {"adams2019_note", row.adams_note},
                             {"best_so_far", r.best_so_far}, {"trials", trials}};
    };
    // Tasks of the same kernel and shape (two layers alike) share candidates: one worker takes
    // them in turn, the later resuming the earlier's records instead of building them again.
    std::vector<std::vector<size_t>> groups;
    {
        std::map<std::string, size_t> group_of;
        for (size_t t = 0; t < tasks.size(); ++t) {
            const Candidate &b = tasks[t].task.base;
            const std::string key = b.family + "|" + b.shape + "|" + b.precision + "|" + b.algorithm;
            auto [it, fresh] = group_of.emplace(key, groups.size());
            if (fresh) groups.emplace_back();
            groups[it->second].push_back(t);
        }
    }
    parallel_for(groups.size(), side_by_side ? runners.concurrency() : 1, [&](size_t g) {
        for (size_t t : groups[g]) tune_one(t);
    });
    for (const Row &row : rows) skipped += row.skipped;
    for (nlohmann::json &task_summary : task_summaries) summary["tasks"].push_back(std::move(task_summary));

    const bool adams = o.compare_adams2019;
    std::printf("\n%-6s %-9s %-26s %13s %13s %8s", "layer", "prec", "kernel family", "default", "tuned", "speedup");
    if (adams) std::printf(" %13s %9s", "Adams2019", "tuned vs");
    std::printf(" %7s  %s\n", "trials", "best knobs");
    double total_default = 0, total_best = 0, total_adams = 0, total_best_vs_adams = 0;
    bool complete = true, adams_complete = true;
    auto ratio = [](std::optional<double> a, std::optional<double> b) {
        char text[16] = "-";
        if (a && b) std::snprintf(text, sizeof text, "%.2fx", *a / *b);
        return std::string(text);
    };
    auto cost = [&](std::optional<double> c) { return c ? format_cost(*c, modeled) : std::string("-"); };
    for (const Row &row : rows) {
        const bool both = row.default_cost && row.best_cost;
        complete = complete && both;
        if (both) total_default += *row.default_cost, total_best += *row.best_cost;
        adams_complete = adams_complete && row.adams_cost && row.best_cost;
        if (row.adams_cost && row.best_cost) total_adams += *row.adams_cost, total_best_vs_adams += *row.best_cost;
        std::printf("%-6s %-9s %-26s %13s %13s %8s", row.layer.c_str(), row.precision.c_str(), row.family.c_str(),
                    cost(row.default_cost).c_str(), cost(row.best_cost).c_str(), ratio(row.default_cost, row.best_cost).c_str());
        if (adams) std::printf(" %13s %9s", cost(row.adams_cost).c_str(), ratio(row.adams_cost, row.best_cost).c_str());
        std::printf(" %4d/%-2d  %s\n", row.trials - row.bad, row.trials, row.best_knobs.c_str());
    }
    if (total_best > 0) {
        std::printf("%-6s %-9s %-26s %13s %13s %7.2fx", "total", "", "", format_cost(total_default, modeled).c_str(),
                    format_cost(total_best, modeled).c_str(), total_default / total_best);
        if (adams && total_best_vs_adams > 0) {
            std::printf(" %13s %8.2fx", format_cost(total_adams, modeled).c_str(), total_adams / total_best_vs_adams);
        }
        std::printf("%s\n", complete && (!adams || adams_complete) ? "" : "  (rows without both times left out of a ratio)");
    }
    print_algorithm_choices(rows, modeled);
    summary["total"] = {{"default", total_default}, {"tuned", total_best}, {"adams2019", total_adams},
                        {"tuned_where_adams2019", total_best_vs_adams}};
    std::printf("(trials: valid/all; default = the profile's hand-written configuration, compiled and measured the same way%s)\n",
                adams ? "; Adams2019 = Halide 14's autoscheduler on the same generator, one thread" : "");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    summary["seconds"] = seconds;
    const std::string json_path = o.out_dir + "/tuning.json";
    write_atomically(json_path, summary.dump(1) + "\n");
    std::printf("\nsummary: %s\n", json_path.c_str());
    draw_chart("plot_tuning.py", json_path, o.out_dir + "/tuning.png");
    if (!o.export_path.empty()) {
        write_atomically(o.export_path, db.to_jsonl());
        std::printf("records exported to %s\n", o.export_path.c_str());
    }
    std::printf("done in %s\n", format_duration(seconds).c_str());
    if (skipped > 0) {
        std::fprintf(stderr,
                     "lpgen: %d candidates were not measured: their builds ran past --build-timeout (%g s) and "
                     "nothing was recorded for them; rerun with a larger --build-timeout\n",
                     skipped, o.build_limit_s);
        return 1;
    }
    return 0;
}

std::string tune_and_load_for_demo(const BenchOptions &b) {
    std::vector<std::string> tunable;
    for (const Precision &p : parse_precisions(b.precisions)) {
        if (!p.is_baseline()) tunable.push_back(p.name);
    }
    std::string precisions;
    for (const auto &p : tunable) precisions += (precisions.empty() ? "" : ",") + p;
    mkdir(b.out_dir.c_str(), 0755);
    TuneCommandOptions t;
    t.layers = b.layers, t.precisions = precisions, t.seed = b.seed;
    t.trials = 4;  // the default and three more: a brief search, resumed and extended by the next demo
    t.budget_s = b.tune_seconds;
    t.db = b.out_dir + "/tuning.db";
    t.out_dir = b.out_dir + "/tune";
    std::printf("== tuning (at most %.0f s; records in %s, resumed by the next run) ==\n", b.tune_seconds, t.db.c_str());
    tune(t);
    GenerateOptions g;
    g.layers = b.layers, g.precisions = precisions, g.seed = b.seed;
    g.db = t.db;
    g.name = "lpgen_demo_kernels";
    g.out_dir = b.out_dir + "/bundle";
    std::printf("\n== generating the bundle ==\n");
    generate(g);
    const Manifest m = load_bundle(g.out_dir);
    size_t tuned = 0;
    for (const ManifestEntry &e : m.entries) tuned += !e.function.empty();
    std::printf("\n== timing ==\n");
    return "bundle " + g.out_dir + ": tuned kernels for " + std::to_string(tuned) + " of " +
           std::to_string(m.entries.size()) + " layer x precision calls, the profile's defaults for the rest";
}

}  // namespace lpgen::cli
