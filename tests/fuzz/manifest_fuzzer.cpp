// libFuzzer target for the bundle manifest parser (manifest.json from lpgen generate, read back
// by lpgen verify --bundle): any text either parses into a manifest whose file names stay inside
// the bundle and whose layers are valid, or is rejected with lpgen::Error; nothing else escapes.
#include <string>

#include "conv_shape.h"
#include "layer_set.h"
#include "manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lpgen::cli::Manifest m;
    try {
        m = lpgen::cli::parse_manifest(std::string(reinterpret_cast<const char *>(data), size), "fuzz input");
    } catch (const lpgen::Error &) {
        return 0;  // rejected with a message: fine
    }
    for (const std::string *file : {&m.library, &m.shared_object, &m.header}) {
        if (file->empty() || file->find('/') != std::string::npos) __builtin_trap();
    }
    try {
        for (const auto &e : m.entries) {
            lpgen::check_conv_shape(lpgen::cli::parse_layer(e.layer_json, "entry").shape);
        }
    } catch (const lpgen::Error &) {
        __builtin_trap();  // the parser accepted a layer that is not valid
    }
    return 0;
}
