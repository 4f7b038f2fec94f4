#include "layer_set.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench/workloads.h"
#include "conv_shape.h"
#include "safe_files.h"
#include "validate.h"

namespace lpgen::cli {
namespace {

std::vector<std::string> split(const std::string &text, char separator) {
    std::vector<std::string> parts;
    std::stringstream stream(text);
    for (std::string part; std::getline(stream, part, separator);) {
        if (!part.empty()) parts.push_back(part);
    }
    return parts;
}

std::vector<Layer> resnet18(const std::vector<std::string> &names) {
    std::vector<Layer> all;
    for (const auto &l : bench::resnet18_layers()) all.push_back({l.name, l.shape});
    if (names.empty()) return all;
    std::vector<Layer> chosen;
    for (const std::string &name : names) {
        auto it = std::find_if(all.begin(), all.end(), [&](const Layer &l) { return l.name == name; });
        if (it == all.end()) throw Error("lpgen: resnet18 has no layer '" + name + "' (C2 to C12)");
        chosen.push_back(*it);
    }
    return chosen;
}

int field(const nlohmann::json &layer, const char *key, int fallback, bool required) {
    if (!layer.contains(key)) {
        if (required) {
            const std::string name = layer.contains("name") && layer["name"].is_string() ? layer["name"].get<std::string>() : "";
            throw Error(std::string("lpgen: layer '") + name.substr(0, 64) + "' has no '" + key + "'");
        }
        return fallback;
    }
    if (!layer[key].is_number_integer()) throw Error(std::string("lpgen: '") + key + "' must be an integer");
    const auto value = layer[key].get<long long>();
    if (value < 0 || value > (1 << 24)) throw Error(std::string("lpgen: '") + key + "' is out of range");
    return static_cast<int>(value);
}

std::string text_field(const nlohmann::json &layer, const char *key, const std::string &fallback) {
    if (!layer.contains(key)) return fallback;
    if (!layer[key].is_string()) throw Error(std::string("lpgen: '") + key + "' must be a string");
    return layer[key].get<std::string>();
}

// The keys a layer object may have: a misspelt one ("kernal") is an error, not a default.
void check_keys(const nlohmann::json &j, size_t index, const std::string &op) {
    static const char *const kConv[] = {"name", "op", "batch", "height", "width", "channels", "out_channels",
                                        "kernel", "kernel_h", "kernel_w", "stride", "stride_h", "stride_w",
                                        "dilation", "dilation_h", "dilation_w", "pad", "pad_top", "pad_left",
                                        "pad_bottom", "pad_right"};
    static const char *const kGemm[] = {"name", "op", "m", "n", "k"};
    for (const auto &item : j.items()) {
        bool known = false;
        if (op == "gemm") {
            for (const char *key : kGemm) known = known || item.key() == key;
        } else {
            for (const char *key : kConv) known = known || item.key() == key;
        }
        if (!known) {
            throw Error("lpgen: layer " + std::to_string(index) + " has an unknown key '" + item.key().substr(0, 64) +
                        "' (a " + op + " layer takes " + (op == "gemm" ? "name, op, m, n, k" : "name, op, batch, "
                        "height, width, channels, out_channels, kernel[_h|_w], stride[_h|_w], dilation[_h|_w], "
                        "pad[_top|_left|_bottom|_right]") + ")");
        }
    }
}

Layer from_json(const nlohmann::json &j, size_t index) {
    if (!j.is_object()) throw Error("lpgen: layer " + std::to_string(index) + " is not an object");
    Layer layer;
    layer.name = text_field(j, "name", "layer" + std::to_string(index));
    const std::string op = text_field(j, "op", "conv2d");
    if (op == "gemm" || op == "conv2d") check_keys(j, index, op);
    Conv2dShape &s = layer.shape;
    if (op == "gemm") {
        s.height = field(j, "m", 0, true), s.width = 1;
        s.out_channels = field(j, "n", 0, true), s.channels = field(j, "k", 0, true);
    } else if (op == "conv2d") {
        s.batch = field(j, "batch", 1, false);
        s.height = field(j, "height", 0, true), s.width = field(j, "width", s.height, false);
        s.channels = field(j, "channels", 0, true), s.out_channels = field(j, "out_channels", 0, true);
        // "kernel", "stride", "dilation" and "pad" set both sides; the _h/_w, top/left/... keys one.
        const int kernel = field(j, "kernel", 1, false), stride = field(j, "stride", 1, false);
        const int dilation = field(j, "dilation", 1, false), pad = field(j, "pad", 0, false);
        s.kernel_h = field(j, "kernel_h", kernel, false), s.kernel_w = field(j, "kernel_w", kernel, false);
        s.stride_h = field(j, "stride_h", stride, false), s.stride_w = field(j, "stride_w", stride, false);
        s.dilation_h = field(j, "dilation_h", dilation, false), s.dilation_w = field(j, "dilation_w", dilation, false);
        s.pad_top = field(j, "pad_top", pad, false), s.pad_left = field(j, "pad_left", pad, false);
        s.pad_bottom = field(j, "pad_bottom", pad, false), s.pad_right = field(j, "pad_right", pad, false);
    } else {
        throw Error("lpgen: layer '" + layer.name + "' has op '" + op + "'; expected conv2d or gemm");
    }
    check_conv_shape(s);
    checked_product({size_t(s.batch), size_t(s.height), size_t(s.width), size_t(s.channels)}, "the layer's input");
    checked_product({size_t(s.out_channels), size_t(s.kernel_h), size_t(s.kernel_w), size_t(s.channels)},
                    "the layer's weights");
    conv_output_count(s);
    return layer;
}

std::vector<Layer> from_file(const std::string &path) { return parse_layer_list(read_capped(path, "layer list"), path); }

}  // namespace

std::vector<Layer> parse_layer_list(const std::string &json_text, const std::string &source) {
    check_json_depth(json_text, source);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(json_text);
    } catch (const nlohmann::json::exception &e) {
        throw Error("lpgen: " + source + " is not valid JSON: " + e.what());
    }
    if (!j.is_object() || !j.contains("layers") || !j["layers"].is_array() || j["layers"].empty()) {
        throw Error("lpgen: " + source + " needs a non-empty \"layers\" array");
    }
    std::vector<Layer> layers;
    for (size_t i = 0; i < j["layers"].size(); ++i) layers.push_back(from_json(j["layers"][i], i));
    return layers;
}

Layer parse_layer(const std::string &json_object, const std::string &source) {
    return parse_layer_list("{\"layers\": [" + json_object + "]}", source).at(0);
}

std::vector<Layer> load_layers(const std::string &spec) {
    if (spec.empty()) throw Error("lpgen: --layers is empty; name resnet18, layers such as C2,C5, or a JSON file");
    const bool json_name = spec.size() > 5 && spec.compare(spec.size() - 5, 5, ".json") == 0;
    if (json_name || spec.find('/') != std::string::npos) return from_file(spec);
    if (spec == "resnet18") return resnet18({});
    if (spec.rfind("resnet18:", 0) == 0) return resnet18(split(spec.substr(9), ','));
    return resnet18(split(spec, ','));
}

std::string layer_json(const Layer &layer) {
    const Conv2dShape &s = layer.shape;
    const nlohmann::json j = {{"name", layer.name},         {"op", "conv2d"},           {"batch", s.batch},
                              {"height", s.height},         {"width", s.width},         {"channels", s.channels},
                              {"out_channels", s.out_channels}, {"kernel_h", s.kernel_h}, {"kernel_w", s.kernel_w},
                              {"stride_h", s.stride_h},     {"stride_w", s.stride_w},   {"dilation_h", s.dilation_h},
                              {"dilation_w", s.dilation_w}, {"pad_top", s.pad_top},     {"pad_left", s.pad_left},
                              {"pad_bottom", s.pad_bottom}, {"pad_right", s.pad_right}};
    return j.dump();
}

std::string describe(const Conv2dShape &s) {
    std::ostringstream out;
    out << s.height << "x" << s.width << "x" << s.channels << " -> " << s.out_channels << ", " << s.kernel_h << "x"
        << s.kernel_w << "/" << s.stride_h;
    return out.str();
}

}  // namespace lpgen::cli
