// The tuner's moving parts against real processes: the builder, the host runner's isolation
// (a crashing, a hanging and a wrong candidate each get their verdict and the tuner goes on),
// the command runner through qemu for arm64-a53, the llvm-mca model runner, and a tuning run
// killed mid-way and resumed with no lost or repeated record.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "builder.h"
#include "catalog.h"
#include "database.h"
#include "kernel_table.h"
#include "lpgen/mx.hpp"
#include "model.h"
#include "runner.h"
#include "process_support.h"
#include "subprocess.h"
#include "test_support.h"
#include "tuned_kernels.h"

namespace lpgen::tune {
namespace {

namespace fs = std::filesystem;

// C11 of ResNet-18 (7x7x512 -> 512, 3x3): small enough for qemu, a real layer.
const char *kLayer =
    R"({"name": "C11", "op": "conv2d", "height": 7, "width": 7, "channels": 512, "out_channels": 512, "kernel": 3, "stride": 1, "pad": 1})";
const char *kShape = "conv2d 1x7x7x512->512 k3x3 s1x1 d1x1 p1,1,1,1";
const char *kFamily = "bs_conv2d_f32_a1w1";

std::string scratch(const std::string &name) {
    const fs::path dir = fs::temp_directory_path() / ("lpgen_tuner_test_" + std::to_string(getpid())) / name;
    fs::create_directories(dir);
    return dir.string();
}

Candidate layer_candidate() {
    Candidate c;
    c.layer_json = kLayer;
    c.precision = "1A1W";
    c.family = kFamily;
    c.shape = kShape;
    c.work = 7.0 * 7 * 512 * 9 * 512;
    return c;
}

RunnerOptions host_options() {
    RunnerOptions o;
    o.measurer = LPGEN_CLI;
    o.limit_s = 20;
    o.samples = 3;
    o.sample_seconds = 0.005;
    o.isa = "x86_avx2";
    return o;
}

Candidate fixture(const std::string &function) {
    Candidate c = layer_candidate();
    c.function = function;
    c.shared_object = LPGEN_MISBEHAVING_CANDIDATES;
    return c;
}

TEST(HostRunner, TheDefaultKernelMeasuresOk) {
    const Measurement m = make_host_runner(host_options())->measure(layer_candidate());
    EXPECT_EQ(m.verdict, "ok") << m.detail;
    EXPECT_GT(m.median_s, 0);
}

TEST(HostRunner, ACrashingCandidateIsRecordedAsCrashed) {
    const Measurement m = make_host_runner(host_options())->measure(fixture("crashing_candidate"));
    EXPECT_EQ(m.verdict, "crashed") << m.detail;
    EXPECT_NE(m.detail.find("signal 11"), std::string::npos) << m.detail;
}

TEST(HostRunner, AHangingCandidateIsKilledAtTheTimeLimit) {
    RunnerOptions o = host_options();
    o.limit_s = 2;
    const auto start = std::chrono::steady_clock::now();
    const Measurement m = make_host_runner(o)->measure(fixture("hanging_candidate"));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(m.verdict, "timeout") << m.detail;
    EXPECT_LT(seconds, 10);
}

TEST(HostRunner, AWrongCandidateIsRecordedAsWrongAndNotTimed) {
    const Measurement m = make_host_runner(host_options())->measure(fixture("wrong_candidate"));
    EXPECT_EQ(m.verdict, "wrong") << m.detail;
    EXPECT_EQ(m.median_s, 0);
}

TEST(HostRunner, AFailingCandidateAndAMissingSymbolAreFailures) {
    EXPECT_EQ(make_host_runner(host_options())->measure(fixture("failing_candidate")).verdict, "failed");
    const Measurement m = make_host_runner(host_options())->measure(fixture("no_such_symbol"));
    EXPECT_EQ(m.verdict, "failed");
    EXPECT_NE(m.detail.find("no symbol"), std::string::npos) << m.detail;
}

TEST(Builder, ACompiledCandidateRunsAndAnInvalidOneFailsToBuild) {
    const Catalog catalog = Catalog::load();
    const std::string dir = scratch("build");
    const std::vector<BuildRequest> requests = {
        {kFamily, "x86-64-avx2", "tile_x:2,tile_vecs:2", "test_candidate_ok", dir},
        {kFamily, "x86-64-avx2", "tile_x:5", "test_candidate_bad", dir},  // 5 is not an allowed value
    };
    const std::vector<BuildResult> built = build_all(catalog, requests, 2, 120);
    ASSERT_TRUE(built[0].ok) << built[0].error;
    EXPECT_FALSE(built[1].ok);
    EXPECT_NE(built[1].error.find("generator failed"), std::string::npos) << built[1].error;

    Candidate c = layer_candidate();
    c.function = "test_candidate_ok";
    c.shared_object = built[0].shared_object;
    const Measurement m = make_host_runner(host_options())->measure(c);
    EXPECT_EQ(m.verdict, "ok") << m.detail;
}

// The summation order is part of the MX contract, so no knob may change a bit: tuned MXFP4 GEMMs
// (the narrow int8 kernel: int16 block sums on AVX2) with other tiles, and without packed
// weights, give the default kernel's bits on a shape with every kind of tail (rows, columns,
// k), scales at both ends of E8M0 and NaN blocks.
TEST(Builder, TunedMxKernelsGiveTheDefaultKernelsBits) {
    if (!cpu_supports_isa("x86_avx2")) GTEST_SKIP() << "this CPU cannot run the x86-64-avx2 candidates";
    select_isa("x86_avx2");
    const Catalog catalog = Catalog::load();
    const std::string dir = scratch("mx_knobs");
    const std::vector<BuildRequest> requests = {
        {"mx_gemm_i8_narrow", "x86-64-avx2", "pack_weights:0", "test_mx_unpacked", dir},
        {"mx_gemm_i8_narrow", "x86-64-avx2", "tile_vecs:3,tile_m:2,pack_weights:1", "test_mx_tile_3x2", dir},
    };
    const std::vector<BuildResult> built = build_all(catalog, requests, 2, 300);

    const GemmShape s{37, 150, 200};
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> byte(0, 255), scale(100, 150);
    std::vector<uint8_t> a_codes(mx_code_bytes(MxFormat::Fp4E2M1, s.m, s.k)), w_codes(mx_code_bytes(MxFormat::Fp4E2M1, s.n, s.k));
    std::vector<uint8_t> a_scales(mx_scale_count(s.m, s.k)), w_scales(mx_scale_count(s.n, s.k));
    for (auto *v : {&a_codes, &w_codes}) for (uint8_t &c : *v) c = uint8_t(byte(rng));
    for (auto *v : {&a_scales, &w_scales}) for (uint8_t &c : *v) c = uint8_t(scale(rng));
    a_scales[3] = 0, w_scales[5] = 1, a_scales[8] = 0xFF;  // 2^-127, 2^-126 and a NaN block
    const MxWeights weights(s.n, s.k, MxFormat::Fp4E2M1, w_codes.data(), w_codes.size(), w_scales.data(), w_scales.size());
    const float one = 1.0f;
    auto run = [&](std::vector<float> &out) {
        out.assign(size_t(s.m) * s.n, -7.0f);
        return std::string(mx_gemm(s, a_codes.data(), a_codes.size(), a_scales.data(), a_scales.size(),
                                   MxFormat::Fp4E2M1, weights, Fp32Epilogue{&one, 1}, out.data(), out.size()));
    };
    std::vector<float> want, got;
    clear_tuned_kernels();
    ASSERT_EQ(run(want), "lpgen_mx_gemm_i8_narrow__x86_avx2");
    for (size_t i = 0; i < requests.size(); ++i) {
        ASSERT_TRUE(built[i].ok) << built[i].error;
        void *library = dlopen(built[i].shared_object.c_str(), RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(library, nullptr) << dlerror();
        void *fn = dlsym(library, requests[i].function.c_str());
        ASSERT_NE(fn, nullptr);
        register_tuned_kernel("mx_gemm_i8_narrow", shape_key(s), "x86_avx2", reinterpret_cast<void (*)()>(fn),
                              requests[i].function);
        EXPECT_EQ(run(got), requests[i].function);
        clear_tuned_kernels();
        for (size_t j = 0; j < want.size(); ++j) {
            ASSERT_TRUE(test::same_bits_or_both_nan(want[j], got[j]))
                << requests[i].knobs << ": element " << j << " " << got[j] << " vs " << want[j];
        }
    }
}

// The comparison lpgen tune --compare-adams2019 makes: Halide's own autoscheduler on the same
// generator, built and verified like any candidate.
TEST(Builder, Adams2019SchedulesTheGeneratorAndTheResultVerifies) {
    const Catalog catalog = Catalog::load();
    if (catalog.adams2019.empty()) GTEST_SKIP() << "no Adams2019 plugin in this Halide installation";
    BuildRequest request{"bs_gemm_f32_a1w1", "x86-64-avx2", "", "test_adams2019", scratch("adams"), "64x64x128x1x1"};
    const BuildResult built = build_candidate(catalog, request, 300);
    ASSERT_TRUE(built.ok) << built.error;
    Candidate c;
    c.layer_json = R"({"name": "g", "op": "gemm", "m": 64, "n": 64, "k": 128})";
    c.precision = "1A1W";
    c.family = "bs_gemm_f32_a1w1";
    c.shape = "gemm 64x64x128";
    c.function = "test_adams2019";
    c.shared_object = built.shared_object;
    const Measurement m = make_host_runner(host_options())->measure(c);
    EXPECT_EQ(m.verdict, "ok") << m.detail;
}

#ifdef LPGEN_ARM64_CLI
BuildResult build_arm64(const std::string &function) {
    const Catalog catalog = Catalog::load();
    return build_candidate(catalog, {kFamily, "arm64-a53", "", function, scratch("arm64")}, 120);
}

TEST(CommandRunner, RunsAnArm64CandidateUnderQemuEndToEnd) {
    const BuildResult built = build_arm64("test_arm64_candidate");
    ASSERT_TRUE(built.ok) << built.error;
    RunnerOptions o = host_options();
    o.measurer = LPGEN_ARM64_CLI;
    o.prefix = "qemu-aarch64 -cpu cortex-a53 -L /usr/aarch64-linux-gnu";
    o.limit_s = 120;
    o.samples = 1;
    auto runner = make_command_runner(o);
    EXPECT_NE(runner->caveat().find("emulates"), std::string::npos);
    Candidate c = layer_candidate();
    c.function = "test_arm64_candidate";
    c.shared_object = built.shared_object;
    const Measurement m = runner->measure(c);
    EXPECT_EQ(m.verdict, "ok") << m.detail;
}

TEST(ModelRunner, ModelsCortexA53CyclesOfTheInnerLoop) {
    const BuildResult built = build_arm64("test_model_candidate");
    ASSERT_TRUE(built.ok) << built.error;
    RunnerOptions o;
    o.measurer = LPGEN_ARM64_CLI;
    o.emulator = "qemu-aarch64 -cpu cortex-a53 -L /usr/aarch64-linux-gnu";
    o.limit_s = 120;
    auto runner = make_model_runner(o);
    EXPECT_TRUE(runner->modeled());
    Candidate c = layer_candidate();
    c.function = "test_model_candidate";
    c.shared_object = built.shared_object;
    c.assembly = built.assembly;
    const Measurement m = runner->measure(c);
    ASSERT_EQ(m.verdict, "ok") << m.detail;
    // At most 2 cnt (16 bytes each) per cycle on an A53: the model cannot beat that bound.
    EXPECT_GT(m.modeled_cycles, c.work / 256);
    EXPECT_EQ(m.median_s, 0);
}
#endif

TEST(Model, FindsInnermostLoopsAndCountsTheirWork) {
    const std::string assembly = R"(
f:
.LBB0_1:
    ldr q0, [x1], #16
.LBB0_2:
    ldr q1, [x0], #16
    and v2.16b, v1.16b, v0.16b
    cnt v2.16b, v2.16b    // 128 bits
    uadalp v3.8h, v2.16b
    subs x2, x2, #1
    b.ne .LBB0_2
    cnt v4.8b, v4.8b
    cbnz x3, .LBB0_1
    ret
)";
    const auto loops = innermost_loops(assembly);
    ASSERT_EQ(loops.size(), 1u);
    EXPECT_EQ(loops[0].body.size(), 6u);
    EXPECT_EQ(loop_work(loops[0], true), 128);
    EXPECT_EQ(loop_work(loops[0], false), 0);
}

TEST(Subprocess, ReportsExitSignalAndTimeout) {
    EXPECT_EQ(run_captured({"sh", "-c", "echo hi; exit 3"}, 10).exit_code, 3);
    EXPECT_EQ(run_captured({"sh", "-c", "echo hi; exit 3"}, 10).output, "hi\n");
    EXPECT_EQ(run_captured({"sh", "-c", "kill -SEGV $$"}, 10).signal, SIGSEGV);
    // A child that keeps the output open and sleeps is killed with its whole group.
    const auto r = run_captured({"sh", "-c", "sleep 30 & sleep 30"}, 1);
    EXPECT_TRUE(r.timed_out);
}

// lpgen tune killed after its first records, then run again: every trial recorded exactly once.
TEST(TuneCommand, AKilledRunResumesWithoutLosingOrRepeatingRecords) {
    const std::string dir = scratch("resume");
    const std::string db_path = dir + "/tune.db";
    const std::vector<std::string> command = {LPGEN_CLI, "tune", "--layers", "C11", "--precisions", "1A1W",
                                              "--trials", "6", "--jobs", "1", "--samples", "1", "--db", db_path,
                                              "--out", dir + "/out"};
    const pid_t child = test::start_quietly(command);
    // Kill it once two records are in (each record commits on its own).
    size_t before = 0;
    for (int i = 0; i < 1200 && before < 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (fs::exists(db_path)) before = Database(db_path).all().size();
    }
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    ASSERT_GE(before, 2u);
    const size_t at_kill = Database(db_path).all().size();
    ASSERT_LT(at_kill, 6u) << "the run finished before it could be killed";

    const ProcessResult resumed = run_captured(command, 600);
    ASSERT_TRUE(resumed.ok()) << resumed.output;
    const std::vector<Record> records = Database(db_path).all();
    EXPECT_EQ(records.size(), 6u);
    std::set<std::string> knobs;
    for (const Record &r : records) knobs.insert(r.knobs);
    EXPECT_EQ(knobs.size(), records.size()) << "a configuration was measured twice";
}

}  // namespace
}  // namespace lpgen::tune

namespace lpgen::tune {
namespace {

// lpgen generate where the bundle cannot go: a one-line error and exit status 2, never an abort.
TEST(GenerateCommand, AnUnwritableOutOrAnAbsurdNameIsAOneLineError) {
    const std::string dir = scratch("generate_errors");
    const std::string layers = dir + "/good.json";
    std::ofstream(layers) << R"({"layers":[{"name":"g","op":"gemm","m":64,"n":64,"k":64}]})";
    std::ofstream(dir + "/afile") << "x";
    auto generate = [&](const std::string &out, const std::string &name) {
        return run_captured({LPGEN_CLI, "generate", "--layers", layers, "--precisions", "1A1W", "--db", dir + "/none.db",
                             "--out", out, "--name", name},
                            300);
    };
    for (const auto &[out, name] : std::vector<std::pair<std::string, std::string>>{
             {"/proc/lpgen_x", "b"}, {dir + "/afile", "b"}, {"/dev/full", "b"}, {dir + "/o", std::string(300, 'n')}}) {
        const ProcessResult r = generate(out, name);
        EXPECT_EQ(r.exit_code, 2) << out << ": " << r.output;
        EXPECT_EQ(r.signal, 0) << out << ": " << r.output;
        EXPECT_NE(r.output.find("lpgen: "), std::string::npos) << r.output;
        EXPECT_FALSE(fs::exists(out + "/manifest.json")) << out;
    }
    const ProcessResult ok = generate(dir + "/bundle", "b");
    EXPECT_TRUE(ok.ok()) << ok.output;
    EXPECT_TRUE(fs::exists(dir + "/bundle/manifest.json"));
}

}  // namespace
}  // namespace lpgen::tune
