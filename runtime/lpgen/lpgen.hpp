// C++ wrapper of the C API (lpgen.h): weight handles own their memory (move-only RAII), and a
// failed call throws lpgen::api::Failure carrying the status and lpgen_last_error()'s text.
// Header-only over the C ABI, so a program built with another compiler or standard library
// links the same runtime.
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "lpgen/lpgen.h"

namespace lpgen::api {

class Failure : public std::runtime_error {
public:
    Failure(lpgen_status status, const char *message) : std::runtime_error(message), status_(status) {}
    lpgen_status status() const { return status_; }

private:
    lpgen_status status_;
};

// Throws on failure; returns the name of the kernel that ran.
inline const char *check(lpgen_status status) {
    if (status != LPGEN_OK) throw Failure(status, lpgen_last_error());
    return lpgen_last_kernel();
}

// A move-only owner of a C handle with its free function.
template <typename Handle, void (*Free)(Handle *)>
class Owned {
public:
    Owned() = default;
    explicit Owned(Handle *handle) : handle_(handle) {}
    Owned(Owned &&other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Owned &operator=(Owned &&other) noexcept {
        if (this != &other) {
            Free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    Owned(const Owned &) = delete;
    Owned &operator=(const Owned &) = delete;
    ~Owned() { Free(handle_); }
    const Handle *get() const { return handle_; }

private:
    Handle *handle_ = nullptr;
};

// Bit-serial weights: codes [N][K] (GEMM) or [OC][KH][KW][C] (conv2d) packed into bit-planes.
class BitserialWeights : public Owned<lpgen_bs_weights, lpgen_bs_weights_free> {
public:
    using Owned::Owned;
    static BitserialWeights gemm(const std::vector<uint8_t> &codes, int n, int k, lpgen_operand op) {
        lpgen_bs_weights *h = nullptr;
        check(lpgen_bs_weights_gemm(codes.data(), codes.size(), n, k, &op, &h));
        return BitserialWeights(h);
    }
    static BitserialWeights conv2d(const std::vector<uint8_t> &codes, int out_channels, int kernel_h, int kernel_w,
                                   int channels, lpgen_operand op) {
        lpgen_bs_weights *h = nullptr;
        check(lpgen_bs_weights_conv2d(codes.data(), codes.size(), out_channels, kernel_h, kernel_w, channels, &op, &h));
        return BitserialWeights(h);
    }
};

// MX weights: codes and scales as lpgen_mx_quantize writes them, prepared for the fast kernels.
class MxWeights : public Owned<lpgen_mx_weights, lpgen_mx_weights_free> {
public:
    using Owned::Owned;
    // Quantizes fp32 weights [rows][k] to `format` and prepares them for GEMM.
    static MxWeights gemm(const std::vector<float> &values, int n, int k, lpgen_mx_format format) {
        std::vector<uint8_t> codes(lpgen_mx_code_bytes(format, n, k)), scales(lpgen_mx_scale_count(n, k));
        check(lpgen_mx_quantize(values.data(), values.size(), n, k, format, codes.data(), codes.size(),
                                scales.data(), scales.size()));
        lpgen_mx_weights *h = nullptr;
        check(lpgen_mx_weights_gemm(n, k, format, codes.data(), codes.size(), scales.data(), scales.size(), &h));
        return MxWeights(h);
    }
    // Quantizes fp32 conv2d weights [OC][KH][KW][C] along C and prepares them.
    static MxWeights conv2d(const std::vector<float> &values, int out_channels, int kernel_h, int kernel_w,
                            int channels, lpgen_mx_format format) {
        const int rows = out_channels * kernel_h * kernel_w;
        std::vector<uint8_t> codes(lpgen_mx_code_bytes(format, rows, channels));
        std::vector<uint8_t> scales(lpgen_mx_scale_count(rows, channels));
        check(lpgen_mx_quantize(values.data(), values.size(), rows, channels, format, codes.data(), codes.size(),
                                scales.data(), scales.size()));
        lpgen_mx_weights *h = nullptr;
        check(lpgen_mx_weights_conv2d(out_channels, kernel_h, kernel_w, channels, format, codes.data(),
                                      codes.size(), scales.data(), scales.size(), &h));
        return MxWeights(h);
    }
};

// Low-bit LLM weights: codes [n][k] with scales (and, unsigned, zero points) per group.
class LowbitWeights : public Owned<lpgen_lowbit_weights, lpgen_lowbit_weights_free> {
public:
    using Owned::Owned;
    static LowbitWeights create(int n, int k, const lpgen_lowbit_format &format, const std::vector<uint8_t> &codes,
                                const std::vector<float> &scales, const std::vector<uint8_t> &zero_points = {}) {
        lpgen_lowbit_weights *h = nullptr;
        check(lpgen_lowbit_weights_create(n, k, &format, codes.data(), codes.size(), scales.data(), scales.size(),
                                          zero_points.empty() ? nullptr : zero_points.data(), zero_points.size(), &h));
        return LowbitWeights(h);
    }
    std::vector<uint8_t> codes(int n, int k) const {
        std::vector<uint8_t> out(size_t(n) * k);
        check(lpgen_lowbit_weights_codes(get(), out.data(), out.size()));
        return out;
    }
};

// out[m][n] from fp32 activations quantized to int8 in the call; bias empty or [n].
inline const char *lowbit_gemm(const lpgen_gemm_shape &shape, const std::vector<float> &a,
                               lpgen_activation_scaling scaling, const LowbitWeights &w, const std::vector<float> &bias,
                               std::vector<float> &out) {
    return check(lpgen_lowbit_gemm(&shape, a.data(), a.size(), scaling, w.get(), bias.empty() ? nullptr : bias.data(),
                                   bias.size(), out.data(), out.size()));
}

// Per-tensor scale `scale`, optional per-channel bias, optional clamp (ReLU: clamp_min = 0).
struct Epilogue {
    std::vector<float> scale{1.0f};
    std::vector<float> bias;
    float clamp_min = -std::numeric_limits<float>::infinity();
    float clamp_max = std::numeric_limits<float>::infinity();
    lpgen_epilogue c() const {
        return {scale.data(), scale.size(), bias.empty() ? nullptr : bias.data(), bias.size(), clamp_min, clamp_max};
    }
};

inline std::vector<uint64_t> quantize_pack(const std::vector<float> &values, int rows, int k,
                                           const lpgen_quantization &q) {
    std::vector<uint64_t> packed(lpgen_packed_words(rows, k, q.bits));
    check(lpgen_quantize_pack(values.data(), values.size(), rows, k, &q, packed.data(), packed.size()));
    return packed;
}

inline const char *conv2d(const lpgen_conv2d_shape &shape, const std::vector<uint64_t> &a, const lpgen_operand &a_op,
                          const BitserialWeights &w, const Epilogue &epilogue, std::vector<float> &out) {
    const lpgen_epilogue e = epilogue.c();
    return check(lpgen_bs_conv2d_f32(&shape, a.data(), a.size(), &a_op, w.get(), &e, out.data(), out.size()));
}

inline const char *conv2d(const lpgen_conv2d_shape &shape, const std::vector<uint64_t> &a, const lpgen_operand &a_op,
                          const BitserialWeights &w, const Epilogue &epilogue, const lpgen_quantization &next,
                          std::vector<uint64_t> &out) {
    const lpgen_epilogue e = epilogue.c();
    return check(
        lpgen_bs_conv2d_packed(&shape, a.data(), a.size(), &a_op, w.get(), &e, &next, out.data(), out.size()));
}

inline const char *gemm(const lpgen_gemm_shape &shape, const std::vector<uint64_t> &a, const lpgen_operand &a_op,
                        const BitserialWeights &w, const Epilogue &epilogue, std::vector<float> &out) {
    const lpgen_epilogue e = epilogue.c();
    return check(lpgen_bs_gemm_f32(&shape, a.data(), a.size(), &a_op, w.get(), &e, out.data(), out.size()));
}

// Drop-in MX: fp32 activations quantized to a_format inside the call.
inline const char *gemm(const lpgen_gemm_shape &shape, const std::vector<float> &a, lpgen_mx_format a_format,
                        const MxWeights &w, const Epilogue &epilogue, std::vector<float> &out) {
    const lpgen_epilogue e = epilogue.c();
    return check(lpgen_mx_gemm_f32(&shape, a.data(), a.size(), a_format, w.get(), &e, out.data(), out.size()));
}

inline const char *conv2d(const lpgen_conv2d_shape &shape, const std::vector<float> &a, lpgen_mx_format a_format,
                          const MxWeights &w, const Epilogue &epilogue, std::vector<float> &out) {
    const lpgen_epilogue e = epilogue.c();
    return check(lpgen_mx_conv2d_f32(&shape, a.data(), a.size(), a_format, w.get(), &e, out.data(), out.size()));
}

}  // namespace lpgen::api
