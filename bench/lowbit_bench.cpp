// Low-bit LLM weights x int8 activations (lpgen_lowbit_gemm): the projections of a transformer
// layer at 1 token (GEMV), 8 and 128 tokens, and 1024^3, for W1 (unsigned, zero points), ternary,
// W2, W3 and W4 (signed), group 128, activations per token, fp32 in and out. Beside them in the
// same run: oneDNN u8 x s8 matmul (weights reordered once), lpgen's MXFP4 with activations
// quantized to MXINT8 in the call (W4A8; its GEMV streams the weights as int8, what the packed
// low-bit GEMV avoids), dequantize-to-fp32 + OpenBLAS, and for the
// GEMVs the read bound of each width's weight bytes (bench/bandwidth.cpp).
//   lowbit_bench [--benchmark_filter=...] [--threads=N]
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <map>
#include <memory>
#include <random>
#include <tuple>

#include "bench_main.h"
#include "lpgen/lowbit.hpp"
#include "lpgen/mx.hpp"
#include "peers.h"
#include "workloads.h"

namespace lpgen::bench {
namespace {

constexpr int kGroup = 128;

struct Width {
    const char *name;
    LowbitFormat format;
    double bits;  // per weight as the GEMV streams them
};

const Width kWidths[] = {{"W1", {1, LowbitKind::Unsigned, kGroup}, 1},
                         {"ternary", {2, LowbitKind::Ternary, kGroup}, 2},
                         {"W2", {2, LowbitKind::Signed, kGroup}, 2},
                         {"W3", {3, LowbitKind::Signed, kGroup}, 4},
                         {"W4", {4, LowbitKind::Signed, kGroup}, 4}};

double macs(const GemmShape &s) { return double(s.m) * s.n * s.k; }

std::vector<float> activations(const GemmShape &s) {
    std::mt19937 rng(1);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> a(size_t(s.m) * s.k);
    for (float &v : a) v = dist(rng);
    return a;
}

// Weights prepared once per (n, k, width) for the whole run: a 14336 x 4096 layer takes seconds.
const LowbitWeights &weights(int n, int k, const Width &w) {
    static std::map<std::tuple<int, int, std::string>, std::unique_ptr<LowbitWeights>> cache;
    auto &slot = cache[{n, k, w.name}];
    if (!slot) {
        std::mt19937 rng(2);
        const int top = w.format.kind == LowbitKind::Ternary ? 2 : (1 << w.format.bits) - 1;
        std::vector<uint8_t> codes(size_t(n) * k);
        for (uint8_t &c : codes) c = uint8_t(rng() % (top + 1));
        const int groups = lowbit_groups(k, kGroup);
        std::vector<float> scales(size_t(n) * groups, 0.01f);
        std::vector<uint8_t> zero_points;
        if (w.format.kind == LowbitKind::Unsigned) zero_points.assign(size_t(n) * groups, uint8_t(top / 2));
        slot = std::make_unique<LowbitWeights>(n, k, w.format, codes.data(), codes.size(), scales.data(), scales.size(),
                                               zero_points.empty() ? nullptr : zero_points.data(), zero_points.size());
    }
    return *slot;
}

void lowbit(benchmark::State &state, GemmShape s, const Width &w) {
    const LowbitWeights &lw = weights(s.n, s.k, w);
    const std::vector<float> a = activations(s);
    std::vector<float> out(size_t(s.m) * s.n);
    const char *kernel = "";
    for (auto _ : state) {
        kernel = lowbit_gemm(s, a.data(), a.size(), ActivationScaling::PerRow, lw, nullptr, 0, out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), kernel);
}

// W4A8 the MX way: MXFP4 weights, fp32 activations quantized to MXINT8 in the call.
void mxfp4_w4a8(benchmark::State &state, GemmShape s) {
    static std::map<std::pair<int, int>, std::unique_ptr<MxWeights>> cache;
    auto &slot = cache[{s.n, s.k}];
    if (!slot) {
        std::vector<float> wf(size_t(s.n) * s.k);
        std::mt19937 rng(3);
        std::normal_distribution<float> dist(0.0f, 1.0f);
        for (float &v : wf) v = dist(rng);
        std::vector<uint8_t> codes(mx_code_bytes(MxFormat::Fp4E2M1, s.n, s.k)), scales(mx_scale_count(s.n, s.k));
        mx_quantize(wf.data(), wf.size(), s.n, s.k, MxFormat::Fp4E2M1, codes.data(), codes.size(), scales.data(),
                    scales.size());
        slot = std::make_unique<MxWeights>(s.n, s.k, MxFormat::Fp4E2M1, codes.data(), codes.size(), scales.data(),
                                           scales.size());
    }
    const std::vector<float> a = activations(s);
    std::vector<float> out(size_t(s.m) * s.n);
    const float one = 1.0f;
    const Fp32Epilogue identity{&one, 1};
    const char *kernel = "";
    for (auto _ : state) {
        kernel = mx_gemm(s, a.data(), a.size(), MxFormat::Int8, *slot, identity, out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), kernel);
}

// The plain alternative: weights dequantized to fp32 once, then OpenBLAS.
void dequantized_sgemm(benchmark::State &state, GemmShape s) {
    std::vector<float> w(size_t(s.n) * s.k, 0.01f), out(size_t(s.m) * s.n);
    const std::vector<float> a = activations(s);
    for (auto _ : state) {
        if (s.m == 1) {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, s.n, s.k, 1.0f, w.data(), s.k, a.data(), 1, 0.0f, out.data(), 1);
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s.m, s.n, s.k, 1.0f, a.data(), s.k, w.data(), s.k, 0.0f,
                        out.data(), s.n);
        }
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), s.m == 1 ? "openblas_sgemv" : "openblas_sgemm");
}

void register_all() {
    // llm1x1024x2048: a GEMV whose 2-bit weights (512 KiB) stay in a Zen 4's 1 MiB L2 (a Zen 3's
    // 512 KiB L2 only just holds them), so its speed is the kernel's compute rate with memory
    // mostly out of the way, beside the LLM shapes streamed from L3/DRAM.
    const std::vector<GemmWorkload> shapes = {
        {"llm1x1024x2048", {1, 1024, 2048}},   {"llm1x4096x4096", {1, 4096, 4096}},
        {"llm1x14336x4096", {1, 14336, 4096}},
        {"llm1x4096x14336", {1, 4096, 14336}}, {"llm8x4096x4096", {8, 4096, 4096}}, {"llm16x4096x4096", {16, 4096, 4096}},
        {"llm32x4096x4096", {32, 4096, 4096}},
        {"llm128x4096x4096", {128, 4096, 4096}}, {"gemm1024", {1024, 1024, 1024}}};
    for (const GemmWorkload &g : shapes) {
        for (const Width &w : kWidths) {
            add(g.name + "/" + w.name, [=](benchmark::State &st) { lowbit(st, g.shape, w); });
            if (g.shape.m == 1 && (w.bits == 2 || std::string(w.name) == "W4")) {
                add(g.name + "/bound_" + w.name, [=](benchmark::State &st) {
                    bandwidth_bound(st, macs(g.shape), size_t(double(g.shape.n) * g.shape.k * w.bits / 8));
                });
            }
        }
        add(g.name + "/mxfp4_w4a8", [=](benchmark::State &st) { mxfp4_w4a8(st, g.shape); });
        add(g.name + "/onednn_s8", [=](benchmark::State &st) { run_peer(st, macs(g.shape), onednn_int8_matmul(g.shape)); });
        add(g.name + "/deq_sgemm", [=](benchmark::State &st) { dequantized_sgemm(st, g.shape); });
    }
}

}  // namespace
}  // namespace lpgen::bench

int main(int argc, char **argv) {
    return lpgen::bench::run_with_ratios(argc, argv, {"onednn_s8", "mxfp4_w4a8", "deq_sgemm"},
                                         lpgen::bench::register_all);
}
