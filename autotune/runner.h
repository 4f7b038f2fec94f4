// Runners: how a built candidate is measured.
//   host    - this machine: `lpgen measure-candidate` in its own process with a time limit;
//   command - the profile's cross-built lpgen through a user-given prefix: "ssh user@board"
//             (binary and candidate copied with scp first) or any local prefix such as
//             "qemu-aarch64 -cpu cortex-a53 -L /usr/aarch64-linux-gnu" (emulated: correctness
//             and plumbing only, its times say nothing about a board);
//   slurm   - a job step on a node of a Slurm partition (slurm_runner.cpp);
//   model   - no execution: Cortex-A53 cycles from llvm-mca over the candidate's hottest inner
//             loop (see model_runner.cpp); such records are marked modeled.
// Every runner checks the candidate's output against the scalar reference before its time
// counts (the model runner runs it under qemu for that).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace lpgen::tune {

struct Candidate {
    std::string layer_json;  // one layer-list object
    std::string precision;   // "1A1W", "mxfp4", ...
    std::string family, shape;
    std::string function;       // symbol in the shared object
    std::string shared_object;  // empty: the build's default kernel
    std::string assembly;
    // Bit-serial precisions: the algorithm the candidate is a kernel of, forced while it is
    // measured ("popcount", "int8-dot"; empty: the runtime's rule).
    std::string algorithm;
    // The model runner's work count: popcount bits (bit-serial, K padded to 64) or
    // multiply-accumulates (other families, K padded to 32).
    double work = 0;
};

struct Measurement {
    std::string verdict;  // "ok", "wrong", "failed", "crashed", "timeout"
    double median_s = 0, spread_s = 0;  // measured
    double modeled_cycles = 0;          // modeled
    std::string detail;
    // The host, the board or the link to it failed, not the candidate (a runner that cannot be
    // started, ssh or scp failing to connect or copy): the tuner stops and records nothing.
    bool environment = false;
    std::string measured_on;  // where it ran: the node or board ("" when modeled)
};

class Runner {
public:
    virtual ~Runner() = default;
    virtual Measurement measure(const Candidate &candidate) = 0;
    // How records name it: "host", "command:<prefix>", "model:llvm-mca cortex-a53".
    virtual std::string name() const = 0;
    virtual bool modeled() const { return false; }
    // A line for the user about what the numbers mean (empty when nothing to say).
    virtual std::string caveat() const { return ""; }
    // How many candidates it may measure at once: 1 for a board (two at a time would spoil both
    // timings); a Slurm partition, whose controller gives each job a node of its own, more.
    virtual int capacity() const { return 1; }
};

struct RunnerOptions {
    std::string measurer;  // the lpgen binary that measures (host or cross-built)
    std::string prefix;    // command runner: the prefix
    double limit_s = 60;   // per candidate
    int samples = 5;
    double sample_seconds = 0.02;
    std::string llvm_mca = "llvm-mca-14";
    std::string emulator;  // model runner: how to run the correctness check ("" skips it)
    std::string isa;       // host runner: the variant the measuring process must run (LPGEN_ISA)
    // slurm runner: the partition; how the measuring binary and candidate reach the node
    // ("shared": the same paths on a shared file system; "sbcast": copied into the job);
    // the most nodes it may use at once.
    std::string partition, copy = "shared";
    int slots = 1;
};

std::unique_ptr<Runner> make_host_runner(const RunnerOptions &options);
std::unique_ptr<Runner> make_command_runner(const RunnerOptions &options);
std::unique_ptr<Runner> make_model_runner(const RunnerOptions &options);
std::unique_ptr<Runner> make_slurm_runner(const RunnerOptions &options);
// A time limit in whole minutes, as Slurm counts them (at least one).
int slurm_minutes(double seconds);
// The prefix that runs a compile step as a Slurm job step on `partition`: one task, one CPU,
// the step's time limit.
std::vector<std::string> slurm_build_launcher(const std::string &partition, double limit_s);

// The arguments of `lpgen measure-candidate` for a candidate, and the parsing of its one result
// line out of a process's output ("failed" when there is none).
std::vector<std::string> measure_arguments(const Candidate &c, const std::string &library, const RunnerOptions &o);
Measurement parse_measurement(const std::string &output);
// A finished process's measurement, or why there is none (timeout, crash, a command that
// cannot be started: environment).
struct ProcessResult;
Measurement from_process(const ProcessResult &p);
// The command that measures on the machine it runs on: one Halide thread, the profile's ISA.
std::vector<std::string> measuring_command(const std::string &measurer, const Candidate &c,
                                           const std::string &library, const RunnerOptions &o);

}  // namespace lpgen::tune
