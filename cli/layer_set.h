// The layers a command runs: a built-in set ("resnet18", or some of its layers by name) or a
// JSON layer list. A GEMM layer (M x N x K) is the 1x1 conv2d over M pixels of K channels.
#pragma once

#include <string>
#include <vector>

#include "lpgen/bitserial.hpp"

namespace lpgen::cli {

struct Layer {
    std::string name;
    Conv2dShape shape;
};

// "resnet18" (C2-C12, batch 1), "resnet18:C2,C5", "C2,C5" or the path of a JSON file:
//   {"layers": [{"name": "C2", "op": "conv2d", "height": 56, "width": 56, "channels": 64,
//                "out_channels": 64, "kernel": 3, "stride": 1, "pad": 1},
//               (optional per side: kernel_h/_w, stride_h/_w, dilation(_h/_w), pad_top/_left/_bottom/_right)
//               {"name": "fc", "op": "gemm", "m": 1, "n": 1000, "k": 512}]}
// Throws lpgen::Error naming what is wrong.
std::vector<Layer> load_layers(const std::string &spec);

// The JSON layer list itself (`source` names it in messages). Every layer is checked to be a
// valid conv2d: positive sizes, a window that fits the padded input.
std::vector<Layer> parse_layer_list(const std::string &json_text, const std::string &source);

// One layer given as a single JSON object of the layer-list format (what layer_json writes).
Layer parse_layer(const std::string &json_object, const std::string &source);

// One layer as a JSON object of the layer-list format, every field spelled out (a conv2d; a
// GEMM layer is the 1x1 conv2d it runs as): what the tuner hands its measuring processes.
std::string layer_json(const Layer &layer);

// "56x56x64 -> 64, 3x3/1" for tables.
std::string describe(const Conv2dShape &s);

}  // namespace lpgen::cli
