// Kernels tuned for one exact shape. A bundle from `lpgen generate` registers its kernels here
// (lpgen_register_kernels), and so does the tuner for the candidate it measures; a call whose
// default kernel belongs to a registered family and whose shape matches runs the tuned kernel
// instead. A tuned kernel comes from the same generator and parameters as its family's default,
// so it has the same signature and serves any shape: the shape only says where it is faster.
#pragma once

#include <string>

#include "bitserial_config.h"
#include "kernel_table.h"
#include "lpgen/bitserial.hpp"

namespace lpgen {

// The shape part of a registry key: "gemm 1024x1024x1024" (m x n x k) or
// "conv2d 1x56x56x64->64 k3x3 s1x1 d1x1 p1,1,1,1" (n x h x w x c -> oc; pads top,left,bottom,right).
std::string shape_key(const GemmShape &s);
std::string shape_key(const Conv2dShape &s);

// "lpgen_bs_conv2d_f32_a1w1__x86_avx2" -> "bs_conv2d_f32_a1w1".
std::string kernel_family(const char *kernel_name);
// Whether a family's calls consult the registry (the operator kernels, not packing or decoding).
bool is_tunable_family(const std::string &family);

// The family and shape of the last tunable call on this thread while a DispatchRecording is
// alive: what the tuner tunes for a layer.
struct Dispatch {
    std::string family, shape;
};
const Dispatch &last_dispatch();

// "x86_avx2", "x86_avx512", "arm64_a53", "arm32_a53".
bool is_known_isa(const std::string &isa);
// Throws lpgen::Error unless the family is tunable, the shape is a valid key of the family's
// operator (conv2d for bs_conv2d_*, gemm otherwise) spelt as shape_key() spells it, and the
// isa is known.
void check_tuned_entry(const std::string &family, const std::string &shape, const std::string &isa);

// Adds (or replaces) the kernel for (family, shape, isa); throws lpgen::Error for an entry
// check_tuned_entry() refuses, an empty name or a null function.
void register_tuned_kernel(const std::string &family, const std::string &shape, const std::string &isa,
                           void (*fn)(), const std::string &name);
void clear_tuned_kernels();

struct TunedLookup {
    void (*fn)() = nullptr;
    const char *name = nullptr;
};
TunedLookup find_tuned_kernel(const std::string &family, const std::string &shape, const char *isa);

// A bundle's tuned choice of algorithm for one bit-serial configuration at one shape. `family` is
// the configured family of the operator's generic int32 or fp32 family, as takes_int8_dot()
// looks it up ("bs_gemm_f32@4A4W:uxu", "bs_conv2d_i32@3A3W:sxs"; a GEMV's too is bs_gemm_*);
// the algorithm is Popcount or Int8Dot. Throws lpgen::Error for anything else, or a shape or isa
// check_tuned_entry() refuses. Cleared with the kernels.
void check_algorithm_entry(const std::string &family, const std::string &shape, const std::string &isa,
                           BitserialAlgorithm algorithm);
void register_algorithm(const std::string &family, const std::string &shape, const std::string &isa,
                        BitserialAlgorithm algorithm);
// The registered choice, or Auto when there is none. While a DispatchRecording is alive the
// key it was asked for is kept (last_algorithm_key()): what a planner writes into a bundle.
BitserialAlgorithm find_algorithm(const std::string &family, const std::string &shape, const char *isa);
const Dispatch &last_algorithm_key();

// Whether a call must look itself up: kernels are registered, or this thread records dispatches.
bool tuned_lookup_needed();

// While alive, last_dispatch() is kept up to date on this thread (lpgen tune and generate plan
// with it); otherwise a program with no registered kernel never builds a registry key.
class DispatchRecording {
public:
    DispatchRecording();
    ~DispatchRecording();
    DispatchRecording(const DispatchRecording &) = delete;
    DispatchRecording &operator=(const DispatchRecording &) = delete;
};

// The kernel that serves `shape`: a registered one for the active variant, else `fallback`.
template <typename Fn, typename Shape>
Kernel<Fn> tuned_or(const Kernel<Fn> &fallback, const Shape &shape) {
    if (!tuned_lookup_needed()) return fallback;
    const TunedLookup found = find_tuned_kernel(kernel_family(fallback.name), shape_key(shape), kernels().isa);
    if (found.fn == nullptr) return fallback;
    return {reinterpret_cast<Fn>(found.fn), found.name};
}

// Whether a kernel is registered for exactly this configuration and shape (a bundle's).
template <typename Shape>
bool has_configured_kernel(const char *generic_family, const BitserialConfig &config, const Shape &shape) {
    if (!tuned_lookup_needed()) return false;
    return find_tuned_kernel(configured_family(generic_family, config), shape_key(shape), kernels().isa).fn != nullptr;
}

// The kernel that serves a bit-serial call of configuration `config`: one registered for exactly
// that configuration (family "<generic_family>@<config>", what a bundle compiles for the
// precision a user names), else one registered for the fallback's own family, else `fallback`.
// The configured family is what last_dispatch() records, so the tuner tunes that one.
template <typename Fn, typename Shape>
Kernel<Fn> configured_or(const char *generic_family, const BitserialConfig &config, const Kernel<Fn> &fallback,
                         const Shape &shape) {
    if (!tuned_lookup_needed()) return fallback;
    const std::string key = shape_key(shape);
    const TunedLookup any = find_tuned_kernel(kernel_family(fallback.name), key, kernels().isa);
    const TunedLookup exact = find_tuned_kernel(configured_family(generic_family, config), key, kernels().isa);
    const TunedLookup &found = exact.fn != nullptr ? exact : any;
    if (found.fn == nullptr) return fallback;
    return {reinterpret_cast<Fn>(found.fn), found.name};
}

}  // namespace lpgen
