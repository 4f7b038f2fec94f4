// Calling a generated kernel: buffer views over caller memory, and turning a nonzero Halide
// status into lpgen::Error with the runtime's own message.
#pragma once

#include <string>
#include <vector>

#include "HalideBuffer.h"
#include "kernel_table.h"
#include "lpgen/bitserial.hpp"

namespace lpgen {

template <typename T>
using View = Halide::Runtime::Buffer<T>;

// A dense view, sizes innermost first (Halide order: the reverse of the C array declaration).
template <typename T>
View<T> dense_view(T *data, std::vector<int> sizes) {
    return View<T>(data, sizes);
}

// A 1-D view of n floats that reads `values[0]` everywhere when count == 1 (stride 0).
View<const float> per_channel_view(const float *values, size_t count, int n);

// The message the Halide runtime reported during the last failed call on this thread.
std::string last_halide_error();
void clear_halide_error();

template <typename Fn, typename... Args>
const char *run_kernel(const Kernel<Fn> &kernel, Args... args) {
    clear_halide_error();
    const int status = kernel.fn(args...);
    if (status != 0) {
        throw Error(std::string(kernel.name) + " failed (Halide status " + std::to_string(status) +
                    "): " + last_halide_error());
    }
    return kernel.name;
}

}  // namespace lpgen
