// What the runtime costs: each ResNet-18 layer at 1A1W and 2A2W (fp32 epilogue) called
//   <layer>.<p>/direct   the generated conv2d kernel for those widths, its Halide buffers built
//                        once outside the loop (what a program calling Halide's output gets);
//   <layer>.<p>/c_api    lpgen_bs_conv2d_f32 on a weights handle: argument checks, dispatch,
//                        buffer views and threading decisions in every call.
// The ratio table's "direct" column is the overhead (1.00x = none). For unpadded 1x1 layers the
// runtime runs the GEMM kernel instead of the conv2d one, so there it can be faster. "tiny" (a
// 3x3 conv of one 64-channel pixel) measures the runtime's fixed cost per call in microseconds,
// which the shared machine's noise would hide in the ratios of the real layers.
//
//   runtime_overhead_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <limits>
#include <vector>

#include "bench_main.h"
#include "c_api_convert.h"
#include "halide_call.h"
#include "lpgen/lpgen.h"
#include "random_values.h"
#include "workloads.h"

namespace lpgen::bench {
namespace {

struct LayerOperands {
    Conv2dShape s;
    Operand a_op, w_op;
    std::vector<uint64_t> a, w;
    std::vector<float> out;
    float scale = 0.01f;

    LayerOperands(const Conv2dShape &shape, const Precision &p) : s(shape), a_op{p.abits}, w_op{p.wbits} {
        const int pixels = s.batch * s.height * s.width;
        const int taps = s.out_channels * s.kernel_h * s.kernel_w;
        a.resize(packed_words(pixels, s.channels, p.abits));
        w.resize(packed_words(taps, s.channels, p.wbits));
        const auto a_codes = random_values<uint8_t>(size_t(pixels) * s.channels, 0, (1 << p.abits) - 1, 1);
        const auto w_codes = random_values<uint8_t>(size_t(taps) * s.channels, 0, (1 << p.wbits) - 1, 2);
        pack_bits(a_codes.data(), a_codes.size(), pixels, s.channels, p.abits, a.data(), a.size());
        pack_bits(w_codes.data(), w_codes.size(), taps, s.channels, p.wbits, w.data(), w.size());
        out.resize(size_t(s.batch) * s.out_height() * s.out_width() * s.out_channels);
    }
};

void direct(benchmark::State &state, Conv2dShape s, Precision p) {
    LayerOperands o(s, p);
    const int cw = (s.channels + 63) / 64;
    auto a = dense_view(static_cast<const uint64_t *>(o.a.data()), {cw, p.abits, s.width, s.height, s.batch});
    auto w = dense_view(static_cast<const uint64_t *>(o.w.data()), {cw, p.wbits, s.kernel_w, s.kernel_h, s.out_channels});
    auto out = dense_view(o.out.data(), {s.out_channels, s.out_width(), s.out_height(), s.batch});
    auto scale = per_channel_view(&o.scale, 1, s.out_channels);
    auto bias = per_channel_view(&o.scale, 1, s.out_channels);
    const KernelSet &set = kernels();
    const auto kernel = for_widths(set, &SpecializedBitserial::conv2d_f32, set.conv2d_f32, p.abits, p.wbits);
    const float inf = std::numeric_limits<float>::infinity();
    for (auto _ : state) {
        kernel.fn(a.raw_buffer(), w.raw_buffer(), s.channels, s.stride_w, s.stride_h, s.dilation_w, s.dilation_h,
                  s.pad_left, s.pad_top, p.abits, p.wbits, 0, 0, 0, 0, scale.raw_buffer(), bias.raw_buffer(), -inf, inf,
                  out.raw_buffer());
        benchmark::DoNotOptimize(o.out.data());
    }
    report(state, macs(s), kernel.name);
}

void c_api(benchmark::State &state, Conv2dShape s, Precision p) {
    LayerOperands o(s, p);
    const lpgen_conv2d_shape cs = capi::to_c(s);
    const lpgen_operand a_op{p.abits, LPGEN_UNSIGNED, 0}, w_op{p.wbits, LPGEN_UNSIGNED, 0};
    // The handle packs the same codes the direct call reads.
    const int taps = s.out_channels * s.kernel_h * s.kernel_w;
    const auto w_codes = random_values<uint8_t>(size_t(taps) * s.channels, 0, (1 << p.wbits) - 1, 2);
    lpgen_bs_weights *w = nullptr;
    if (lpgen_bs_weights_conv2d(w_codes.data(), w_codes.size(), s.out_channels, s.kernel_h, s.kernel_w, s.channels,
                                &w_op, &w) != LPGEN_OK) {
        state.SkipWithError(lpgen_last_error());
        return;
    }
    const lpgen_epilogue e{&o.scale, 1, &o.scale, 1, -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::infinity()};
    for (auto _ : state) {
        if (lpgen_bs_conv2d_f32(&cs, o.a.data(), o.a.size(), &a_op, w, &e, o.out.data(), o.out.size()) != LPGEN_OK) {
            state.SkipWithError(lpgen_last_error());
            break;
        }
        benchmark::DoNotOptimize(o.out.data());
    }
    report(state, macs(s), lpgen_last_kernel());
    lpgen_bs_weights_free(w);
}

void register_all() {
    // A layer so small that the kernel's own work is negligible: the difference between its two
    // times is the runtime's cost per call, to set against each layer's time below.
    std::vector<ConvLayer> layers = {{"tiny", resnet_conv(1, 64, 64, 3, 1)}};
    layers.insert(layers.end(), resnet18_layers().begin(), resnet18_layers().end());
    for (const ConvLayer &layer : layers) {
        for (const Precision &p : {Precision{"1A1W", 1, 1}, Precision{"2A2W", 2, 2}}) {
            const std::string prefix = layer.name + "." + p.name + "/";
            add(prefix + "direct", [=](benchmark::State &st) { direct(st, layer.shape, p); });
            add(prefix + "c_api", [=](benchmark::State &st) { c_api(st, layer.shape, p); });
        }
    }
}

}  // namespace
}  // namespace lpgen::bench

int main(int argc, char **argv) {
    return lpgen::bench::run_with_ratios(argc, argv, {"direct"}, lpgen::bench::register_all);
}
