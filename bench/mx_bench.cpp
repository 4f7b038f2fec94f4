// MX GEMM and conv2d (activation x weight formats) against the generated int8 and fp32
// baselines, single thread, GOPS (1 MAC = 2 ops) and same-run ratios. Weights are prepared once
// (MxWeights), as a user would; activations are decoded inside every call. The GEMV rows also
// run the plain alternative: dequantize the MX weights to fp32 once, then OpenBLAS sgemv.
//   mx_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <random>
#include <tuple>

#include "bench_main.h"
#include "lpgen/mx.hpp"
#include "peers.h"
#include "random_values.h"
#include "workloads.h"

namespace lpgen::bench {
namespace {

struct MxOperand {
    std::vector<float> values;
    std::vector<uint8_t> codes, scales;
    MxOperand(int rows, int k, MxFormat f, uint32_t seed) {
        std::mt19937 rng(seed);
        std::normal_distribution<float> dist(0.0f, 1.0f);
        values.resize(size_t(rows) * k);
        for (auto &v : values) v = dist(rng);
        codes.resize(mx_code_bytes(f, rows, k));
        scales.resize(mx_scale_count(rows, k));
        mx_quantize(values.data(), values.size(), rows, k, f, codes.data(), codes.size(), scales.data(), scales.size());
    }
};

const float kOne = 1.0f;
const Fp32Epilogue kIdentity{&kOne, 1};

// MX activations; with `dropin`, fp32 activations quantized to `af` inside each call.
void mx(benchmark::State &state, GemmShape s, MxFormat af, MxFormat wf, bool dropin = false) {
    MxOperand a(s.m, s.k, af, 1), w(s.n, s.k, wf, 2);
    const MxWeights weights(s.n, s.k, wf, w.codes.data(), w.codes.size(), w.scales.data(), w.scales.size());
    std::vector<float> out(size_t(s.m) * s.n);
    const char *kernel = "";
    // MxWeights decodes the int16 and generic kernels' weights on their first call: that call
    // belongs to preparing the weights, as the peers' weight reorders do, not to the timed loop.
    mx_gemm(s, a.codes.data(), a.codes.size(), a.scales.data(), a.scales.size(), af, weights, kIdentity, out.data(),
            out.size());
    for (auto _ : state) {
        kernel = dropin ? mx_gemm(s, a.values.data(), a.values.size(), af, weights, kIdentity, out.data(), out.size())
                        : mx_gemm(s, a.codes.data(), a.codes.size(), a.scales.data(), a.scales.size(), af, weights,
                                  kIdentity, out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), kernel);
}

// The alternative to an MX kernel: MX weights dequantized to fp32 once, then OpenBLAS sgemm/sgemv.
void dequantized_sgemm(benchmark::State &state, GemmShape s, MxFormat wf) {
    MxOperand a(s.m, s.k, MxFormat::Fp8E4M3, 1), w(s.n, s.k, wf, 2);
    std::vector<float> wf32(size_t(s.n) * s.k), out(size_t(s.m) * s.n);
    mx_dequantize(w.codes.data(), w.codes.size(), w.scales.data(), w.scales.size(), s.n, s.k, wf, wf32.data(),
                  wf32.size());
    for (auto _ : state) {
        if (s.m == 1) {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, s.n, s.k, 1.0f, wf32.data(), s.k, a.values.data(), 1, 0.0f,
                        out.data(), 1);
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s.m, s.n, s.k, 1.0f, a.values.data(), s.k,
                        wf32.data(), s.k, 0.0f, out.data(), s.n);
        }
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), s.m == 1 ? "openblas_sgemv" : "openblas_sgemm");
}

void mx_conv(benchmark::State &state, Conv2dShape s, MxFormat af, MxFormat wf) {
    const int pixels = s.batch * s.height * s.width;
    MxOperand a(pixels, s.channels, af, 1), w(s.out_channels * s.kernel_h * s.kernel_w, s.channels, wf, 2);
    const MxWeights weights = MxWeights::conv2d(s.out_channels, s.kernel_h, s.kernel_w, s.channels, wf,
                                                w.codes.data(), w.codes.size(), w.scales.data(), w.scales.size());
    std::vector<float> out(size_t(s.batch) * s.out_height() * s.out_width() * s.out_channels);
    const char *kernel = "";
    mx_conv2d(s, a.codes.data(), a.codes.size(), a.scales.data(), a.scales.size(), af, weights, kIdentity,
              out.data(), out.size());  // prepares the weights' lazy layouts, as in mx()
    for (auto _ : state) {
        kernel = mx_conv2d(s, a.codes.data(), a.codes.size(), a.scales.data(), a.scales.size(), af, weights,
                           kIdentity, out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), kernel);
}

// Drop-in mode's first step alone: fp32 rows quantized to MX (a conv quantizes its input
// pixels, rows of `channels`). Reports nanoseconds per element, not GOPS.
void quantize(benchmark::State &state, int rows, int k, MxFormat f) {
    MxOperand a(rows, k, f, 1);
    const char *kernel = "";
    for (auto _ : state) {
        kernel = mx_quantize(a.values.data(), a.values.size(), rows, k, f, a.codes.data(), a.codes.size(),
                             a.scales.data(), a.scales.size());
        benchmark::DoNotOptimize(a.codes.data());
    }
    state.counters["ns_per_element"] = benchmark::Counter(double(rows) * k * double(state.iterations()) / 1e9,
                                                          benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.SetLabel(kernel);
}

template <typename T, typename Acc>
void baseline(benchmark::State &state, GemmShape s) {
    const std::vector<T> a = random_values<T>(size_t(s.m) * s.k, -100, 100, 3),
                         w = random_values<T>(size_t(s.n) * s.k, -100, 100, 4);
    std::vector<Acc> out(size_t(s.m) * s.n);
    const char *kernel = "";
    for (auto _ : state) {
        kernel = baseline_gemm(s, a.data(), a.size(), w.data(), w.size(), out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), kernel);
}

template <typename T, typename Acc>
void baseline_conv(benchmark::State &state, Conv2dShape s) {
    const std::vector<T> a = random_values<T>(size_t(s.height) * s.width * s.channels, -100, 100, 3);
    const std::vector<T> w = random_values<T>(size_t(s.out_channels) * s.kernel_h * s.kernel_w * s.channels, -100, 100, 4);
    std::vector<Acc> out(size_t(s.out_height()) * s.out_width() * s.out_channels);
    const char *kernel = "";
    for (auto _ : state) {
        kernel = baseline_conv2d(s, a.data(), a.size(), w.data(), w.size(), out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), kernel);
}

const struct {
    const char *name;
    MxFormat a, w;
} kPairs[] = {{"MXFP4", MxFormat::Fp4E2M1, MxFormat::Fp4E2M1},
              {"FP8aFP4w", MxFormat::Fp8E4M3, MxFormat::Fp4E2M1},
              {"MXFP8", MxFormat::Fp8E4M3, MxFormat::Fp8E4M3},
              {"MXFP6", MxFormat::Fp6E2M3, MxFormat::Fp6E2M3},
              {"MXFP6_E3M2", MxFormat::Fp6E3M2, MxFormat::Fp6E3M2},
              {"MXINT8", MxFormat::Int8, MxFormat::Int8}};

void register_all() {
    std::vector<GemmWorkload> gemms = gemm_workloads();
    gemms.push_back({"gemv14336x4096", {1, 14336, 4096}});
    for (const GemmWorkload &g : gemms) {
        for (const auto &p : kPairs) add(g.name + "/" + p.name, [=](benchmark::State &st) { mx(st, g.shape, p.a, p.w); });
        // fp32 activations quantized to MXFP4 in the call, against MXFP4 weights.
        add(g.name + "/f32aFP4w", [=](benchmark::State &st) {
            mx(st, g.shape, MxFormat::Fp4E2M1, MxFormat::Fp4E2M1, /*dropin=*/true);
        });
        add(g.name + "/deq_sgemm", [=](benchmark::State &st) { dequantized_sgemm(st, g.shape, MxFormat::Fp4E2M1); });
        add(g.name + "/int8", [=](benchmark::State &st) { baseline<int8_t, int32_t>(st, g.shape); });
        add(g.name + "/fp32", [=](benchmark::State &st) { baseline<float, float>(st, g.shape); });
        add(g.name + "/onednn_s8", [=](benchmark::State &st) { run_peer(st, macs(g.shape), onednn_int8_matmul(g.shape)); });
    }
    // A conv's input pixels (C2: 56x56 of 64 channels; C10: 7x7 of 512) and a square matrix.
    for (const auto &[name, rows, k] : {std::tuple{"C2_pixels", 56 * 56, 64}, std::tuple{"C10_pixels", 7 * 7, 512},
                                        std::tuple{"1024x1024", 1024, 1024}}) {
        for (MxFormat f : {MxFormat::Fp4E2M1, MxFormat::Fp8E4M3}) {
            add(std::string("quantize/") + name + "/" + mx_format_name(f),
                [=](benchmark::State &st) { quantize(st, rows, k, f); });
        }
    }
    for (const ConvLayer &l : resnet18_layers()) {
        for (const auto &p : kPairs)
            add(l.name + "/" + p.name, [=](benchmark::State &st) { mx_conv(st, l.shape, p.a, p.w); });
        add(l.name + "/int8", [=](benchmark::State &st) { baseline_conv<int8_t, int32_t>(st, l.shape); });
        add(l.name + "/fp32", [=](benchmark::State &st) { baseline_conv<float, float>(st, l.shape); });
        add(l.name + "/onednn_s8", [=](benchmark::State &st) { run_peer(st, macs(l.shape), onednn_conv(l.shape, true)); });
    }
}

}  // namespace
}  // namespace lpgen::bench

int main(int argc, char **argv) {
    return lpgen::bench::run_with_ratios(argc, argv, {"int8", "fp32", "deq_sgemm", "onednn_s8"},
                                         lpgen::bench::register_all);
}
