#include "halide_call.h"

namespace lpgen {
namespace {

thread_local std::string halide_message;

extern "C" void lpgen_capture_halide_error(void *, const char *message) { halide_message = message; }

// The Halide runtime prints errors to stderr and aborts by default; route them here instead.
const bool handler_installed = [] {
    halide_set_error_handler(lpgen_capture_halide_error);
    return true;
}();

const float kZero = 0.0f;

}  // namespace

std::string last_halide_error() { return halide_message; }
void clear_halide_error() { halide_message.clear(); }

View<const float> per_channel_view(const float *values, size_t count, int n) {
    halide_dimension_t dim{0, n, count == 1 ? 0 : 1, 0};
    if (values == nullptr) {
        dim.stride = 0;
        values = &kZero;
    }
    (void)handler_installed;
    return View<const float>(values, 1, &dim);
}

}  // namespace lpgen
