#include "reference.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace lpgen::ref {

int decode(int code, int bits, Encoding encoding) {
    switch (encoding) {
    case Encoding::Unsigned: return code;
    case Encoding::Signed: return code >= (1 << (bits - 1)) ? code - (1 << bits) : code;
    case Encoding::Bipolar: return 2 * code - ((1 << bits) - 1);
    }
    return 0;
}

std::vector<uint64_t> pack(const std::vector<uint8_t> &codes, int rows, int k, int bits) {
    const int words = (k + 63) / 64;
    std::vector<uint64_t> out(size_t(rows) * bits * words, 0);
    for (int r = 0; r < rows; ++r)
        for (int b = 0; b < bits; ++b)
            for (int i = 0; i < k; ++i)
                if ((codes[size_t(r) * k + i] >> b) & 1)
                    out[(size_t(r) * bits + b) * words + i / 64] |= uint64_t{1} << (i % 64);
    return out;
}

uint8_t quantize(float x, const Quantization &q) {
    const int levels = (1 << q.bits) - 1;
    const float y = x / q.scale;  // the contract: y formed in fp32, then rounded exactly
    if (std::isnan(y)) return quantize(0.0f, q);
    const double bounded = std::clamp(double(y), -2.0e9, 2.0e9);
    if (q.encoding == Encoding::Bipolar) {
        // Count the midpoints (the even integers between consecutive levels) below y: only
        // comparisons, so nothing rounds. A y on a midpoint is a tie; the even code wins.
        int u = 0;
        for (int midpoint = 1 - levels; midpoint <= levels - 1; midpoint += 2) {
            if (y > float(midpoint)) {
                ++u;
            } else {
                if (y == float(midpoint) && u % 2 == 1) ++u;
                break;
            }
        }
        return static_cast<uint8_t>(u);
    }
    const int64_t v = static_cast<int64_t>(std::nearbyint(bounded)) + q.zero_point;
    if (q.encoding == Encoding::Signed) {
        const int64_t half = int64_t{1} << (q.bits - 1);
        return static_cast<uint8_t>(std::clamp(v, -half, half - 1) & levels);
    }
    return static_cast<uint8_t>(std::clamp(v, int64_t{0}, int64_t{levels}));
}

static int64_t value(uint8_t code, const Operand &op) { return decode(code, op.bits, op.encoding) - op.zero_point; }

std::vector<int64_t> gemm(const std::vector<uint8_t> &a, const std::vector<uint8_t> &w, const GemmShape &s,
                          const Operand &a_op, const Operand &w_op) {
    std::vector<int64_t> c(size_t(s.m) * s.n, 0);
    for (int m = 0; m < s.m; ++m)
        for (int n = 0; n < s.n; ++n) {
            int64_t sum = 0;
            for (int k = 0; k < s.k; ++k) sum += value(a[size_t(m) * s.k + k], a_op) * value(w[size_t(n) * s.k + k], w_op);
            c[size_t(m) * s.n + n] = sum;
        }
    return c;
}

// Integer sums run in int64 and are then cut to Acc: the baselines' int32 accumulators wrap
// modulo 2^32 (full-range int16 operands overflow them), and signed overflow in the reference
// itself would be undefined.
template <typename Acc>
using WideSum = std::conditional_t<std::is_integral_v<Acc>, int64_t, Acc>;

template <typename T, typename Acc, typename Value>
static std::vector<Acc> conv_loop(const std::vector<T> &a, const std::vector<T> &w, const Conv2dShape &s, Value value_of) {
    const int oh = s.out_height(), ow = s.out_width();
    std::vector<Acc> out(size_t(s.batch) * oh * ow * s.out_channels, Acc(0));
    for (int b = 0; b < s.batch; ++b)
        for (int y = 0; y < oh; ++y)
            for (int x = 0; x < ow; ++x)
                for (int o = 0; o < s.out_channels; ++o) {
                    WideSum<Acc> sum = 0;
                    for (int ky = 0; ky < s.kernel_h; ++ky)
                        for (int kx = 0; kx < s.kernel_w; ++kx) {
                            const int iy = y * s.stride_h - s.pad_top + ky * s.dilation_h;
                            const int ix = x * s.stride_w - s.pad_left + kx * s.dilation_w;
                            if (iy < 0 || iy >= s.height || ix < 0 || ix >= s.width) continue;  // padding: 0
                            for (int c = 0; c < s.channels; ++c) {
                                const T av = a[((size_t(b) * s.height + iy) * s.width + ix) * s.channels + c];
                                const T wv = w[((size_t(o) * s.kernel_h + ky) * s.kernel_w + kx) * s.channels + c];
                                sum += value_of(av, wv);
                            }
                        }
                    out[((size_t(b) * oh + y) * ow + x) * s.out_channels + o] = static_cast<Acc>(sum);
                }
    return out;
}

std::vector<int64_t> conv2d(const std::vector<uint8_t> &a, const std::vector<uint8_t> &w, const Conv2dShape &s,
                            const Operand &a_op, const Operand &w_op) {
    return conv_loop<uint8_t, int64_t>(a, w, s, [&](uint8_t av, uint8_t wv) { return value(av, a_op) * value(wv, w_op); });
}

std::vector<float> fp32_epilogue(const std::vector<int64_t> &dot, int channels, const Fp32Epilogue &e) {
    std::vector<float> out(dot.size());
    for (size_t i = 0; i < dot.size(); ++i) {
        const size_t c = i % channels;
        const float scale = e.scale[e.scale_count == 1 ? 0 : c];
        const float bias = e.bias == nullptr ? 0.0f : e.bias[e.bias_count == 1 ? 0 : c];
        const float product = static_cast<float>(dot[i]) * scale;
        const float shifted = product + bias;
        out[i] = std::min(std::max(shifted, e.clamp_min), e.clamp_max);
    }
    return out;
}

std::vector<uint64_t> requantize_pack(const std::vector<float> &values, int rows, int channels,
                                      const Quantization &next) {
    std::vector<uint8_t> codes(values.size());
    for (size_t i = 0; i < values.size(); ++i) codes[i] = quantize(values[i], next);
    return pack(codes, rows, channels, next.bits);
}

template <typename T, typename Acc>
std::vector<Acc> dense_gemm(const std::vector<T> &a, const std::vector<T> &w, const GemmShape &s) {
    std::vector<Acc> c(size_t(s.m) * s.n, Acc(0));
    for (int m = 0; m < s.m; ++m)
        for (int n = 0; n < s.n; ++n) {
            WideSum<Acc> sum = 0;
            for (int k = 0; k < s.k; ++k) sum += Acc(a[size_t(m) * s.k + k]) * Acc(w[size_t(n) * s.k + k]);
            c[size_t(m) * s.n + n] = static_cast<Acc>(sum);
        }
    return c;
}

template <typename T, typename Acc>
std::vector<Acc> dense_conv2d(const std::vector<T> &a, const std::vector<T> &w, const Conv2dShape &s) {
    return conv_loop<T, Acc>(a, w, s, [](T av, T wv) { return Acc(av) * Acc(wv); });
}

template std::vector<int32_t> dense_gemm<int8_t, int32_t>(const std::vector<int8_t> &, const std::vector<int8_t> &, const GemmShape &);
template std::vector<int32_t> dense_gemm<int16_t, int32_t>(const std::vector<int16_t> &, const std::vector<int16_t> &, const GemmShape &);
template std::vector<float> dense_gemm<float, float>(const std::vector<float> &, const std::vector<float> &, const GemmShape &);
template std::vector<int32_t> dense_conv2d<int8_t, int32_t>(const std::vector<int8_t> &, const std::vector<int8_t> &, const Conv2dShape &);
template std::vector<int32_t> dense_conv2d<int16_t, int32_t>(const std::vector<int16_t> &, const std::vector<int16_t> &, const Conv2dShape &);
template std::vector<float> dense_conv2d<float, float>(const std::vector<float> &, const std::vector<float> &, const Conv2dShape &);
template std::vector<double> dense_conv2d<double, double>(const std::vector<double> &, const std::vector<double> &, const Conv2dShape &);

}  // namespace lpgen::ref
