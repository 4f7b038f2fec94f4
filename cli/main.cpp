// lpgen: the command line. `lpgen demo` is the main job (README's first command).
#include <CLI/CLI.hpp>
#include <cstdio>

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

    BenchOptions bench_options;
    auto *bench = app.add_subcommand("bench", "verify, then time layers against the baselines (single thread)");
    add_run_options(bench, bench_options, "1A1W,2A1W,2A2W,mxfp4,mxfp8");
    bench->add_option("--baselines", bench_options.baselines, "baselines timed in the same run")->capture_default_str();
    bench->add_option("--out", bench_options.out_dir, "directory for results.json and speedup.png");
    bench->add_option("--samples", bench_options.samples, "timing samples per result")->capture_default_str()->check(CLI::PositiveNumber);

    BenchOptions demo_options;
    auto *demo = app.add_subcommand("demo", "the main job: ResNet-18 C2-C12 at 1A1W/2A1W/2A2W/MXFP4/MXFP8 against "
                                            "fp32 and int8, verified, timed, charted; arm64-a53 verified under qemu");
    add_run_options(demo, demo_options, "1A1W,2A1W,2A2W,mxfp4,mxfp8");
    demo_options.out_dir = "lpgen-demo";
    demo->add_option("--out", demo_options.out_dir, "directory for results.json and speedup.png")->capture_default_str();
    demo->add_flag("!--no-arm", demo_options.verify_arm, "skip the arm64-a53 check under qemu");
    demo_options.verify_arm = true;

    CLI11_PARSE(app, argc, argv);
    try {
        if (*targets) return print_targets();
        if (*ops) return print_ops();
        if (*verify) return lpgen::cli::verify(verify_options);
        if (*bench) return lpgen::cli::bench(bench_options);
        if (*demo) return lpgen::cli::bench(demo_options);
    } catch (const lpgen::Error &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
    return 0;
}
