#include "tuner.h"

#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "lpgen/bitserial.hpp"

namespace lpgen::tune {
namespace {

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return text;
}

// A symbol per (family, shape, knobs): candidates never clash in a directory or a process.
std::string candidate_symbol(const std::string &family, const std::string &shape, const std::string &knobs) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (char c : family + "|" + shape + "|" + knobs) h = (h ^ uint8_t(c)) * 1099511628211ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    std::string name = family;  // a configured family's '@' and ':' are no identifier characters
    for (char &c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return "lpgen_tune_" + name + "_" + hex;
}

}  // namespace

std::vector<int> shape_numbers(const std::string &shape) {
    std::vector<int> out;
    const size_t start = shape.find(' ');  // past the operator's name: "conv2d" has a digit of its own
    if (start == std::string::npos) return out;
    static const std::regex number(R"(\d+)");
    for (auto it = std::sregex_iterator(shape.begin() + start, shape.end(), number); it != std::sregex_iterator(); ++it) {
        out.push_back(std::stoi(it->str()));
    }
    return out;
}

int TaskResult::count(const std::string &verdict) const {
    int n = 0;
    for (const Trial &t : trials) n += t.verdict == verdict;
    return n;
}

std::vector<Config> nearest_shape_seeds(const Database &db, const Task &task, const SearchSpace &space,
                                        const std::string &profile, const std::string &runner,
                                        const std::string &sources_hash) {
    const std::vector<int> here = shape_numbers(task.base.shape);
    std::map<std::string, Record> best_per_shape;
    for (const Record &r : db.all()) {
        if (r.op != task.base.family || r.precision != task.base.precision || r.profile != profile ||
            r.runner != runner || r.sources_hash != sources_hash || r.verdict != "ok" || r.shape == task.base.shape) {
            continue;
        }
        auto it = best_per_shape.find(r.shape);
        if (it == best_per_shape.end() || r.cost() < it->second.cost()) best_per_shape[r.shape] = r;
    }
    double nearest = std::numeric_limits<double>::infinity();
    std::vector<Config> seeds;
    for (const auto &[shape, r] : best_per_shape) {
        const std::vector<int> there = shape_numbers(shape);
        if (there.size() != here.size()) continue;
        double distance = 0;
        for (size_t i = 0; i < here.size(); ++i) distance += std::fabs(std::log((here[i] + 1.0) / (there[i] + 1.0)));
        try {
            const Config config = space.from_knobs(r.knobs);
            if (distance < nearest) nearest = distance, seeds = {config};
        } catch (const Error &) {  // a record from another version of the space
        }
    }
    return seeds;
}

TaskResult tune_task(const Task &task, const Catalog &catalog, const SearchSpace &space, RunnerPool &runners,
                     Database &db, const TuneOptions &o, const Progress &progress) {
    TaskResult result;
    result.default_knobs = space.to_knobs(space.default_config());
    const std::vector<Config> seeds =
        nearest_shape_seeds(db, task, space, o.profile, runners.name(), catalog.sources_hash);
    Strategy strategy(space, o.strategy, seeds);
    const int total = std::min<int>(o.strategy.trials, static_cast<int>(space.valid().size()));

    Record key;
    key.op = task.base.family, key.shape = task.base.shape, key.precision = task.base.precision;
    key.profile = o.profile, key.runner = runners.name(), key.sources_hash = catalog.sources_hash;
    double best = std::numeric_limits<double>::infinity();
    auto note = [&](const Trial &trial) {
        if (trial.verdict == "ok") {
            if (trial.knobs == result.default_knobs) result.default_time = trial.cost;
            if (trial.cost < best) best = trial.cost, result.best_time = trial.cost, result.best_knobs = trial.knobs;
        }
        result.trials.push_back(trial);
        result.best_so_far.push_back(std::isfinite(best) ? best : std::nan(""));
        if (progress) progress(result, total);
    };

    // Resume: what an earlier run of this task recorded counts, in the order it was measured,
    // and is not measured again.
    for (const Record &r : db.all()) {
        if (r.op != key.op || r.shape != key.shape || r.precision != key.precision || r.profile != key.profile ||
            r.runner != key.runner || r.sources_hash != key.sources_hash) {
            continue;
        }
        if (o.retry_failed && r.verdict != "ok") continue;  // measured again below
        Config config;
        try {
            config = space.from_knobs(r.knobs);
        } catch (const Error &) {  // outside this space (e.g. a knob fixed by this run)
            continue;
        }
        strategy.already_measured(config, r.verdict == "ok" ? std::optional<double>(r.cost()) : std::nullopt);
        note({r.knobs, r.verdict, r.detail.empty() ? "recorded earlier" : "recorded earlier: " + r.detail, r.cost(), true});
    }

    const int jobs = compile_jobs(o.jobs);
    for (;;) {
        if (o.deadline && std::chrono::steady_clock::now() >= *o.deadline) break;
        if (o.stop && o.stop->load()) break;  // another task stopped the run
        std::vector<Config> batch;
        while (static_cast<int>(batch.size()) < jobs) {
            auto next = strategy.next();
            if (!next) break;
            batch.push_back(*next);
        }
        if (batch.empty()) break;
        std::vector<BuildRequest> requests;
        for (const Config &config : batch) {
            const std::string knobs = space.to_knobs(config);
            const std::string symbol = candidate_symbol(task.base.family, task.base.shape, knobs);
            requests.push_back({task.base.family, o.profile, knobs, symbol, o.work_dir + "/" + symbol, "", o.build_launcher});
        }
        const std::vector<BuildResult> built = build_all(catalog, requests, jobs, o.build_limit_s, o.build_slots);
        for (const BuildResult &b : built) {
            if (b.environment) {
                if (o.stop) *o.stop = true;
                throw EnvironmentError("lpgen: stopped: building a candidate failed for a reason of this host, not of "
                                       "the candidate (nothing recorded for it; rerun to resume): " + b.error);
            }
        }
        // The batch's candidates are measured on as many boards at once as the pool lends, each
        // recorded the moment it finishes; the strategy hears of them in batch order, so the
        // search is the same however many boards there are.
        std::vector<Measurement> measured(batch.size());
        parallel_for(batch.size(), runners.concurrency(), [&](size_t i) {
            if (built[i].timed_out) return;
            Measurement &m = measured[i];
            if (!built[i].ok) {
                m = {"failed", 0, 0, 0, "build: " + built[i].error};
            } else {
                Candidate c = task.base;
                c.function = requests[i].function;
                c.shared_object = built[i].shared_object;
                c.assembly = built[i].assembly;
                const RunnerPool::Lease board = runners.acquire();
                m = board.runner().measure(c);
                if (m.environment) {
                    m.detail = "the runner '" + board.runner().name() + "' failed, not the candidate: " + m.detail;
                    return;
                }
            }
            Record r = key;
            r.knobs = requests[i].knobs;
            r.verdict = m.verdict;
            r.median_s = m.median_s, r.spread_s = m.spread_s, r.modeled_cycles = m.modeled_cycles;
            r.tool_version = o.tool_version;
            r.measured_on = m.measured_on;
            if (m.verdict != "ok") r.detail = m.detail.substr(0, 2000);
            r.timestamp = utc_now();
            db.insert(r);  // committed at once: a killed tuner loses nothing finished
        });
        for (size_t i = 0; i < batch.size(); ++i) {
            if (measured[i].environment) {
                if (o.stop) *o.stop = true;
                throw EnvironmentError("lpgen: stopped: " + measured[i].detail +
                                       " (nothing recorded for it; rerun to resume)");
            }
        }
        for (size_t i = 0; i < batch.size(); ++i) {
            std::error_code removed;
            std::filesystem::remove_all(requests[i].dir, removed);
            if (built[i].timed_out) {  // a slow host or a short --build-timeout, not a bad configuration
                strategy.report(batch[i], std::nullopt);
                note({requests[i].knobs, "skipped", "not recorded: " + built[i].error.substr(0, 200) +
                                                        " (raise --build-timeout)", 0, false});
                continue;
            }
            const Measurement &m = measured[i];
            const double cost = runners.modeled() ? m.modeled_cycles : m.median_s;
            strategy.report(batch[i], m.verdict == "ok" ? std::optional<double>(cost) : std::nullopt);
            note({requests[i].knobs, m.verdict, m.detail, cost, false});
        }
    }
    return result;
}

void parallel_for(size_t n, int workers, const std::function<void(size_t)> &body) {
    std::atomic<size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    auto work = [&] {
        for (size_t i; (i = next++) < n;) {
            try {
                body(i);
            } catch (...) {
                const std::lock_guard<std::mutex> lock(failure_mutex);
                if (!failure) failure = std::current_exception();
                next = n;  // start nothing more
            }
        }
    };
    const size_t threads = std::min<size_t>(n, std::max(1, workers));
    if (threads <= 1) {
        work();
    } else {
        std::vector<std::thread> pool;
        for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
        for (auto &t : pool) t.join();
    }
    if (failure) std::rethrow_exception(failure);
}

}  // namespace lpgen::tune
