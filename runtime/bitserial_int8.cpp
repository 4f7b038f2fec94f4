#include "bitserial_int8.h"

#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "generators/mx_formats.h"
#include "kernel_table.h"
#include "validate.h"

namespace lpgen {
namespace {

// MXINT8 elements are code * 2^-6: a block scale of 2^6 (E8M0 127 + 6) makes them the integers.
constexpr uint8_t kUnitScale = 127 + 6;
constexpr int64_t kExactFp32 = int64_t(1) << 24;

// The measured rule (bench/REPORT.md, "Precision sweep"): the popcount kernels cost about a * w
// passes over the operands, the int8 one about one; the int8 path wins from this many plane
// pairs. Measured on x86 (an AVX-512 VNNI Xeon, and its AVX2 variant), single thread, fp32
// outputs with the activations quantized in the call: GEMM 1024^3 2A2W popcount 385 / 124 GOPS
// (AVX-512 / AVX2) against int8 244 / 86, 2A3W 172 / 67 against 245 / 88. Convolutions gather
// their windows first (the MX conv), so there it takes more planes: ResNet-18 C2 8A1W popcount
// 134 against int8 119, 2A4W 124 / 120, 3A4W 88 / 117, 4A4W 94 / 118. A GEMV streams its
// weights once, int8 ones being 8 bits a weight where the planes are w: GEMV 1x4096x4096 int8
// 43 GOPS whatever the widths, popcount 3A3W 49, 4A3W 44, 3A4W 41, 4A4W 31, 8A2W 35. On ARM,
// where nothing has measured it yet, popcount (the paper's A53 method) stays the default.
constexpr int kGemmFromPlanePairs = 6;
constexpr int kGemvFromPlanePairs = 12;
constexpr int kConvFromPlanePairs = 10;

bool measured_isa() { return std::strncmp(kernels().isa, "x86", 3) == 0; }

// Byte j of spread()[b] is bit j of b: eight codes' bits of one plane at once.
const std::array<uint64_t, 256> &spread() {
    static const std::array<uint64_t, 256> table = [] {
        std::array<uint64_t, 256> t{};
        for (int b = 0; b < 256; ++b)
            for (int j = 0; j < 8; ++j) t[b] |= uint64_t((b >> j) & 1) << (8 * j);
        return t;
    }();
    return table;
}

// How an operand's values follow from the int8 x = u' - c stored for it: value = s * x + offset.
struct Affine {
    int64_t s, c, offset, max_x;
};

Affine affine_of(const Operand &op) {
    const int64_t c = op.bits == 8 ? 128 : 0;
    const int64_t s = op.encoding == Encoding::Bipolar ? 2 : 1;
    int64_t o = -op.zero_point;
    if (op.encoding == Encoding::Signed) o -= int64_t(1) << (op.bits - 1);
    if (op.encoding == Encoding::Bipolar) o -= (int64_t(1) << op.bits) - 1;
    const int64_t max_x = op.bits == 8 ? 128 : (int64_t(1) << op.bits) - 1;
    return {s, c, s * c + o, max_x};
}

// x = u' - c of one packed row's k values into out[0, k) (int8 codes); returns their sum. u' is
// the code's unsigned reading (signed: top bit flipped). x86 and ARM are little-endian, so byte j
// of lanes[q] is value 8q + j.
int64_t unpack_row(const uint64_t *row, const Operand &op, int k, uint8_t *out) {
    const int kw = words_for(k);
    const uint64_t flip = op.encoding == Encoding::Signed ? 0x0101010101010101ull << (op.bits - 1) : 0;
    const uint8_t c = static_cast<uint8_t>(affine_of(op).c);
    const std::array<uint64_t, 256> &table = spread();
    int64_t sum = 0;
    for (int w = 0; w < kw; ++w) {
        uint64_t lanes[8] = {};
        for (int p = 0; p < op.bits; ++p) {
            const uint64_t word = row[size_t(p) * kw + w];
            for (int j = 0; j < 8; ++j) lanes[j] |= table[(word >> (8 * j)) & 0xff] << p;
        }
        uint8_t bytes[64];
        for (int j = 0; j < 8; ++j) lanes[j] ^= flip;
        std::memcpy(bytes, lanes, sizeof bytes);
        const int count = std::min(64, k - 64 * w);
        for (int i = 0; i < count; ++i) {
            const uint8_t x = uint8_t(bytes[i] - c);  // the int8 x's bit pattern
            out[64 * w + i] = x;
            sum += int8_t(x);
        }
    }
    return sum;
}

int round_up_to_block(int k) { return (k + kMxBlock - 1) / kMxBlock * kMxBlock; }

BitserialAlgorithm from_environment() {
    const char *forced = std::getenv("LPGEN_BITSERIAL_ALGORITHM");
    if (forced == nullptr) return BitserialAlgorithm::Auto;
    return parse_algorithm(forced).value_or(BitserialAlgorithm::Auto);
}

std::atomic<BitserialAlgorithm> &chosen_algorithm() {
    static std::atomic<BitserialAlgorithm> algorithm{from_environment()};
    return algorithm;
}

// Rows of packed activations ([rows][bits][Kw], k values each) as MXINT8 rows of x_a with unit
// scales, and each row's sum of x_a.
struct Int8Rows {
    std::vector<uint8_t> codes, scales;
    std::vector<int64_t> sums;
};

Int8Rows unpack_rows(const uint64_t *a, int rows, int k, const Operand &op) {
    const int k32 = round_up_to_block(k), kw = words_for(k);
    Int8Rows r{std::vector<uint8_t>(size_t(rows) * k32, 0), std::vector<uint8_t>(size_t(rows) * (k32 / kMxBlock), kUnitScale),
               std::vector<int64_t>(rows)};
    for (int i = 0; i < rows; ++i) r.sums[i] = unpack_row(a + size_t(i) * op.bits * kw, op, k, r.codes.data() + size_t(i) * k32);
    return r;
}

// The exact dot products from the int8 GEMM's core sums, then `emit(index, n, dot)`.
template <typename Emit>
const char *combine(const GemmShape &s, const uint64_t *a, const Operand &a_op, const Int8DotWeights &w, Emit emit) {
    const Int8Rows in = unpack_rows(a, s.m, s.k, a_op);
    std::vector<float> core(size_t(s.m) * s.n);
    const float one = 1.0f;
    const char *name = mx_gemm(s, in.codes.data(), in.codes.size(), in.scales.data(), in.scales.size(), MxFormat::Int8,
                               *w.mx, Fp32Epilogue{&one, 1}, core.data(), core.size());
    const Affine fa = affine_of(a_op), fw = affine_of(w.op);
    const int64_t constant = int64_t(s.k) * fa.offset * fw.offset;
    for (int m = 0; m < s.m; ++m) {
        const int64_t row_term = fa.s * fw.offset * in.sums[m] + constant;
        for (int n = 0; n < s.n; ++n) {
            const size_t i = size_t(m) * s.n + n;
            // core[i] is an integer below 2^24 in magnitude (int8_dot_exact), so exact in fp32.
            const int64_t dot = fa.s * fw.s * int64_t(core[i]) + row_term + fa.offset * fw.s * w.tap_sums[n];
            emit(i, n, dot);
        }
    }
    return name;
}

// The taps [begin, end) of a window along one axis that land inside the image.
std::pair<int, int> inside_taps(int out, int stride, int pad, int dilation, int taps, int extent) {
    int begin = 0, end = taps;
    while (begin < end && out * stride - pad + begin * dilation < 0) ++begin;
    while (end > begin && out * stride - pad + (end - 1) * dilation >= extent) --end;
    return {begin, end};
}

// The same for a convolution: the MX conv sums each window with padded taps as x = 0; the
// corrections then take only the taps inside the image (sum of x_a over the window's pixels,
// the weights' sums over those taps, their count), so padding contributes exactly 0.
template <typename Emit>
const char *combine(const Conv2dShape &s, const uint64_t *a, const Operand &a_op, const Int8DotWeights &w, Emit emit) {
    const int pixels = s.batch * s.height * s.width;
    const Int8Rows in = unpack_rows(a, pixels, s.channels, a_op);
    const int oh = s.out_height(), ow = s.out_width(), oc = s.out_channels;
    std::vector<float> core(size_t(s.batch) * oh * ow * oc);
    const float one = 1.0f;
    const char *name = mx_conv2d(s, in.codes.data(), in.codes.size(), in.scales.data(), in.scales.size(),
                                 MxFormat::Int8, *w.mx, Fp32Epilogue{&one, 1}, core.data(), core.size());
    const Affine fa = affine_of(a_op), fw = affine_of(w.op);
    std::vector<int64_t> tap_term(oc);
    size_t i = 0;
    for (int b = 0; b < s.batch; ++b)
        for (int y = 0; y < oh; ++y) {
            const auto [ky0, ky1] = inside_taps(y, s.stride_h, s.pad_top, s.dilation_h, s.kernel_h, s.height);
            for (int x = 0; x < ow; ++x) {
                const auto [kx0, kx1] = inside_taps(x, s.stride_w, s.pad_left, s.dilation_w, s.kernel_w, s.width);
                int64_t window_sum = 0;
                std::fill(tap_term.begin(), tap_term.end(), 0);
                for (int ky = ky0; ky < ky1; ++ky)
                    for (int kx = kx0; kx < kx1; ++kx) {
                        const int iy = y * s.stride_h - s.pad_top + ky * s.dilation_h;
                        const int ix = x * s.stride_w - s.pad_left + kx * s.dilation_w;
                        window_sum += in.sums[(size_t(b) * s.height + iy) * s.width + ix];
                        const int tap = ky * s.kernel_w + kx;
                        for (int o = 0; o < oc; ++o) tap_term[o] += w.tap_sums[size_t(o) * w.taps + tap];
                    }
                const int64_t valid = int64_t(ky1 - ky0) * (kx1 - kx0) * s.channels;
                const int64_t pixel_term = fa.s * fw.offset * window_sum + valid * fa.offset * fw.offset;
                for (int o = 0; o < oc; ++o, ++i) {
                    emit(i, o, fa.s * fw.s * int64_t(core[i]) + pixel_term + fa.offset * fw.s * tap_term[o]);
                }
            }
        }
    return name;
}

// Weight rows (taps) of k values each as MXINT8 codes, with each row's sum of x_w.
std::unique_ptr<Int8DotWeights> prepared(const uint64_t *w, int rows, int taps, int k, const Operand &w_op,
                                         Int8Rows &out) {
    auto p = std::make_unique<Int8DotWeights>();
    p->rows = rows, p->taps = taps, p->op = w_op;
    out = unpack_rows(w, rows * taps, k, w_op);
    p->tap_sums = out.sums;
    return p;
}

}  // namespace

void set_bitserial_algorithm(BitserialAlgorithm algorithm) { chosen_algorithm() = algorithm; }
BitserialAlgorithm bitserial_algorithm() { return chosen_algorithm(); }

bool int8_dot_exact(int64_t k, const Operand &a, const Operand &w) {
    return k * affine_of(a).max_x * affine_of(w).max_x <= kExactFp32;
}

namespace {

bool rule(int64_t rows, int64_t k, const Operand &a, const Operand &w, int from_plane_pairs) {
    if (!int8_dot_exact(k, a, w)) return false;
    switch (bitserial_algorithm()) {
        case BitserialAlgorithm::Popcount: return false;
        case BitserialAlgorithm::Int8Dot: return true;
        case BitserialAlgorithm::Auto:
            if (!measured_isa()) return false;
            // The specialized widths' GEMVs beat the int8 one (4A4W 65 GOPS against 43).
            if (rows == 1) return a.bits * w.bits >= kGemvFromPlanePairs && !has_specialized_widths(kernels(), a.bits, w.bits);
            return a.bits * w.bits >= from_plane_pairs;
    }
    return false;
}

}  // namespace

bool use_int8_dot(const GemmShape &s, const Operand &a, const Operand &w) {
    return rule(s.m, s.k, a, w, kGemmFromPlanePairs);
}

bool use_int8_dot(const Conv2dShape &s, const Operand &a, const Operand &w) {
    return rule(int64_t(s.batch) * s.out_height() * s.out_width(), reduction_length(s), a, w,
                kConvFromPlanePairs);
}

std::unique_ptr<Int8DotWeights> prepare_int8_dot(const uint64_t *w, int n, int k, const Operand &w_op) {
    Int8Rows rows;
    auto p = prepared(w, n, 1, k, w_op, rows);
    p->mx = std::make_unique<MxWeights>(n, k, MxFormat::Int8, rows.codes.data(), rows.codes.size(), rows.scales.data(),
                                        rows.scales.size());
    return p;
}

std::unique_ptr<Int8DotWeights> prepare_int8_dot_conv2d(const uint64_t *w, const Conv2dShape &s, const Operand &w_op) {
    Int8Rows rows;
    auto p = prepared(w, s.out_channels, s.kernel_h * s.kernel_w, s.channels, w_op, rows);
    p->mx = std::make_unique<MxWeights>(MxWeights::conv2d(s.out_channels, s.kernel_h, s.kernel_w, s.channels,
                                                          MxFormat::Int8, rows.codes.data(), rows.codes.size(),
                                                          rows.scales.data(), rows.scales.size()));
    return p;
}

const Int8DotWeights &int8_weights(Int8DotCache *cache, const uint64_t *w, const GemmShape &s, const Operand &w_op) {
    if (cache != nullptr) return cache->gemm([&] { return prepare_int8_dot(w, s.n, s.k, w_op); });
    thread_local std::unique_ptr<Int8DotWeights> per_call;
    per_call = prepare_int8_dot(w, s.n, s.k, w_op);
    return *per_call;
}

const Int8DotWeights &int8_weights(Int8DotCache *cache, const uint64_t *w, const Conv2dShape &s, const Operand &w_op) {
    if (cache != nullptr) return cache->conv2d([&] { return prepare_int8_dot_conv2d(w, s, w_op); });
    thread_local std::unique_ptr<Int8DotWeights> per_call;
    per_call = prepare_int8_dot_conv2d(w, s, w_op);
    return *per_call;
}

template <typename Shape>
const char *int8_dot(const Shape &s, const uint64_t *a, const Operand &a_op, const Int8DotWeights &w, int32_t *out) {
    return combine(s, a, a_op, w, [&](size_t i, int, int64_t dot) { out[i] = static_cast<int32_t>(dot); });
}

template <typename Shape>
const char *int8_dot(const Shape &s, const uint64_t *a, const Operand &a_op, const Int8DotWeights &w,
                     const Fp32Epilogue &e, float *out) {
    return combine(s, a, a_op, w, [&](size_t i, int n, int64_t dot) {
        // As fp32_epilogue (generators/epilogue.h): one rounding to fp32, multiply, add, clamp
        // keeping NaN. This file is compiled with -ffp-contract=off, so no fused multiply-add.
        const float scale = e.scale[e.scale_count == 1 ? 0 : n];
        const float bias = e.bias == nullptr ? 0.0f : e.bias[e.bias_count == 1 ? 0 : n];
        const float y = static_cast<float>(dot) * scale + bias;
        out[i] = std::isnan(y) ? y : std::min(std::max(y, e.clamp_min), e.clamp_max);
    });
}

// The two operators the entry points call (bitserial_gemm.cpp, bitserial_conv2d.cpp).
template const char *int8_dot(const GemmShape &, const uint64_t *, const Operand &, const Int8DotWeights &, int32_t *);
template const char *int8_dot(const GemmShape &, const uint64_t *, const Operand &, const Int8DotWeights &,
                              const Fp32Epilogue &, float *);
template const char *int8_dot(const Conv2dShape &, const uint64_t *, const Operand &, const Int8DotWeights &, int32_t *);
template const char *int8_dot(const Conv2dShape &, const uint64_t *, const Operand &, const Int8DotWeights &,
                              const Fp32Epilogue &, float *);

}  // namespace lpgen
