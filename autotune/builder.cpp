#include "builder.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "lpgen/bitserial.hpp"
#include "subprocess.h"

namespace lpgen::tune {
namespace {

// Runs one step; on failure fills `result.error` and returns false.
bool step(const char *what, const std::vector<std::string> &launcher, const std::vector<std::string> &command,
          double limit_s, BuildResult &result) {
    std::vector<std::string> argv = launcher;
    argv.insert(argv.end(), command.begin(), command.end());
    const ProcessResult p = run_captured(argv, limit_s);
    if (p.ok()) return true;
    result.error = std::string(what) + " failed (" + p.describe() + "): " + tail_of(p.output, 2000);
    result.environment = environment_failure(p);
    result.timed_out = p.timed_out;
    return false;
}

}  // namespace

BuildResult build_candidate(const Catalog &catalog, const BuildRequest &r, double limit_s) {
    const auto start = std::chrono::steady_clock::now();
    BuildResult result;
    const Family &family = catalog.family(r.family);
    const ProfileInfo &profile = catalog.profile(r.profile);
    std::error_code made;
    std::filesystem::create_directories(r.dir, made);
    if (made) {
        result.error = "cannot create " + r.dir + ": " + made.message();
        result.environment = true;
        return result;
    }
    const std::string base = r.dir + "/" + r.function;
    std::vector<std::string> generate = {catalog.generators, "-g", family.generator, "-f", r.function, "-o", r.dir, "-e"};
    const bool via_llc = !profile.llc_cpu.empty();
    generate.push_back(via_llc ? "llvm_assembly,c_header" : "object,assembly,c_header");
    generate.push_back("target=" + profile.halide_target + "-no_runtime");
    for (const auto &p : family.params) generate.push_back(p);
    if (!r.knobs.empty()) generate.push_back("knobs=" + r.knobs);
    if (!r.adams2019_estimate.empty()) {
        if (catalog.adams2019.empty()) throw Error("lpgen: this build found no Adams2019 autoscheduler plugin");
        // One thread, as lpgen's schedules are measured; a 16 MiB last-level cache; Halide's default balance.
        for (const std::string &a : {std::string("-p"), catalog.adams2019, std::string("-s"), std::string("Adams2019"),
                                     std::string("auto_schedule=true"), std::string("machine_params=1,16777216,40"),
                                     "estimate=" + r.adams2019_estimate}) {
            generate.push_back(a);
        }
    }

    const std::vector<std::string> &on = r.launcher;
    bool ok = step("generator", on, generate, limit_s, result);
    if (ok && via_llc) {
        // As in cmake/LpgenKernels.cmake: Halide lowers, llc compiles for exactly the profile's CPU.
        const std::vector<std::string> llc = {catalog.llc, "-O3", "-mcpu=" + profile.llc_cpu, "-relocation-model=pic",
                                              base + ".ll"};
        auto with = [&](std::vector<std::string> extra) {
            std::vector<std::string> argv = llc;
            argv.insert(argv.end(), extra.begin(), extra.end());
            return argv;
        };
        ok = step("llc", on, with({"-filetype=obj", "-o", base + ".o"}), limit_s, result) &&
             step("llc", on, with({"-filetype=asm", "-o", base + ".s"}), limit_s, result);
    }
    ok = ok && step("link", on, {profile.cxx, "-shared", "-o", base + ".so", base + ".o"}, limit_s, result);
    std::error_code removed;
    std::filesystem::remove(base + ".a", removed);
    ok = ok && step("ar", on, {"ar", "qc", base + ".a", base + ".o"}, limit_s, result);
    result.ok = ok;
    if (ok) {
        result.shared_object = base + ".so";
        result.static_library = base + ".a";
        result.assembly = base + ".s";
        result.header = base + ".h";
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

int compile_jobs(int jobs) { return jobs > 0 ? jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

std::vector<BuildResult> build_all(const Catalog &catalog, const std::vector<BuildRequest> &requests, int jobs,
                                   double limit_s, BuildSlots *slots) {
    std::vector<BuildResult> results(requests.size());
    jobs = compile_jobs(jobs);
    std::atomic<size_t> next{0};
    auto worker = [&] {
        for (size_t i; (i = next++) < requests.size();) {
            if (slots) slots->acquire();
            try {
                results[i] = build_candidate(catalog, requests[i], limit_s);
            } catch (const std::exception &e) {  // fork or pipe failed: this host, not the candidate
                results[i].error = e.what();
                results[i].environment = true;
            }
            if (slots) slots->release();
        }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < std::min<int>(jobs, static_cast<int>(requests.size())); ++t) threads.emplace_back(worker);
    for (auto &t : threads) t.join();
    return results;
}

}  // namespace lpgen::tune
