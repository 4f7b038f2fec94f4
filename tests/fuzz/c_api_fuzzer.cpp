// libFuzzer target for the C API: shapes, widths, formats, handles and buffer sizes all come
// from the input, buffers are exactly as large as the sizes passed (as a correct caller's
// would be), and every call must either succeed or fail with nothing written to its output.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <initializer_list>
#include <cstring>
#include <vector>

#include "lpgen/lpgen.h"

namespace {

constexpr float kSentinel = -7.25f;
constexpr size_t kMaxElements = size_t(1) << 18;  // keeps one input's work bounded

// Stores any int in a C enum field, as a C caller may (the library reads the field as bytes;
// a C++ cast to an out-of-range enum value would be undefined behaviour here).
template <typename CEnum>
void set_any_int(CEnum &field, int value) {
    static_assert(sizeof(CEnum) == sizeof(int));
    std::memcpy(&field, &value, sizeof value);
}

int dimension(FuzzedDataProvider &in) {
    // Mostly small valid sizes; sometimes anything, so overflow and negative paths run too.
    return in.ConsumeBool() ? in.ConsumeIntegralInRange(-2, 40) : in.ConsumeIntegral<int>();
}

size_t count(FuzzedDataProvider &in) { return in.ConsumeIntegralInRange<size_t>(0, kMaxElements); }

// Half the time a buffer has the size its shape needs (when that is bounded), so that calls get
// past validation into dispatch and the kernels; otherwise any size, so the checks run.
size_t size_for(FuzzedDataProvider &in, long long exact) {
    if (in.ConsumeBool() && exact >= 0 && exact <= static_cast<long long>(kMaxElements)) return size_t(exact);
    return count(in);
}

// The product of sizes, or -1 when one is not positive or the product is past any buffer here.
long long product(std::initializer_list<long long> sizes) {
    long long p = 1;
    for (long long v : sizes) {
        if (v <= 0 || p > (1LL << 40) / v) return -1;
        p *= v;
    }
    return p;
}

long long packed_words(int rows, int k, int bits) {
    if (rows <= 0 || k <= 0 || bits <= 0 || bits > 8) return -1;
    return static_cast<long long>(lpgen_packed_words(rows, k, bits));
}

template <typename T>
std::vector<T> values(FuzzedDataProvider &in, size_t n) {
    std::vector<T> v(n);
    for (T &x : v) x = in.remaining_bytes() ? in.ConsumeIntegral<T>() : T(1);
    return v;
}

std::vector<float> floats(FuzzedDataProvider &in, size_t n) {
    std::vector<float> v(n);
    for (float &x : v) {
        const uint32_t bits = in.remaining_bytes() ? in.ConsumeIntegral<uint32_t>() : 0x3f800000u;
        std::memcpy(&x, &bits, sizeof x);  // NaN, Inf, subnormals included
    }
    return v;
}

lpgen_conv2d_shape conv_shape(FuzzedDataProvider &in) {
    lpgen_conv2d_shape s;
    int *fields[] = {&s.batch,    &s.height,   &s.width,    &s.channels,   &s.out_channels,
                     &s.kernel_h, &s.kernel_w, &s.stride_h, &s.stride_w,   &s.dilation_h,
                     &s.dilation_w, &s.pad_top, &s.pad_left, &s.pad_bottom, &s.pad_right};
    for (int *f : fields) *f = dimension(in);
    return s;
}

void require_untouched(lpgen_status status, const std::vector<float> &out) {
    if (status == LPGEN_OK) return;
    if (lpgen_last_error()[0] == '\0') __builtin_trap();  // a failure must say why
    for (float v : out) {
        if (std::memcmp(&v, &kSentinel, sizeof v) != 0) __builtin_trap();
    }
}

lpgen_operand operand(FuzzedDataProvider &in) {
    lpgen_operand op{dimension(in), LPGEN_UNSIGNED, in.ConsumeBool() ? 0 : in.ConsumeIntegralInRange(-300, 300)};
    set_any_int(op.encoding, in.ConsumeIntegralInRange(-1, 3));
    if (in.ConsumeBool()) op.bits = in.ConsumeIntegralInRange(1, 8);
    return op;
}

lpgen_epilogue epilogue(FuzzedDataProvider &in, const float *scale) {
    lpgen_epilogue e = lpgen_epilogue_identity(scale);
    if (in.ConsumeBool()) e.clamp_min = 0.0f;
    return e;
}

void bitserial_conv2d(FuzzedDataProvider &in) {
    const lpgen_conv2d_shape s = conv_shape(in);
    const lpgen_operand a_op = operand(in), w_op = operand(in);
    const bool same = in.ConsumeBool();  // weights of the call's own shape
    const int oc = same ? s.out_channels : dimension(in), kh = same ? s.kernel_h : dimension(in);
    const int kw = same ? s.kernel_w : dimension(in), c = same ? s.channels : dimension(in);
    const auto codes = values<uint8_t>(in, size_for(in, product({oc, kh, kw, c})));
    lpgen_bs_weights *w = nullptr;
    if (lpgen_bs_weights_conv2d(codes.data(), codes.size(), oc, kh, kw, c, &w_op, &w) != LPGEN_OK) {
        if (w != nullptr) __builtin_trap();
    }
    const long long in_pixels = product({s.batch, s.height, s.width});
    const auto a = values<uint64_t>(
        in, size_for(in, in_pixels > (1 << 20) ? -1 : packed_words(int(in_pixels), s.channels, a_op.bits)));
    const float scale = 0.5f;
    const lpgen_epilogue e = epilogue(in, &scale);
    const long long pixels = product({s.batch, lpgen_conv2d_out_height(&s), lpgen_conv2d_out_width(&s)});
    const long long outputs = product({pixels, s.out_channels});
    const int kind = in.ConsumeIntegralInRange(0, 2);
    if (kind == 0) {
        std::vector<float> out(size_for(in, outputs), kSentinel);
        require_untouched(lpgen_bs_conv2d_f32(&s, a.data(), a.size(), &a_op, w, &e, out.data(), out.size()), out);
    } else if (kind == 1) {
        std::vector<int32_t> out(size_for(in, outputs), -7);
        const auto before = out;
        if (lpgen_bs_conv2d_i32(&s, a.data(), a.size(), &a_op, w, out.data(), out.size()) != LPGEN_OK && out != before) {
            __builtin_trap();
        }
    } else {
        lpgen_quantization next{0.25f, 0, in.ConsumeIntegralInRange(1, 8), LPGEN_UNSIGNED};
        std::vector<uint64_t> out(
            size_for(in, pixels < 0 || pixels > (1 << 20) ? -1 : packed_words(int(pixels), s.out_channels, next.bits)),
            0x5a5a5a5a5a5a5a5aull);
        const auto before = out;
        if (lpgen_bs_conv2d_packed(&s, a.data(), a.size(), &a_op, w, &e, &next, out.data(), out.size()) != LPGEN_OK &&
            out != before) {
            __builtin_trap();
        }
    }
    lpgen_bs_weights_free(w);
}

void bitserial_gemm(FuzzedDataProvider &in) {
    const lpgen_gemm_shape s{dimension(in), dimension(in), dimension(in)};
    const lpgen_operand a_op = operand(in), w_op = operand(in);
    const bool same = in.ConsumeBool();
    const int n = same ? s.n : dimension(in), k = same ? s.k : dimension(in);
    const auto codes = values<uint8_t>(in, size_for(in, product({n, k})));
    lpgen_bs_weights *w = nullptr;
    if (lpgen_bs_weights_gemm(codes.data(), codes.size(), n, k, &w_op, &w) != LPGEN_OK && w != nullptr) {
        __builtin_trap();
    }
    const auto a = values<uint64_t>(in, size_for(in, packed_words(s.m, s.k, a_op.bits)));
    const float scale = 0.25f;
    const lpgen_epilogue e = epilogue(in, &scale);
    if (in.ConsumeBool()) {
        std::vector<float> out(size_for(in, product({s.m, s.n})), kSentinel);
        require_untouched(lpgen_bs_gemm_f32(&s, a.data(), a.size(), &a_op, w, &e, out.data(), out.size()), out);
    } else {
        std::vector<int32_t> out(size_for(in, product({s.m, s.n})), -7);
        const auto before = out;
        if (lpgen_bs_gemm_i32(&s, a.data(), a.size(), &a_op, w, out.data(), out.size()) != LPGEN_OK && out != before) {
            __builtin_trap();
        }
    }
    lpgen_bs_weights_free(w);
}

void mx_gemm(FuzzedDataProvider &in) {
    const lpgen_gemm_shape s{dimension(in), dimension(in), dimension(in)};
    // Formats pass by value: only real ones here (C callers' other ints: c_api_from_c_test.c).
    const auto a_format = static_cast<lpgen_mx_format>(in.ConsumeIntegralInRange(0, 5));
    const auto w_format = static_cast<lpgen_mx_format>(in.ConsumeIntegralInRange(0, 5));
    const auto w_codes = values<uint8_t>(in, count(in)), w_scales = values<uint8_t>(in, count(in) / 16);
    lpgen_mx_weights *w = nullptr;
    lpgen_mx_weights_gemm(dimension(in), dimension(in), w_format, w_codes.data(), w_codes.size(), w_scales.data(),
                          w_scales.size(), &w);
    const float scale = 1.0f;
    const lpgen_epilogue e = lpgen_epilogue_identity(&scale);
    std::vector<float> out(count(in), kSentinel);
    if (in.ConsumeBool()) {
        const auto a = floats(in, count(in));
        require_untouched(lpgen_mx_gemm_f32(&s, a.data(), a.size(), a_format, w, &e, out.data(), out.size()), out);
    } else {
        const auto a_codes = values<uint8_t>(in, count(in)), a_scales = values<uint8_t>(in, count(in) / 16);
        require_untouched(lpgen_mx_gemm(&s, a_codes.data(), a_codes.size(), a_scales.data(), a_scales.size(),
                                        a_format, w, &e, out.data(), out.size()),
                          out);
    }
    lpgen_mx_weights_free(w);
}

void quantize(FuzzedDataProvider &in) {
    const int rows = dimension(in), k = dimension(in);
    const auto x = floats(in, count(in));
    lpgen_quantization q{in.ConsumeFloatingPoint<float>(), in.ConsumeIntegralInRange(-300, 300), dimension(in),
                         LPGEN_UNSIGNED};
    set_any_int(q.encoding, in.ConsumeIntegralInRange(-1, 3));
    std::vector<uint64_t> packed(count(in), 0x5a5a5a5a5a5a5a5aull);
    const auto before = packed;
    if (lpgen_quantize_pack(x.data(), x.size(), rows, k, &q, packed.data(), packed.size()) != LPGEN_OK &&
        packed != before) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FuzzedDataProvider in(data, size);
    switch (in.ConsumeIntegralInRange(0, 3)) {
        case 0: bitserial_conv2d(in); break;
        case 1: bitserial_gemm(in); break;
        case 2: mx_gemm(in); break;
        default: quantize(in); break;
    }
    return 0;
}
