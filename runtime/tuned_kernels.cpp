#include "tuned_kernels.h"

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <tuple>

#include "conv_shape.h"
#include "validate.h"

namespace lpgen {
namespace {

struct Entry {
    void (*fn)();
    std::string name;
};
using Key = std::tuple<std::string, std::string, std::string>;  // family, shape, isa

std::shared_mutex g_mutex;
std::map<Key, Entry> g_registry;  // map nodes never move: names stay valid until replaced
std::map<Key, BitserialAlgorithm> g_algorithms;
std::atomic<bool> g_any{false};   // untuned programs skip the lock
thread_local Dispatch t_last, t_algorithm_key;
thread_local int t_recording = 0;

}  // namespace

std::string shape_key(const GemmShape &s) {
    return "gemm " + std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k);
}

std::string shape_key(const Conv2dShape &s) {
    auto x = [](int a, int b) { return std::to_string(a) + "x" + std::to_string(b); };
    return "conv2d " + std::to_string(s.batch) + "x" + x(s.height, s.width) + "x" + std::to_string(s.channels) +
           "->" + std::to_string(s.out_channels) + " k" + x(s.kernel_h, s.kernel_w) + " s" + x(s.stride_h, s.stride_w) +
           " d" + x(s.dilation_h, s.dilation_w) + " p" + std::to_string(s.pad_top) + "," + std::to_string(s.pad_left) +
           "," + std::to_string(s.pad_bottom) + "," + std::to_string(s.pad_right);
}

std::string kernel_family(const char *kernel_name) {
    std::string name = kernel_name;
    if (name.rfind("lpgen_", 0) == 0) name.erase(0, 6);
    const size_t isa = name.rfind("__");
    if (isa != std::string::npos) name.erase(isa);
    return name;
}

bool is_tunable_family(const std::string &family) {
    if (family.find('@') != std::string::npos) return split_configured_family(family).has_value();
    for (const char *prefix : {"bs_gemm_", "bs_conv2d_"}) {
        if (family.rfind(prefix, 0) == 0) return true;
    }
    for (const char *mx : {"mx_gemm_i8", "mx_gemm_i8_narrow", "mx_gemv_i8", "mx_gemv_i8_quads", "mx_gemm_i16", "mx_gemv_i16", "mx_gemm_i16_split", "mx_gemv_i16_split", "mx_gemm_i16_fp8", "mx_gemv_i16_fp8", "mx_gemm_exact", "mx_gemm_exact32", "mx_gemm_fp32"}) {
        if (family == mx) return true;
    }
    return false;
}

namespace {

// The shape a key names, read back with its own format: a key is valid when it names a shape
// the operator accepts and is spelt exactly as shape_key() spells it (so it can ever match).
bool canonical_gemm_key(const std::string &key) {
    GemmShape s;
    char tail = 0;
    if (std::sscanf(key.c_str(), "gemm %dx%dx%d%c", &s.m, &s.n, &s.k, &tail) != 3) return false;
    return s.m >= 1 && s.n >= 1 && s.k >= 1 && shape_key(s) == key;
}

bool canonical_conv2d_key(const std::string &key) {
    Conv2dShape s;
    char tail = 0;
    const int read = std::sscanf(key.c_str(), "conv2d %dx%dx%dx%d->%d k%dx%d s%dx%d d%dx%d p%d,%d,%d,%d%c", &s.batch,
                                 &s.height, &s.width, &s.channels, &s.out_channels, &s.kernel_h, &s.kernel_w,
                                 &s.stride_h, &s.stride_w, &s.dilation_h, &s.dilation_w, &s.pad_top, &s.pad_left,
                                 &s.pad_bottom, &s.pad_right, &tail);
    if (read != 15 || shape_key(s) != key) return false;
    try {
        check_conv_shape(s);
    } catch (const Error &) {
        return false;
    }
    return true;
}

}  // namespace

bool is_known_isa(const std::string &isa) {
    for (const char *known : {"x86_avx2", "x86_avx512", "arm64_a53", "arm32_a53"}) {
        if (isa == known) return true;
    }
    return false;
}

void check_tuned_entry(const std::string &family, const std::string &shape, const std::string &isa) {
    LPGEN_REQUIRE(is_tunable_family(family), "kernel family '" + family + "' is not an operator lpgen tunes");
    const bool conv2d = family.rfind("bs_conv2d_", 0) == 0;
    LPGEN_REQUIRE(conv2d ? canonical_conv2d_key(shape) : canonical_gemm_key(shape),
                  "shape '" + shape + "' of family " + family + " is not a valid " +
                      (conv2d ? "\"conv2d NxHxWxC->OC kKHxKW sSHxSW dDHxDW pT,L,B,R\"" : "\"gemm MxNxK\"") +
                      " shape (positive sizes, written as lpgen writes them)");
    LPGEN_REQUIRE(is_known_isa(isa), "isa '" + isa + "' is not x86_avx2, x86_avx512, arm64_a53 or arm32_a53");
}

const Dispatch &last_dispatch() { return t_last; }

bool tuned_lookup_needed() { return t_recording > 0 || g_any.load(std::memory_order_relaxed); }

DispatchRecording::DispatchRecording() {
    ++t_recording;
    t_last = t_algorithm_key = {};
}
DispatchRecording::~DispatchRecording() { --t_recording; }

void register_tuned_kernel(const std::string &family, const std::string &shape, const std::string &isa,
                           void (*fn)(), const std::string &name) {
    check_tuned_entry(family, shape, isa);
    LPGEN_REQUIRE(fn != nullptr, "kernel function of '" + name + "' is null");
    LPGEN_REQUIRE(!name.empty(), "kernel name is empty");
    std::unique_lock lock(g_mutex);
    g_registry[Key{family, shape, isa}] = Entry{fn, name};
    g_any = true;
}

void check_algorithm_entry(const std::string &family, const std::string &shape, const std::string &isa,
                           BitserialAlgorithm algorithm) {
    const auto configured = split_configured_family(family);
    bool chooses = false;
    for (const char *generic : {"bs_gemm_i32", "bs_gemm_f32", "bs_conv2d_i32", "bs_conv2d_f32"}) {
        chooses = chooses || (configured && configured->generic == generic);
    }
    LPGEN_REQUIRE(chooses, "an algorithm choice needs the family of a bit-serial configuration, "
                           "bs_{gemm,conv2d}_{i32,f32}@<config> (e.g. bs_gemm_f32@4A4W:uxu), got '" + family + "'");
    check_tuned_entry(family, shape, isa);
    LPGEN_REQUIRE(algorithm != BitserialAlgorithm::Auto, "the algorithm of '" + family + "' must be popcount or int8-dot");
}

void register_algorithm(const std::string &family, const std::string &shape, const std::string &isa,
                        BitserialAlgorithm algorithm) {
    check_algorithm_entry(family, shape, isa, algorithm);
    std::unique_lock lock(g_mutex);
    g_algorithms[Key{family, shape, isa}] = algorithm;
    g_any = true;
}

BitserialAlgorithm find_algorithm(const std::string &family, const std::string &shape, const char *isa) {
    if (t_recording > 0) t_algorithm_key = {family, shape};
    if (!g_any) return BitserialAlgorithm::Auto;
    std::shared_lock lock(g_mutex);
    auto it = g_algorithms.find(Key{family, shape, isa});
    return it == g_algorithms.end() ? BitserialAlgorithm::Auto : it->second;
}

const Dispatch &last_algorithm_key() { return t_algorithm_key; }

void clear_tuned_kernels() {
    std::unique_lock lock(g_mutex);
    g_registry.clear();
    g_algorithms.clear();
    g_any = false;
}

TunedLookup find_tuned_kernel(const std::string &family, const std::string &shape, const char *isa) {
    t_last = {family, shape};
    if (!g_any) return {};
    std::shared_lock lock(g_mutex);
    auto it = g_registry.find(Key{family, shape, isa});
    if (it == g_registry.end()) return {};
    return {it->second.fn, it->second.name.c_str()};
}

}  // namespace lpgen
