// Running one kernel call on several threads: the output is cut into slices along one of its
// dimensions (GEMM rows, conv output rows) and each thread runs the kernel on its slice, which
// a Halide kernel computes from the whole inputs. Results are bit-identical to one call: every
// output element is computed by the same code with the same summation order.
#pragma once

#include <exception>
#include <thread>
#include <vector>

#include "halide_call.h"

namespace lpgen {

// How much work a call is, in int8 multiply-accumulates (bit-serial: MACs x a_bits x w_bits / 8,
// a popcount word doing about 8 times an int8 vector's MACs).
struct Work {
    double int8_macs;
};

// Slices worth running in parallel: at most num_threads() (lpgen::set_num_threads, 1 by default), none thinner than `min_rows`, and
// none with less work than starting a thread costs (a slice of a few tens of microseconds).
int slice_count(int extent, int min_rows, Work work);

// Tests split small calls too: the least work per slice (<= 0 restores the default).
void set_min_slice_work(double int8_macs);

// body(begin, end) on each of `slices` pieces of [0, extent), piece 0 on the calling thread,
// the others each on a thread of its own; the first piece's exception, if any, is rethrown
// once all have finished.
template <typename Body>
void for_each_slice(int extent, int slices, Body body) {
    if (slices <= 1) return body(0, extent);
    std::vector<std::exception_ptr> errors(slices);
    auto run_slice = [&](int i) {
        try {
            body(int(int64_t(extent) * i / slices), int(int64_t(extent) * (i + 1) / slices));
        } catch (...) {
            errors[i] = std::current_exception();
        }
    };
    std::vector<std::thread> workers;
    for (int i = 1; i < slices; ++i) workers.emplace_back(run_slice, i);
    run_slice(0);
    for (std::thread &t : workers) t.join();
    for (const std::exception_ptr &e : errors) {
        if (e) std::rethrow_exception(e);
    }
}

// run_kernel(kernel, args..., out) with `out` cut along `dim` into slice_count() pieces.
template <typename Fn, typename T, typename... Args>
const char *run_kernel_sliced(const Kernel<Fn> &kernel, View<T> &out, int dim, int min_rows, Work work,
                              Args... args) {
    const int extent = out.dim(dim).extent(), first = out.dim(dim).min();
    for_each_slice(extent, slice_count(extent, min_rows, work), [&](int begin, int end) {
        View<T> slice = out.cropped(dim, first + begin, end - begin);
        run_kernel(kernel, args..., slice.raw_buffer());
    });
    return kernel.name;
}

}  // namespace lpgen
