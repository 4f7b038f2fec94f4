// The Slurm runner: each measurement is a job step on a node of a partition, one task on an
// exclusive node (so no other candidate runs beside it), under a time limit from --run-timeout.
// The measuring binary and the candidate reach the node by a shared file system (the same
// paths there as here: a cluster's home or project folder) or, with copy "sbcast", by copying
// them into the job's allocation. Slurm's outcomes map to the tuner's verdicts:
//   time limit              -> "timeout" (the candidate's doing: recorded)
//   node failure, preempted -> measured again once elsewhere (the failed node excluded); a second
//                              such failure stops the tuner, nothing recorded
//   cancelled, no such partition, no controller -> the environment: the tuner stops
#include <algorithm>
#include <atomic>
#include <regex>
#include <unistd.h>

#include "lpgen/bitserial.hpp"
#include "runner.h"
#include "subprocess.h"

namespace lpgen::tune {
namespace {

std::string joined(const std::vector<std::string> &words) {
    std::string out;
    for (const std::string &w : words) out += (out.empty() ? "" : " ") + shell_quote(w);
    return out;
}

// What Slurm said about a job that did not report a measurement.
struct SlurmOutcome {
    enum Kind { none, time_limit, node_failure, preempted, cancelled, refused } kind = none;
    std::string node;  // node_failure: which
};

SlurmOutcome slurm_outcome(const std::string &output) {
    static const std::regex node_failure(R"(Node failure on (\S+))");
    static const std::regex stepd_node(R"(\*\*\* (?:STEP|JOB) \S+ ON (\S+) CANCELLED AT \S+ DUE TO NODE FAIL)");
    std::smatch m;
    if (std::regex_search(output, m, node_failure) || std::regex_search(output, m, stepd_node)) {
        return {SlurmOutcome::node_failure, m[1]};
    }
    if (output.find("DUE TO TIME LIMIT") != std::string::npos ||
        output.find("exceeded its time limit") != std::string::npos) {
        return {SlurmOutcome::time_limit, ""};
    }
    if (output.find("DUE TO PREEMPTION") != std::string::npos) return {SlurmOutcome::preempted, ""};
    if (output.find("CANCELLED") != std::string::npos) return {SlurmOutcome::cancelled, ""};
    for (const char *refusal : {"Unable to allocate resources", "Invalid partition", "Unable to contact slurm controller",
                                "Slurm controller not responding", "Invalid job id", "sbcast: error"}) {
        if (output.find(refusal) != std::string::npos) return {SlurmOutcome::refused, ""};
    }
    return {};
}

class SlurmRunner : public Runner {
public:
    explicit SlurmRunner(RunnerOptions o) : o_(std::move(o)) {
        if (o_.partition.empty()) throw Error("lpgen: the Slurm runner needs a partition: --runner slurm:PARTITION");
        if (o_.copy != "shared" && o_.copy != "sbcast") {
            throw Error("lpgen: --slurm-copy must be shared or sbcast, not '" + o_.copy + "'");
        }
    }

    Measurement measure(const Candidate &c) override {
        std::string excluded;
        Attempt first = attempt(c, excluded);
        if (!first.lost) return first.m;
        // A node failed or the job was preempted: not the candidate's doing; once more elsewhere.
        Attempt second = attempt(c, excluded);
        Measurement m = second.m;
        if (second.lost) {
            m = {"failed", 0, 0, 0, "Slurm lost the job twice (" + first.m.detail + "; then " + m.detail + ")", true};
        } else {
            m.detail = (m.detail.empty() ? "" : m.detail + "; ") + "measured again after: " + first.m.detail;
        }
        return m;
    }

    std::string name() const override { return "slurm:" + o_.partition; }
    int capacity() const override { return o_.slots; }

private:
    // One job. Lost: Slurm lost it through no fault of the candidate (a failed node, which joins
    // `excluded`, or preemption).
    struct Attempt {
        Measurement m;
        bool lost = false;
    };
    Attempt attempt(const Candidate &c, std::string &excluded) {
        const std::string job_name = "lpgen-measure-" + std::to_string(getpid()) + "-" + std::to_string(++jobs_);
        std::vector<std::string> allocation = {"--partition=" + o_.partition, "--nodes=1", "--ntasks=1", "--exclusive",
                                               "--time=" + std::to_string(slurm_minutes(o_.limit_s)),
                                               "--job-name=" + job_name};
        if (!excluded.empty()) allocation.push_back("--exclude=" + excluded);
        std::vector<std::string> argv;
        if (o_.copy == "shared") {
            argv = {"srun", "--kill-on-bad-exit=1"};
            argv.insert(argv.end(), allocation.begin(), allocation.end());
            argv.push_back("--");
            for (auto &a : measuring_command(o_.measurer, c, c.shared_object, o_)) argv.push_back(a);
        } else {
            // An allocation whose script copies both files to the node's /tmp, measures, removes them.
            const std::string at = "/tmp/lpgen-$SLURM_JOB_ID";
            std::string script = "sbcast -f " + shell_quote(o_.measurer) + " " + at + "-lpgen || exit 125; ";
            std::string library;
            if (!c.shared_object.empty()) {
                script += "sbcast -f " + shell_quote(c.shared_object) + " " + at + "-candidate.so || exit 125; ";
                library = "@LIBRARY@";
            }
            std::string measure = joined(measuring_command("@MEASURER@", c, library, o_));
            auto replace = [&](const std::string &from, const std::string &to) {
                for (size_t at_ = measure.find(from); at_ != std::string::npos; at_ = measure.find(from, at_ + to.size())) {
                    measure.replace(at_, from.size(), to);
                }
            };
            replace("'@MEASURER@'", "\"" + at + "-lpgen\"");
            replace("'@LIBRARY@'", "\"" + at + "-candidate.so\"");
            script += "srun --ntasks=1 " + measure + "; rc=$?; srun --ntasks=1 rm -f " + at + "-lpgen " + at +
                      "-candidate.so; exit $rc";
            argv = {"salloc"};
            argv.insert(argv.end(), allocation.begin(), allocation.end());
            argv.insert(argv.end(), {"--", "sh", "-c", script});
        }
        // Slurm enforces the limit (whole minutes, checked every 30 s, then a kill wait); this
        // process waits long enough for it to say so.
        const ProcessResult p = run_captured(argv, slurm_minutes(o_.limit_s) * 60.0 + 120);
        if (p.timed_out) {  // Slurm did not end it: cancel what may still run there
            run_captured({"scancel", "--name=" + job_name}, 30);
            return {{"timeout", 0, 0, 0, p.describe() + " (Slurm did not end the job at its time limit)"}};
        }
        Measurement m = parse_measurement(p.output);
        if (!m.measured_on.empty() || m.verdict != "failed" || !m.detail.empty()) return {m};
        const SlurmOutcome outcome = slurm_outcome(p.output);
        const std::string said = tail_of(p.output, 600);
        switch (outcome.kind) {
        case SlurmOutcome::time_limit:
            return {{"timeout", 0, 0, 0, "Slurm ended the job at its time limit (" +
                                        std::to_string(slurm_minutes(o_.limit_s)) + " min): " + said}};
        case SlurmOutcome::node_failure:
            excluded += (excluded.empty() ? "" : ",") + outcome.node;
            return {{"failed", 0, 0, 0, "node " + outcome.node + " failed"}, true};
        case SlurmOutcome::preempted:
            return {{"failed", 0, 0, 0, "the job was preempted"}, true};
        case SlurmOutcome::cancelled:
            return {{"failed", 0, 0, 0, "the job was cancelled (scancel or an administrator): " + said, true}};
        case SlurmOutcome::refused:
            return {{"failed", 0, 0, 0, "Slurm refused the job: " + said, true}};
        case SlurmOutcome::none:
            break;
        }
        if (p.exit_code == 125) return {{"failed", 0, 0, 0, "sbcast could not copy to the node: " + said, true}};
        static const std::regex task_signal(
            R"(task 0: (Segmentation fault|Aborted|Killed|Bus error|Illegal instruction|Floating point exception))");
        std::smatch s;
        if (std::regex_search(p.output, s, task_signal)) return {{"crashed", 0, 0, 0, s[1].str() + ": " + said}};
        return {from_process(p)};
    }

    RunnerOptions o_;
    std::atomic<int> jobs_{0};  // names each job (several threads measure through this runner at once)
};

}  // namespace

int slurm_minutes(double seconds) { return std::max(1, int((seconds + 59) / 60)); }

std::vector<std::string> slurm_build_launcher(const std::string &partition, double limit_s) {
    return {"srun", "--partition=" + partition, "--nodes=1", "--ntasks=1", "--cpus-per-task=1",
            "--time=" + std::to_string(slurm_minutes(limit_s)), "--job-name=lpgen-build", "--quiet", "--"};
}

std::unique_ptr<Runner> make_slurm_runner(const RunnerOptions &options) { return std::make_unique<SlurmRunner>(options); }

}  // namespace lpgen::tune
