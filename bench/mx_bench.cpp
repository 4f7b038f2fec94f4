// MX GEMM (formats of activations x weights) against the generated int8 and fp32 baselines,
// single thread, GOPS (1 MAC = 2 ops) and same-run ratios. Operands are quantized before the
// timed loop; inside it, mx_gemm decodes and multiplies.
//   mx_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <random>

#include "lpgen/mx.hpp"
#include "bench_main.h"
#include "workloads.h"

namespace lpgen::bench {
namespace {

struct MxOperand {
    std::vector<uint8_t> codes, scales;
    MxOperand(int rows, int k, MxFormat f, uint32_t seed) {
        std::mt19937 rng(seed);
        std::normal_distribution<float> dist(0.0f, 1.0f);
        std::vector<float> x(size_t(rows) * k);
        for (auto &v : x) v = dist(rng);
        codes.resize(mx_code_bytes(f, rows, k));
        scales.resize(mx_scale_count(rows, k));
        mx_quantize(x.data(), x.size(), rows, k, f, codes.data(), codes.size(), scales.data(), scales.size());
    }
};

void mx(benchmark::State &state, GemmShape s, MxFormat af, MxFormat wf) {
    MxOperand a(s.m, s.k, af, 1), w(s.n, s.k, wf, 2);
    std::vector<float> out(size_t(s.m) * s.n);
    const float one = 1.0f;
    const Fp32Epilogue e{&one, 1};
    const char *kernel = "";
    for (auto _ : state) {
        kernel = mx_gemm(s, a.codes.data(), a.codes.size(), a.scales.data(), a.scales.size(), af, w.codes.data(),
                         w.codes.size(), w.scales.data(), w.scales.size(), wf, e, out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), kernel);
}

template <typename T, typename Acc>
void baseline(benchmark::State &state, GemmShape s) {
    std::mt19937 rng(3);
    std::uniform_int_distribution<int> dist(-100, 100);
    std::vector<T> a(size_t(s.m) * s.k), w(size_t(s.n) * s.k);
    for (auto &v : a) v = T(dist(rng));
    for (auto &v : w) v = T(dist(rng));
    std::vector<Acc> out(size_t(s.m) * s.n);
    const char *kernel = "";
    for (auto _ : state) {
        kernel = baseline_gemm(s, a.data(), a.size(), w.data(), w.size(), out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), kernel);
}

void register_all() {
    std::vector<GemmWorkload> gemms = gemm_workloads();
    gemms.push_back({"gemv14336", {1, 14336, 4096}});
    const struct {
        const char *name;
        MxFormat a, w;
    } pairs[] = {{"MXFP4", MxFormat::Fp4E2M1, MxFormat::Fp4E2M1},
                 {"FP8aFP4w", MxFormat::Fp8E4M3, MxFormat::Fp4E2M1},
                 {"MXFP6", MxFormat::Fp6E2M3, MxFormat::Fp6E2M3},
                 {"MXINT8", MxFormat::Int8, MxFormat::Int8}};
    for (const GemmWorkload &g : gemms) {
        for (const auto &p : pairs) add(g.name + "/" + p.name, [=](benchmark::State &st) { mx(st, g.shape, p.a, p.w); });
        add(g.name + "/int8", [=](benchmark::State &st) { baseline<int8_t, int32_t>(st, g.shape); });
        add(g.name + "/fp32", [=](benchmark::State &st) { baseline<float, float>(st, g.shape); });
    }
}

}  // namespace
}  // namespace lpgen::bench

int main(int argc, char **argv) {
    return lpgen::bench::run_with_ratios(argc, argv, {"int8", "fp32"}, lpgen::bench::register_all);
}
