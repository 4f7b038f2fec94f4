// The lpgen subcommands. Each returns the process exit status (0 = success) and reports
// problems on stderr.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lpgen::cli {

struct RunOptions {
    std::string layers = "resnet18";
    std::string precisions;
    unsigned seed = 1;
    int threads = 1;
};

// lpgen targets / lpgen ops: what this build offers.
int print_targets();
int print_ops();

// lpgen verify: every layer at every precision against the scalar reference; with a runner
// (e.g. "qemu-aarch64 -cpu cortex-a53"), the profile's cross-built lpgen runs it instead.
struct VerifyOptions : RunOptions {
    std::string profile;  // empty: this machine's build
    std::string runner;   // command prefix for a cross profile
    std::string bundle;   // a bundle directory from lpgen generate (host build only)
};
int verify(const VerifyOptions &options);
int verify_bundle(const VerifyOptions &options);


// lpgen bench / lpgen demo: verify, time against the baselines, print the table; demo also
// writes the results as JSON and a PNG chart and verifies the arm64-a53 kernels under qemu.
struct BenchOptions : RunOptions {
    std::string baselines = "fp32,int8";
    std::string out_dir;  // JSON + chart; empty: none
    bool verify_arm = false;
    int samples = 5;
    double tune_seconds = 0;  // demo: tune this long first, then time the bundle's kernels
};
int bench(const BenchOptions &options);

// The demo's tuning step (host build only): tunes the layers for at most tune_seconds (records
// in <out>/tuning.db, so the next demo resumes), generates <out>/bundle and loads it into this
// process. Returns a line that says what the timed kernels are.
std::string tune_and_load_for_demo(const BenchOptions &options);
struct Manifest;
// Loads a host bundle's shared object and registers its kernels (its own <name>_register()).
Manifest load_bundle(const std::string &dir);

// lpgen measure-candidate (internal, started by the tuner): one layer at one precision with an
// optional candidate kernel; prints one line (autotune/measurement_protocol.h) of JSON: verdict
// ("ok", "wrong", "failed"), detail, kernel, and when ok median_s, min_s, max_s, samples. With
// plan, only the family and shape the runtime dispatches the layer to.
struct CandidateOptions {
    std::string layer;      // one layer-list JSON object
    std::string precision;  // "1A1W", "mxfp4", ...
    std::string library, function, family, shape;  // the candidate; empty library: the default kernel
    unsigned seed = 1;
    int samples = 5;
    double sample_seconds = 0.02;
    bool plan = false;
    std::string algorithm;  // bit-serial precisions: "popcount" or "int8-dot" forced; empty: the rule
};
int measure_candidate(const CandidateOptions &options);

// lpgen tune: the autotuner over the layers and precisions (host build only).
struct TuneCommandOptions : RunOptions {
    std::string profile;           // empty: the host's best x86 profile
    // host, model, slurm:PARTITION, or a command prefix ("ssh pi@rpi3", "qemu-aarch64 ..."); several
    // command prefixes: a pool of boards.
    std::vector<std::string> runners = {"host"};
    int parallel_runs = 1;         // candidates measured at once (never two on one board)
    std::string slurm_copy = "shared";
    std::string build_partition;   // non-empty: compiles run as srun steps there
    double sample_seconds = 0.02;
    int trials = 64;
    uint64_t tune_seed = 1;
    int jobs = 0;
    std::string db = "lpgen-tuning.db";
    std::string out_dir = "lpgen-tune";
    std::string import_path, export_path;
    std::string catalog;           // empty: this build's
    double build_limit_s = 300, run_limit_s = 120;
    int samples = 5;
    bool model_check = true;       // model runner: check correctness under qemu
    double budget_s = 0;           // > 0: no new candidate batch after this many seconds
    bool compare_adams2019 = false;  // also build and measure Halide's Adams2019 schedule of each task
    bool retry_failed = false;     // measure candidates recorded as failed (or wrong, ...) again
};
int tune(const TuneCommandOptions &options);

// lpgen generate: a bundle of the best-tuned kernels for the layers (host build only).
struct GenerateOptions : RunOptions {
    std::string profile;  // empty: the host's best x86 profile
    std::string db = "lpgen-tuning.db";
    std::string name = "lpgen_bundle";
    std::string out_dir = "out";
    std::string catalog;
    int jobs = 0;
    double build_limit_s = 300;
};
int generate(const GenerateOptions &options);

// lpgen model-a53: modeled Cortex-A53 cycles of the default arm64 kernels and of the layers at
// each precision, bit-serial against the int16 baseline (host build only).
struct ModelA53Options {
    std::string kernel_dir;  // the arm64-a53 kernels' assembly (.s)
    std::string layers = "resnet18";
    std::string json_path;   // empty: table only
    std::string llvm_mca = "llvm-mca-14";
};
int model_a53(const ModelA53Options &options);

// Runs a cross profile's lpgen through a runner prefix: returns its exit status.
int run_cross(const std::string &profile, const std::string &runner, const std::vector<std::string> &args);

}  // namespace lpgen::cli
