// lpgen: the command line. `lpgen demo` is the main job (README's first command).
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>

#include "commands.h"
#include "lpgen/bitserial.hpp"
#include "lpgen/lpgen.h"

namespace {

using namespace lpgen::cli;

void add_run_options(CLI::App *cmd, RunOptions &o, const char *default_precisions) {
    o.precisions = default_precisions;
    cmd->add_option("--layers", o.layers, "resnet18, resnet18:C2,C5, C2,C5 or a layer-list JSON file")
        ->capture_default_str();
    cmd->add_option("--precisions", o.precisions, "comma-separated: <a>A<w>W, mxfp4, mxfp6, mxfp8, mxint8, "
                                                  "mx:<fmt>x<fmt>, int8, int16, fp32 (see lpgen ops)")
        ->capture_default_str();
    cmd->add_option("--seed", o.seed, "seed of the random operands")->capture_default_str();
    cmd->add_option("--threads", o.threads, "threads per call (0 = all)")->capture_default_str()->check(CLI::NonNegativeNumber);
}

}  // namespace

int main(int argc, char **argv) {
    CLI::App app{"lpgen: bit-serial and OCP Microscaling (MX) operators for CPUs, generated with Halide"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string(lpgen_version()));

    auto *targets = app.add_subcommand("targets", "target profiles of this build and whether they run here");
    auto *ops = app.add_subcommand("ops", "operators, precisions and formats this build offers");

    VerifyOptions verify_options;
    auto *verify = app.add_subcommand("verify", "run kernels on a layer set and compare with the scalar reference");
    add_run_options(verify, verify_options, "1A1W,2A1W,2A2W,3A3W,4A4W,mxfp4,mxfp6,mxfp8,mxint8,int8,int16,fp32");
    verify->add_option("--profile", verify_options.profile, "host (default), arm64-a53 or arm32-a53");
    verify->add_option("--runner", verify_options.runner,
                       "command prefix that runs the profile's binary (default: qemu with the profile's CPU)");

#ifdef LPGEN_WITH_TUNER
    verify->add_option("--bundle", verify_options.bundle, "verify a bundle directory from lpgen generate instead");
#endif

    // lpgen's dense kernels and, in host builds, what a user would pick instead: oneDNN int8.
#ifdef LPGEN_WITH_PEERS
    const std::string default_baselines = "fp32,int8,onednn-int8";
#else
    const std::string default_baselines = "fp32,int8";
#endif
    BenchOptions bench_options;
    bench_options.baselines = default_baselines;
    auto *bench = app.add_subcommand("bench", "verify, then time layers against the baselines (single thread)");
    add_run_options(bench, bench_options, "1A1W,2A1W,2A2W,mxfp4,mxfp8");
    bench->add_option("--baselines", bench_options.baselines, "baselines timed in the same run")->capture_default_str();
    bench->add_option("--out", bench_options.out_dir, "directory for results.json and speedup.png");
    bench->add_option("--samples", bench_options.samples, "timing samples per result")->capture_default_str()->check(CLI::PositiveNumber);

    BenchOptions demo_options;
    auto *demo = app.add_subcommand("demo", "the main job: ResNet-18 C2-C12 at 1A1W/XNOR/2A1W/2A2W/MXFP4/MXFP8 against "
                                            "fp32, int8 and oneDNN int8, verified, timed, charted; arm64-a53 verified under qemu");
    add_run_options(demo, demo_options, "1A1W,xnor,2A1W,2A2W,mxfp4,mxfp8");
    demo_options.baselines = default_baselines;
    demo_options.out_dir = "lpgen-demo";
    demo->add_option("--out", demo_options.out_dir, "directory for results.json and speedup.png")->capture_default_str();
    demo->add_flag("!--no-arm", demo_options.verify_arm, "skip the arm64-a53 check under qemu");
    demo_options.verify_arm = true;
#ifdef LPGEN_WITH_TUNER
    demo_options.tune_seconds = 150;
    demo->add_option("--tune-seconds", demo_options.tune_seconds,
                     "tune first for at most this long (0 = time the default schedules)")->capture_default_str();
#endif

#ifdef LPGEN_WITH_TUNER
    TuneCommandOptions tune_options;
    auto *tune = app.add_subcommand("tune", "search schedule knobs per layer and precision; records go to a SQLite database");
    add_run_options(tune, tune_options, "1A1W,2A2W");
    tune->add_option("--profile", tune_options.profile, "target profile (default: this machine's best x86 one)");
    tune->add_option("--runner", tune_options.runners,
                     "host, model (llvm-mca Cortex-A53), slurm:PARTITION (a job step on a node of that "
                     "partition), or a command prefix: \"ssh pi@rpi3\", "
                     "\"qemu-aarch64 -cpu cortex-a53 -L /usr/aarch64-linux-gnu\"; "
                     "give it once per board for a pool of boards")
        ->capture_default_str()->take_all();
    tune->add_option("--parallel-runs", tune_options.parallel_runs,
                     "candidates measured at once, never two on one board (builds overlap them)")
        ->capture_default_str()->check(CLI::PositiveNumber);
    tune->add_option("--slurm-copy", tune_options.slurm_copy,
                     "slurm runner: how lpgen and the candidate reach the node: shared (same paths on a shared "
                     "file system) or sbcast")
        ->capture_default_str()->check(CLI::IsMember({"shared", "sbcast"}));
    tune->add_option("--build-partition", tune_options.build_partition,
                     "compile candidates as Slurm job steps on this partition (its hosts share --out and the "
                     "build's paths)");
    tune->add_option("--sample-seconds", tune_options.sample_seconds, "seconds per timing sample")
        ->capture_default_str()->check(CLI::PositiveNumber);
    tune->add_option("--trials", tune_options.trials, "candidates per layer x precision")->capture_default_str()->check(CLI::PositiveNumber);
    tune->add_option("--tune-seed", tune_options.tune_seed, "seed of the search")->capture_default_str();
    tune->add_option("--jobs", tune_options.jobs, "parallel compiles (0 = all cores)")->capture_default_str();
    tune->add_option("--db", tune_options.db, "SQLite tuning database")->capture_default_str();
    tune->add_option("--out", tune_options.out_dir, "directory for tuning.json, tuning.png and candidates")->capture_default_str();
    tune->add_option("--import", tune_options.import_path, "JSON-lines records to add to the database first");
    tune->add_option("--export", tune_options.export_path, "write every record as JSON lines at the end");
    tune->add_option("--build-timeout", tune_options.build_limit_s, "seconds per compile step")->capture_default_str();
    tune->add_option("--run-timeout", tune_options.run_limit_s, "seconds per candidate run")->capture_default_str();
    tune->add_option("--samples", tune_options.samples, "timing samples per candidate")->capture_default_str()->check(CLI::PositiveNumber);
    tune->add_flag("!--no-model-check", tune_options.model_check, "model runner: skip the correctness run under qemu");
    tune->add_flag("--retry-failed", tune_options.retry_failed,
                   "measure again the candidates recorded as failed, wrong, crashed or timed out");
    tune->add_option("--budget", tune_options.budget_s, "seconds after which no new candidates start (0 = none)");
    tune->add_flag("--compare-adams2019", tune_options.compare_adams2019,
                   "also measure Halide 14's Adams2019 autoscheduler on the same generators, for comparison");

    GenerateOptions generate_options;
    auto *generate = app.add_subcommand("generate", "a static-library bundle of tuned kernels for a layer list and profile");
    add_run_options(generate, generate_options, "1A1W,2A1W,2A2W,mxfp4,mxfp8");
    generate->add_option("--profile", generate_options.profile, "target profile (default: this machine's best x86 one)");
    generate->add_option("--db", generate_options.db, "tuning database whose best records are applied")->capture_default_str();
    generate->add_option("--name", generate_options.name, "bundle name (a C identifier)")->capture_default_str();
    generate->add_option("--out", generate_options.out_dir, "output directory")->capture_default_str();
    generate->add_option("--jobs", generate_options.jobs, "parallel compiles (0 = all cores)")->capture_default_str();

    ModelA53Options model_options;
#ifdef LPGEN_ARM64_KERNEL_DIR
    model_options.kernel_dir = LPGEN_ARM64_KERNEL_DIR;
#endif
    auto *model = app.add_subcommand("model-a53", "modeled Cortex-A53 cycles (llvm-mca) of the arm64 kernels per layer, "
                                                  "bit-serial against the int16 baseline");
    model->add_option("--kernels", model_options.kernel_dir, "folder of the arm64-a53 kernels' assembly")->capture_default_str();
    model->add_option("--layers", model_options.layers, "resnet18, C2,C5 or a layer-list JSON file")->capture_default_str();
    model->add_option("--json", model_options.json_path, "also write the figures as JSON");
    model->add_option("--llvm-mca", model_options.llvm_mca)->capture_default_str();
#endif

    CandidateOptions candidate;
    auto *measure = app.add_subcommand("measure-candidate", "(internal) measure one tuning candidate");
    measure->group("");  // started by lpgen tune, not listed in --help
    measure->add_option("--layer", candidate.layer, "one layer-list JSON object")->required();
    measure->add_option("--precision", candidate.precision)->required();
    measure->add_option("--library", candidate.library, "candidate shared object");
    measure->add_option("--function", candidate.function);
    measure->add_option("--family", candidate.family);
    measure->add_option("--shape", candidate.shape);
    measure->add_option("--seed", candidate.seed);
    measure->add_option("--samples", candidate.samples)->check(CLI::PositiveNumber);
    measure->add_option("--sample-seconds", candidate.sample_seconds)->check(CLI::PositiveNumber);
    measure->add_option("--algorithm", candidate.algorithm, "bit-serial: popcount or int8-dot, forced")
        ->check(CLI::IsMember({"popcount", "int8-dot"}));
    measure->add_flag("--plan", candidate.plan, "print the kernel family and shape the layer dispatches to");

    CLI11_PARSE(app, argc, argv);
    // A file-size limit (ulimit -f) then fails the write that passes it, which lpgen reports,
    // instead of killing the process with a core dump.
    std::signal(SIGXFSZ, SIG_IGN);
    try {
        if (*targets) return print_targets();
        if (*ops) return print_ops();
#ifdef LPGEN_WITH_TUNER
        if (*verify && !verify_options.bundle.empty()) return lpgen::cli::verify_bundle(verify_options);
#endif
        if (*verify) return lpgen::cli::verify(verify_options);
        if (*bench) return lpgen::cli::bench(bench_options);
        if (*demo) return lpgen::cli::bench(demo_options);
        if (*measure) return lpgen::cli::measure_candidate(candidate);
#ifdef LPGEN_WITH_TUNER
        if (*tune) return lpgen::cli::tune(tune_options);
        if (*generate) return lpgen::cli::generate(generate_options);
        if (*model) return lpgen::cli::model_a53(model_options);
#endif
    } catch (const lpgen::Error &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    } catch (const std::exception &e) {  // the file system, the JSON library, memory: still one line
        std::fprintf(stderr, "lpgen: %s\n", e.what());
        return 2;
    }
    return 0;
}
