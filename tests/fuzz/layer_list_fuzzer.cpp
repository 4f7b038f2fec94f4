// libFuzzer target for the layer-list parser (lpgen's JSON input): any text either parses
// into valid conv2d layers or is rejected with lpgen::Error; nothing else may escape.
#include <string>
#include <vector>

#include "conv_shape.h"
#include "layer_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::vector<lpgen::cli::Layer> layers;
    try {
        layers = lpgen::cli::parse_layer_list(std::string(reinterpret_cast<const char *>(data), size), "fuzz input");
    } catch (const lpgen::Error &) {
        return 0;  // rejected with a message: fine
    }
    // What the parser accepted must be a valid conv2d.
    for (const lpgen::cli::Layer &layer : layers) {
        try {
            lpgen::check_conv_shape(layer.shape);
        } catch (const lpgen::Error &) {
            __builtin_trap();
        }
    }
    return 0;
}
