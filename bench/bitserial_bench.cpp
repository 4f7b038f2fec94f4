// Bit-serial GEMM and conv2d against the generated int16 (the paper's baseline) and int8
// kernels and against oneDNN (int8, fp32) and OpenBLAS (fp32), single thread, on ResNet-18
// C2-C12 and GEMMs; prints GOPS and same-run ratios. <layer>/1A1W+pack and /XNOR (bipolar
// 1A1W) pack the activations inside every call (end to end).
//
//   bitserial_bench [--benchmark_filter=...]  (any Google Benchmark flag)
// Workload names: C2..C12 (conv layers), C2.gemm.. (their GEMM-equivalents, M = OH*OW,
// N = OC, K = KH*KW*C), gemm256, gemm1024, gemv4096. Weights are packed once, outside the
// timed loop; activations are packed before the loop too (packing is reported on its own
// as <workload>/pack<A>). sweep-<workload>/<precision>: the precision sweep (workloads.h).
#include <benchmark/benchmark.h>

#include <random>

#include "bench_main.h"
#include "bitserial_int8.h"
#include "peers.h"
#include "random_values.h"
#include "workloads.h"

namespace lpgen::bench {
namespace {

std::vector<uint8_t> random_codes(size_t count, int bits, uint32_t seed) {
    return random_values<uint8_t>(count, 0, (1 << bits) - 1, seed);
}

std::vector<uint64_t> packed(const std::vector<uint8_t> &codes, int rows, int k, int bits) {
    std::vector<uint64_t> out(packed_words(rows, k, bits));
    pack_bits(codes.data(), codes.size(), rows, k, bits, out.data(), out.size());
    return out;
}

void bitserial_conv(benchmark::State &state, Conv2dShape s, Precision p) {
    const int pixels = s.batch * s.height * s.width;
    auto a = packed(random_codes(size_t(pixels) * s.channels, p.abits, 1), pixels, s.channels, p.abits);
    auto w = packed(random_codes(size_t(s.out_channels) * s.kernel_h * s.kernel_w * s.channels, p.wbits, 2),
                    s.out_channels * s.kernel_h * s.kernel_w, s.channels, p.wbits);
    std::vector<int32_t> out(size_t(s.batch) * s.out_height() * s.out_width() * s.out_channels);
    const Operand ao{p.abits, p.a_encoding}, wo{p.wbits, p.w_encoding};
    Int8DotCache int8;  // as a weights handle keeps it: the int8 path's weights are made once,
    // by this untimed first call
    const char *kernel = bitserial_conv2d(s, a.data(), a.size(), ao, w.data(), w.size(), wo, out.data(), out.size(), &int8);
    for (auto _ : state) {
        kernel = bitserial_conv2d(s, a.data(), a.size(), ao, w.data(), w.size(), wo, out.data(), out.size(), &int8);
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), kernel);
}

void bitserial_gemm_bench(benchmark::State &state, GemmShape s, Precision p) {
    auto a = packed(random_codes(size_t(s.m) * s.k, p.abits, 3), s.m, s.k, p.abits);
    auto w = packed(random_codes(size_t(s.n) * s.k, p.wbits, 4), s.n, s.k, p.wbits);
    std::vector<int32_t> out(size_t(s.m) * s.n);
    const Operand ao{p.abits, p.a_encoding}, wo{p.wbits, p.w_encoding};
    Int8DotCache int8;  // filled by this untimed first call, as a weights handle's first call does
    const char *kernel = bitserial_gemm(s, a.data(), a.size(), ao, w.data(), w.size(), wo, out.data(), out.size(), &int8);
    for (auto _ : state) {
        kernel = bitserial_gemm(s, a.data(), a.size(), ao, w.data(), w.size(), wo, out.data(), out.size(), &int8);
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), kernel);
}

template <typename T>
void baseline_conv(benchmark::State &state, Conv2dShape s) {
    const int lim = sizeof(T) == 1 ? 127 : 32767;
    auto a = random_values<T>(size_t(s.batch) * s.height * s.width * s.channels, -lim, lim, 5);
    auto w = random_values<T>(size_t(s.out_channels) * s.kernel_h * s.kernel_w * s.channels, -lim, lim, 6);
    std::vector<int32_t> out(size_t(s.batch) * s.out_height() * s.out_width() * s.out_channels);
    const char *kernel = "";
    for (auto _ : state) {
        kernel = baseline_conv2d(s, a.data(), a.size(), w.data(), w.size(), out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), kernel);
}

template <typename T>
void baseline_gemm_bench(benchmark::State &state, GemmShape s) {
    const int lim = sizeof(T) == 1 ? 127 : 32767;
    auto a = random_values<T>(size_t(s.m) * s.k, -lim, lim, 7);
    auto w = random_values<T>(size_t(s.n) * s.k, -lim, lim, 8);
    std::vector<int32_t> out(size_t(s.m) * s.n);
    const char *kernel = "";
    for (auto _ : state) {
        kernel = baseline_gemm(s, a.data(), a.size(), w.data(), w.size(), out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), kernel);
}

// End to end: activation codes packed inside every call, then the conv (weights packed once).
void bitserial_conv_end_to_end(benchmark::State &state, Conv2dShape s, Precision p, Encoding e) {
    const int pixels = s.batch * s.height * s.width;
    const auto codes = random_codes(size_t(pixels) * s.channels, p.abits, 1);
    std::vector<uint64_t> a(packed_words(pixels, s.channels, p.abits));
    auto w = packed(random_codes(size_t(s.out_channels) * s.kernel_h * s.kernel_w * s.channels, p.wbits, 2),
                    s.out_channels * s.kernel_h * s.kernel_w, s.channels, p.wbits);
    std::vector<int32_t> out(size_t(s.batch) * s.out_height() * s.out_width() * s.out_channels);
    const Operand ao{p.abits, e}, wo{p.wbits, e};
    const char *kernel = "";
    for (auto _ : state) {
        pack_bits(codes.data(), codes.size(), pixels, s.channels, p.abits, a.data(), a.size());
        kernel = bitserial_conv2d(s, a.data(), a.size(), ao, w.data(), w.size(), wo, out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    report(state, macs(s), kernel);
}

// Activation packing of one call, reported on its own (bits of the first precision using it).
void pack_activations(benchmark::State &state, int rows, int k, int bits) {
    auto codes = random_codes(size_t(rows) * k, bits, 9);
    std::vector<uint64_t> out(packed_words(rows, k, bits));
    const char *kernel = "";
    for (auto _ : state) {
        kernel = pack_bits(codes.data(), codes.size(), rows, k, bits, out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    state.SetLabel(kernel);
}

GemmShape gemm_equivalent(const Conv2dShape &s) {
    return {s.batch * s.out_height() * s.out_width(), s.out_channels, s.kernel_h * s.kernel_w * s.channels};
}

void register_all() {
    register_peaks();
    std::vector<GemmWorkload> gemms = gemm_workloads();
    for (const ConvLayer &layer : resnet18_layers()) {
        for (const Precision &p : bitserial_precisions()) {
            add(layer.name + "/" + p.name, [=](benchmark::State &st) { bitserial_conv(st, layer.shape, p); });
        }
        const Conv2dShape s = layer.shape;
        add(layer.name + "/XNOR", [=](benchmark::State &st) {
            bitserial_conv_end_to_end(st, s, {"XNOR", 1, 1}, Encoding::Bipolar);
        });
        for (const char *name : {"1A1W", "2A1W"}) {
            const Precision p{name, name[0] - '0', name[2] - '0'};
            add(layer.name + "/" + name + "+pack",
                [=](benchmark::State &st) { bitserial_conv_end_to_end(st, s, p, Encoding::Unsigned); });
        }
        add(layer.name + "/int16", [=](benchmark::State &st) { baseline_conv<int16_t>(st, layer.shape); });
        add(layer.name + "/int8", [=](benchmark::State &st) { baseline_conv<int8_t>(st, layer.shape); });
        add(layer.name + "/onednn_s8", [=](benchmark::State &st) { run_peer(st, macs(s), onednn_conv(s, true)); });
        add(layer.name + "/onednn_f32", [=](benchmark::State &st) { run_peer(st, macs(s), onednn_conv(s, false)); });
        add(layer.name + "/openblas_f32", [=](benchmark::State &st) { run_peer(st, macs(s), openblas_conv(s)); });
        add(layer.name + "/pack2A", [=](benchmark::State &st) { pack_activations(st, s.height * s.width, s.channels, 2); });
        gemms.push_back({layer.name + ".gemm", gemm_equivalent(layer.shape)});
    }
    for (const GemmWorkload &g : gemms) {
        for (const Precision &p : bitserial_precisions()) {
            add(g.name + "/" + p.name, [=](benchmark::State &st) { bitserial_gemm_bench(st, g.shape, p); });
        }
        if (g.shape.m == 1) {  // a GEMV: its read-bandwidth ceiling at 1, 2 and 4-bit weights
            for (int bits : {1, 2, 4}) {
                add(g.name + "/bound_w" + std::to_string(bits), [=](benchmark::State &st) {
                    bandwidth_bound(st, macs(g.shape), size_t(g.shape.n) * ((g.shape.k + 63) / 64) * 8 * bits);
                });
            }
        }
        add(g.name + "/int16", [=](benchmark::State &st) { baseline_gemm_bench<int16_t>(st, g.shape); });
        add(g.name + "/int8", [=](benchmark::State &st) { baseline_gemm_bench<int8_t>(st, g.shape); });
        add(g.name + "/onednn_s8", [=](benchmark::State &st) { run_peer(st, macs(g.shape), onednn_int8_matmul(g.shape)); });
        add(g.name + "/openblas_f32", [=](benchmark::State &st) { run_peer(st, macs(g.shape), openblas_gemm(g.shape)); });
    }
    // The precision sweep: every configuration on a GEMV, a GEMM, a 3x3 and a 1x1 strided layer,
    // with whichever algorithm the dispatcher picks (the label names the kernel that ran).
    for (const Precision &p : sweep_precisions()) {
        for (const GemmWorkload &g : gemm_workloads()) {
            if (g.name != "gemv4096" && g.name != "gemm1024") continue;
            add("sweep-" + g.name + "/" + p.name, [=](benchmark::State &st) { bitserial_gemm_bench(st, g.shape, p); });
        }
        for (const ConvLayer &layer : resnet18_layers()) {
            if (layer.name != "C2" && layer.name != "C5") continue;
            add("sweep-" + layer.name + "/" + p.name, [=](benchmark::State &st) { bitserial_conv(st, layer.shape, p); });
        }
    }
}

}  // namespace
}  // namespace lpgen::bench

int main(int argc, char **argv) {
    return lpgen::bench::run_with_ratios(argc, argv, {"int16", "int8", "onednn_s8"}, lpgen::bench::register_all);
}
