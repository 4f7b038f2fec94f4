// The tuning loop for one task (a layer at a precision on a profile): the strategy proposes
// configurations, the builder compiles a batch of them in parallel, the pool's boards measure
// them (as many at once as it lends, one per board), and every result of the candidate itself, good or bad, becomes a database
// record at once (with why, when it is bad). Failures of the host are not the candidate's: a
// build past its time limit is skipped unrecorded, and any other (EnvironmentError) stops the run. A resumed
// run takes what the database already holds for the task and goes on from there.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "builder.h"
#include "lpgen/bitserial.hpp"
#include "catalog.h"
#include "database.h"
#include "runner.h"
#include "runner_pool.h"
#include "search_space.h"
#include "strategy.h"

namespace lpgen::tune {

// The host or a board failed, not a candidate (a full disk, an unwritable folder, a runner that
// cannot be started, a board that cannot be reached): tune_task stops at once, having recorded
// nothing about the candidate it was on. What it finished before stays recorded.
struct EnvironmentError : Error {
    using Error::Error;
};

struct Task {
    std::string layer_name;
    Candidate base;  // layer, precision, family, shape, work; no library
};

struct TuneOptions {
    std::string profile;
    StrategyOptions strategy;
    int jobs = 0;              // parallel compiles (0: every hardware thread)
    // Shared by tasks tuned at once, so that together they run at most that many compiles.
    BuildSlots *build_slots = nullptr;
    std::vector<std::string> build_launcher;  // compiles through it (srun on a build partition)
    // Shared by tasks tuned at once: set when one stops for an EnvironmentError, so that the
    // others start no new batch either.
    std::atomic<bool> *stop = nullptr;
    double build_limit_s = 300;
    std::string work_dir = "lpgen-tune";
    std::string tool_version;
    // Candidates recorded as failed, wrong, crashed or timed out are measured again (and their
    // records replaced) instead of being taken as they are.
    bool retry_failed = false;
    // No new batch starts after this moment (a bounded run, e.g. the demo's): unset, none.
    std::optional<std::chrono::steady_clock::time_point> deadline;
};

struct Trial {
    std::string knobs, verdict, detail;
    double cost = 0;  // median seconds, or modeled cycles
    bool resumed = false;
};

struct TaskResult {
    std::optional<double> default_time, best_time;  // seconds (cycles when modeled)
    std::string default_knobs, best_knobs;
    std::vector<Trial> trials;
    std::vector<double> best_so_far;  // after each trial (NaN until one is valid)
    int count(const std::string &verdict) const;
};

using Progress = std::function<void(const TaskResult &so_far, int total)>;

TaskResult tune_task(const Task &task, const Catalog &catalog, const SearchSpace &space, RunnerPool &runners,
                     Database &db, const TuneOptions &options, const Progress &progress);

// body(0 .. n-1) on up to `workers` threads; the first exception is rethrown after all stop,
// and no new index starts once one has thrown.
void parallel_for(size_t n, int workers, const std::function<void(size_t)> &body);

// The sizes in a dispatch shape ("conv2d 1x56x56x64->64 k3x3 s1x1 d1x1 p1,1,1,1",
// "gemm 1024x1024x1024"), in order, the operator's name left out.
std::vector<int> shape_numbers(const std::string &shape);

// Seeds from the nearest tuned shape: the best knobs recorded for the same family, precision,
// profile and runner at the shape closest to `shape` (by the log-ratio of their numbers).
std::vector<Config> nearest_shape_seeds(const Database &db, const Task &task, const SearchSpace &space,
                                        const std::string &profile, const std::string &runner,
                                        const std::string &sources_hash);

}  // namespace lpgen::tune
