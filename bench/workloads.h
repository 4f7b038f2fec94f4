// The benchmark workloads: ResNet-18 conv layers C2-C12 (batch 1, as in Cowan et al.) and GEMMs.
#pragma once

#include <string>
#include <vector>

#include "lpgen/bitserial.hpp"

namespace lpgen::bench {

struct ConvLayer {
    std::string name;
    Conv2dShape shape;
};

inline Conv2dShape resnet_conv(int hw, int c, int oc, int k, int stride) {
    Conv2dShape s;
    s.height = s.width = hw, s.channels = c, s.out_channels = oc, s.kernel_h = s.kernel_w = k;
    s.stride_h = s.stride_w = stride;
    s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = k / 2;
    return s;
}

inline const std::vector<ConvLayer> &resnet18_layers() {
    static const std::vector<ConvLayer> layers = {
        {"C2", resnet_conv(56, 64, 64, 3, 1)},    {"C3", resnet_conv(56, 64, 64, 1, 1)},
        {"C4", resnet_conv(56, 64, 128, 3, 2)},   {"C5", resnet_conv(56, 64, 128, 1, 2)},
        {"C6", resnet_conv(28, 128, 128, 3, 1)},  {"C7", resnet_conv(28, 128, 256, 3, 2)},
        {"C8", resnet_conv(28, 128, 256, 1, 2)},  {"C9", resnet_conv(14, 256, 256, 3, 1)},
        {"C10", resnet_conv(14, 256, 512, 3, 2)}, {"C11", resnet_conv(14, 256, 512, 1, 2)},
        {"C12", resnet_conv(7, 512, 512, 3, 1)},
    };
    return layers;
}

struct GemmWorkload {
    std::string name;
    GemmShape shape;
};

inline const std::vector<GemmWorkload> &gemm_workloads() {
    static const std::vector<GemmWorkload> gemms = {
        {"gemm64", {64, 64, 64}},
        {"gemm256", {256, 256, 256}},
        {"gemm1024", {1024, 1024, 1024}},
        // LLM decode and prefill shapes (M x N x K): 7B-class attention and MLP projections.
        {"gemv4096", {1, 4096, 4096}},
        {"gemv11008x4096", {1, 11008, 4096}},
        {"gemv4096x11008", {1, 4096, 11008}},
        {"gemm256x4096", {256, 4096, 4096}},
    };
    return gemms;
}

// Multiply-accumulates of one call (1 MAC = 2 ops).
inline double macs(const Conv2dShape &s) {
    return double(s.batch) * s.out_height() * s.out_width() * s.out_channels * s.kernel_h * s.kernel_w * s.channels;
}
inline double macs(const GemmShape &s) { return double(s.m) * s.n * s.k; }

struct Precision {
    std::string name;
    int abits, wbits;
    Encoding a_encoding = Encoding::Unsigned, w_encoding = Encoding::Unsigned;
};

inline const std::vector<Precision> &bitserial_precisions() {
    static const std::vector<Precision> p = {{"1A1W", 1, 1}, {"2A1W", 2, 1}, {"2A2W", 2, 2}, {"3A3W", 3, 3}, {"4A4W", 4, 4}};
    return p;
}

// The precision sweep (bench/REPORT.md): a, w in {1, 2, 3, 4, 8} unsigned, XNOR, and signed 4A4W.
inline std::vector<Precision> sweep_precisions() {
    std::vector<Precision> p;
    for (int a : {1, 2, 3, 4, 8})
        for (int w : {1, 2, 3, 4, 8}) p.push_back({std::to_string(a) + "A" + std::to_string(w) + "W", a, w});
    p.push_back({"XNOR", 1, 1, Encoding::Bipolar, Encoding::Bipolar});
    p.push_back({"4A4W:sxs", 4, 4, Encoding::Signed, Encoding::Signed});
    return p;
}

}  // namespace lpgen::bench
