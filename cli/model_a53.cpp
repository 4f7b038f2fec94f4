// lpgen model-a53: the paper's comparison on a Cortex-A53 (bit-serial against the int16
// baseline) under the tuner's cost model, for boards that are not at hand: llvm-mca
// -mcpu=cortex-a53 over the hottest inner loop of each default arm64 kernel (autotune/model.h),
// then cycles per layer = MACs / modeled MACs per cycle. No caches and no loop-nest overhead:
// modeled, not measured, and every output says so.
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "layer_job.h"
#include "layer_set.h"
#include "model.h"

namespace lpgen::cli {
namespace {

struct ModeledKernel {
    const char *name, *file;
    int abits, wbits;    // 0: a multiply kernel (work = MACs), else bit planes (work = popcount bits)
    const char *column;  // its column in the per-layer table (conv2d kernels), else null
};

// The int16 conv2d first: every rate is compared with it.
const ModeledKernel kKernels[] = {
    {"int16 conv2d (baseline)", "lpgen_base_conv2d_i16__arm64_a53.s", 0, 0, "int16"},
    {"int8 conv2d", "lpgen_base_conv2d_i8__arm64_a53.s", 0, 0, "int8"},
    {"1A1W conv2d", "lpgen_bs_conv2d_i32_a1w1__arm64_a53.s", 1, 1, "1A1W"},
    {"2A1W conv2d", "lpgen_bs_conv2d_i32_a2w1__arm64_a53.s", 2, 1, "2A1W"},
    {"2A2W conv2d", "lpgen_bs_conv2d_i32_a2w2__arm64_a53.s", 2, 2, "2A2W"},
    {"int16 gemm (baseline)", "lpgen_base_gemm_i16__arm64_a53.s", 0, 0, nullptr},
    {"1A1W gemm", "lpgen_bs_gemm_i32_a1w1__arm64_a53.s", 1, 1, nullptr},
    // MX block sums (FP4 and FP6 E2M3 pairs in int16 lanes; FP6 E3M2 and INT8 in int16 pairs),
    // without the per-call decode of the activations.
    {"MX int8 gemm (FP4, E2M3)", "lpgen_mx_gemm_i8__arm64_a53.s", 0, 0, nullptr},
    {"MX int16 gemm (E3M2)", "lpgen_mx_gemm_i16__arm64_a53.s", 0, 0, nullptr},
    {"MX int8 gemv (MXFP4 W4A8)", "lpgen_mx_gemv_i8__arm64_a53.s", 0, 0, nullptr},
    // Low-bit LLM decode: packed fields unpacked in registers, int8 x int8 into int16 lanes
    // (ternary runs the 2-bit kernel, 3-bit the 4-bit one).
    {"low-bit gemv W1A8", "lpgen_lowbit_gemv_w1__arm64_a53.s", 0, 0, nullptr},
    {"low-bit gemv W2A8", "lpgen_lowbit_gemv_w2__arm64_a53.s", 0, 0, nullptr},
    {"low-bit gemv W4A8", "lpgen_lowbit_gemv_w4__arm64_a53.s", 0, 0, nullptr},
};

}  // namespace

int model_a53(const ModelA53Options &o) {
    std::printf("Cortex-A53, modeled (llvm-mca -mcpu=cortex-a53 over each kernel's hottest inner loop), not measured\n");
    std::printf("%-26s %11s %10s %11s %9s\n", "kernel", "cycles/iter", "MACs/iter", "MACs/cycle", "vs int16");
    nlohmann::json kernels = nlohmann::json::array();
    std::vector<std::pair<const char *, double>> columns;  // conv2d kernels: column, modeled MACs per cycle
    for (const ModeledKernel &k : kKernels) {
        const bool bits = k.abits > 0;
        const tune::LoopModel loop = tune::model_hottest_loop(o.kernel_dir + "/" + k.file, bits, o.llvm_mca);
        // One popcount bit is one one-bit product; an aAwW MAC takes a * w of them.
        const double macs = bits ? loop.work_per_iteration / (k.abits * k.wbits) : loop.work_per_iteration;
        const double rate = macs / loop.cycles_per_iteration;
        if (k.column) columns.emplace_back(k.column, rate);
        std::printf("%-26s %11.1f %10.0f %11.2f %8.2fx\n", k.name, loop.cycles_per_iteration, macs, rate,
                    rate / columns.front().second);
        kernels.push_back({{"kernel", k.name}, {"file", k.file}, {"cycles_per_iteration", loop.cycles_per_iteration},
                           {"macs_per_iteration", macs}, {"macs_per_cycle", rate}});
    }
    const double int16_rate = columns.front().second;
    double one_bit_rate = 0;
    std::printf("\nper layer, modeled Mcycles (conv2d kernels)\n%-6s %9s", "layer", "MMACs");
    for (const auto &[column, rate] : columns) {
        std::printf(" %9s", column);
        if (std::string(column) == "1A1W") one_bit_rate = rate;
    }
    std::printf(" %12s\n", "1A1W/int16");
    nlohmann::json layers = nlohmann::json::array();
    for (const Layer &layer : load_layers(o.layers)) {
        const double macs = layer_macs(layer.shape);
        nlohmann::json mcycles;
        std::printf("%-6s %9.1f", layer.name.c_str(), macs / 1e6);
        for (const auto &[column, rate] : columns) {
            mcycles[column] = macs / rate / 1e6;
            std::printf(" %9.2f", macs / rate / 1e6);
        }
        std::printf(" %11.2fx\n", one_bit_rate / int16_rate);
        layers.push_back({{"layer", layer.name}, {"macs", macs}, {"mcycles", mcycles}});
    }
    if (!o.json_path.empty()) {
        std::ofstream out(o.json_path);
        out << nlohmann::json{{"modeled", "llvm-mca -mcpu=cortex-a53, hottest inner loop; not measured"},
                              {"kernels", kernels}, {"layers", layers}}.dump(2) << "\n";
        if (!out) throw Error("lpgen: cannot write " + o.json_path);
    }
    return 0;
}

}  // namespace lpgen::cli
