#include "bitserial_int8.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "generators/mx_formats.h"
#include "halide_call.h"
#include "kernel_table.h"
#include "mx_weights.h"
#include "parallel.h"
#include "validate.h"
#include "x86_clones.h"

namespace lpgen {
namespace {

// MXINT8 elements are code * 2^-6: a block scale of 2^6 (E8M0 127 + 6) makes them the integers.
constexpr uint8_t kUnitScale = 127 + 6;
constexpr int64_t kExactFp32 = int64_t(1) << 24;

// The measured rule: popcount over planes costs about a * w passes over the operands, the int8
// kernels one (the bit-serial kernels of the specialised widths being faster than the generic
// ones). Measured with `bench/bitserial_bench` sweep-gemm1024 and sweep-gemv4096 forced to each
// algorithm (LPGEN_BITSERIAL_ALGORITHM), single thread, on an AMD Zen 4 (its AVX-512 variant,
// and the AVX2 one forced with LPGEN_ISA), fp32 outputs with the activations packed:
//  - AVX-512 GEMM 1024^3: int8 600-625 GOPS for every pair (577 at 8A8W); popcount 1A2W 779,
//    2A2W 812, 3A1W 618, 1A3W 529, 1A4W 399, 4A1W 323. Int8 from 3 plane pairs; the
//    specialised widths up to 4 (2A2W) keep popcount.
//  - AVX-512 GEMV 1x4096x4096: int8 110-155 whatever the widths; popcount 2A2W 249, 3A3W 118,
//    1A2W 120, 4A1W 91, 1A4W 63, 4A4W 34. Int8 from 3 pairs; specialised widths up to 9 keep
//    popcount.
//  - AVX2 GEMM: int8 (vpmaddubsw pairs) 258-271, 96-156 with 8-bit weights (the int16 kernel);
//    popcount 2A1W 320, 1A2W 261, 2A2W 161, 3A1W 189, 1A3W 175. Int8 from 3 pairs.
//  - AVX2 GEMV: int8 42-75; popcount 1A2W 168, 2A2W 138, 4A1W 118, 3A3W 62, 2A4W 45, 1A8W 32,
//    4A4W 30, 4A2W 59, 8A1W 64. Int8 from 8 pairs, the specialised 3A3W keeping popcount.
//  - Convolutions (the implicit GEMM, ResNet-18 C2 3x3, us; AVX2 forced with LPGEN_ISA on the
//    same Zen 4): AVX-512 int8 490-570 at every pair but 8A1W 660; popcount 1A1W 76, 2A1W 151,
//    2A2W 285, 1A2W 376, 3A1W 476, 4A1W 605, 1A3W 613, 2A3W 859, 3A3W 877. Int8 from 4 pairs,
//    the specialised 2A2W keeping popcount. AVX2 int8 950-1250 (4A4W 1568); popcount 1A1W 373,
//    2A1W 733, 1A2W 1095, 3A1W 1583, 2A2W 1887. Int8 from 2 pairs but the specialised 2A1W.
// On ARM, where nothing has measured it yet, popcount (the paper's A53 method) stays the default.
struct AlgorithmRule {
    int gemm_from, gemv_from, conv_from;  // plane pairs a * w from which int8 serves
    // specialised widths keep popcount up to this many pairs
    int specialised_gemm_up_to, specialised_gemv_up_to, specialised_conv_up_to;
};
constexpr AlgorithmRule kAvx512Rule{3, 3, 4, 4, 9, 4};
constexpr AlgorithmRule kAvx2Rule{3, 8, 2, 0, 9, 2};

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

// The weights' stored x: as affine_of, but a signed weight below 8 bits is stored as its value
// (c = 2^(bits-1), as 8-bit ones already are), so its offset is only the zero point's. Unsigned
// activations against signed weights then leave no row term (terms_vanish()), and |x_w| <=
// 2^(bits-1) instead of 2^bits - 1 widens what AVX2's int16 pairs take.
Affine weight_affine(const Operand &op) {
    Affine f = affine_of(op);
    if (op.encoding == Encoding::Signed && op.bits < 8) {
        f.c = int64_t(1) << (op.bits - 1);
        f.offset = -op.zero_point;
        f.max_x = f.c;
    }
    return f;
}

// One packed row's k values as bytes into out[0, k32): the int8 x = u' - c (`for_kernel` false:
// the bit pattern of an MXINT8 code), or x + 128 as the int8 GEMM kernels read their
// activations; the padding past k is x = 0. Returns the row's sum of x. u' is the code's
// unsigned reading (signed: top bit flipped). x86 and ARM are little-endian, so byte j of
// lanes[q] is value 8q + j. Each byte is u' (< 2^8) with its top bit flipped or not, so the
// whole transform is one XOR per 8 values; the sum comes from popcounts of the planes.
LPGEN_X86_CLONES int64_t unpack_row_portable(const uint64_t *row, const Operand &op, int k, int k32, bool for_kernel,
                                             uint8_t *out) {
    const int kw = words_for(k), top = op.bits - 1;
    const bool eight = op.bits == 8;  // c = 128
    const uint64_t ones = 0x0101010101010101ull;
    const uint64_t flip = op.encoding == Encoding::Signed ? ones << top : 0;
    const uint64_t to_byte = (for_kernel != eight) ? ones << 7 : 0;  // x + 128 - (u' - c) is 128 - c
    const std::array<uint64_t, 256> &table = spread();
    int64_t sum_u = 0;
    for (int w = 0; w < kw; ++w) {
        const int count = std::min(64, k - 64 * w);
        const uint64_t valid = count == 64 ? ~0ull : (uint64_t(1) << count) - 1;
        uint64_t lanes[8] = {};
        for (int p = 0; p < op.bits; ++p) {
            const uint64_t word = row[size_t(p) * kw + w] & valid;
            const int64_t set = __builtin_popcountll(word);
            sum_u += (p == top && flip != 0 ? count - set : set) << p;
            for (int j = 0; j < 8; ++j) lanes[j] |= table[(word >> (8 * j)) & 0xff] << p;
        }
        for (int j = 0; j < 8; ++j) lanes[j] ^= flip ^ to_byte;
        std::memcpy(out + 64 * w, lanes, size_t(count));
    }
    std::fill(out + k, out + k32, uint8_t(for_kernel ? 0x80 : 0));
    return sum_u - affine_of(op).c * k;
}

#if defined(__x86_64__) && defined(__GNUC__)
// The same with AVX-512BW: each plane's 64 bits are a byte mask under which the plane's bit is
// added, so a word of 64 values takes one masked add per plane (the table takes eight lookups).
__attribute__((target("avx512f,avx512bw,popcnt"))) int64_t unpack_row_avx512(const uint64_t *row, const Operand &op,
                                                                           int k, int k32, bool for_kernel,
                                                                           uint8_t *out) {
    const int kw = words_for(k), top = op.bits - 1;
    const bool eight = op.bits == 8;
    const unsigned flip = op.encoding == Encoding::Signed ? 1u << top : 0;
    const unsigned to_byte = (for_kernel != eight) ? 0x80 : 0;
    const __m512i xor_bytes = _mm512_set1_epi8(char(flip ^ to_byte));
    int64_t sum_u = 0;
    for (int w = 0; w < kw; ++w) {
        const int count = std::min(64, k - 64 * w);
        const uint64_t valid = count == 64 ? ~0ull : (uint64_t(1) << count) - 1;
        __m512i bytes = _mm512_setzero_si512();
        for (int p = 0; p < op.bits; ++p) {
            const uint64_t word = row[size_t(p) * kw + w] & valid;
            const int64_t set = __builtin_popcountll(word);
            sum_u += (p == top && flip != 0 ? count - set : set) << p;
            bytes = _mm512_mask_add_epi8(bytes, __mmask64(word), bytes, _mm512_set1_epi8(char(1u << p)));
        }
        _mm512_mask_storeu_epi8(out + 64 * w, __mmask64(valid), _mm512_xor_si512(bytes, xor_bytes));
    }
    std::fill(out + k, out + k32, uint8_t(for_kernel ? 0x80 : 0));
    return sum_u - affine_of(op).c * k;
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
// The same with AVX2: each plane's 32-bit half-words are spread to bytes (vpshufb puts byte j/8
// of the half-word in byte j, a test against bit j mod 8 makes it 0 or 1), and the planes are
// added most significant first, doubling the bytes before each: four ops per plane and 32
// values where the table takes eight lookups per 8.
__attribute__((target("avx2,popcnt"))) int64_t unpack_row_avx2(const uint64_t *row, const Operand &op, int k, int k32,
                                                               bool for_kernel, uint8_t *out) {
    const int kw = words_for(k), top = op.bits - 1;
    const bool eight = op.bits == 8;
    const unsigned flip = op.encoding == Encoding::Signed ? 1u << top : 0;
    const unsigned to_byte = (for_kernel != eight) ? 0x80 : 0;
    const __m256i xor_bytes = _mm256_set1_epi8(char(flip ^ to_byte));
    const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,  //
                                            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x(int64_t(0x8040201008040201ull)), one = _mm256_set1_epi8(1);
    int64_t sum_u = 0;
    alignas(32) uint8_t bytes[64];
    for (int w = 0; w < kw; ++w) {
        const int count = std::min(64, k - 64 * w);
        const uint64_t valid = count == 64 ? ~0ull : (uint64_t(1) << count) - 1;
        __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
        for (int p = top; p >= 0; --p) {
            const uint64_t word = row[size_t(p) * kw + w] & valid;
            const int64_t set = __builtin_popcountll(word);
            sum_u += (p == top && flip != 0 ? count - set : set) << p;
            const __m256i l = _mm256_shuffle_epi8(_mm256_set1_epi32(int(uint32_t(word))), spread);
            const __m256i h = _mm256_shuffle_epi8(_mm256_set1_epi32(int(uint32_t(word >> 32))), spread);
            lo = _mm256_add_epi8(_mm256_add_epi8(lo, lo), _mm256_min_epu8(_mm256_and_si256(l, bit), one));
            hi = _mm256_add_epi8(_mm256_add_epi8(hi, hi), _mm256_min_epu8(_mm256_and_si256(h, bit), one));
        }
        _mm256_store_si256(reinterpret_cast<__m256i *>(bytes), _mm256_xor_si256(lo, xor_bytes));
        _mm256_store_si256(reinterpret_cast<__m256i *>(bytes + 32), _mm256_xor_si256(hi, xor_bytes));
        std::memcpy(out + 64 * w, bytes, size_t(count));
    }
    std::fill(out + k, out + k32, uint8_t(for_kernel ? 0x80 : 0));
    return sum_u - affine_of(op).c * k;
}
#endif

// The unpacking the selected variant's CPU can run (so LPGEN_ISA=x86_avx2 tests the AVX2 one on
// an AVX-512 machine too).
int64_t unpack_row(const uint64_t *row, const Operand &op, int k, int k32, bool for_kernel, uint8_t *out) {
#if defined(__x86_64__) && defined(__GNUC__)
    const char *isa = kernels().isa;
    if (std::strcmp(isa, "x86_avx512") == 0) return unpack_row_avx512(row, op, k, k32, for_kernel, out);
    if (std::strcmp(isa, "x86_avx2") == 0) return unpack_row_avx2(row, op, k, k32, for_kernel, out);
#endif
    return unpack_row_portable(row, op, k, k32, for_kernel, out);
}

int round_up_to_block(int k) { return (k + kMxBlock - 1) / kMxBlock * kMxBlock; }

// Activations split into digits: where K * max|x_a| * max|x_w| passes 2^24 (8-bit activations
// and weights past K = 1024), each code u' is written as `count` digits of `bits` bits,
// u' = sum_j 2^(bits j) d_j, and the kernels sum each digit's row exactly (K * (2^bits - 1) *
// max|x_w| <= 2^24); sum(x_a x_w) = sum_j 2^(bits j) sum(d_j x_w) - c_a sum(x_w), the last term
// folded into the column terms. One digit is x_a itself, as before.
// `offset`: what each stored value carries for the kernels, x + 128 (the MX kernels' form), or 0
// where the values are never negative (below 8 bits, or digits) and the variant's kernels take
// them so (x86: the segments' offsets are then zeros). Without the +128 vpmaddubsw's pairs stay
// inside int16 for larger weights: AVX2 sums up to 7-bit activations against 8-bit weights in
// int8 pairs, and 4-bit ones against 8-bit weights in the narrow kernel.
struct Digits {
    int count = 1, bits = 8, offset = kMxI8ActivationOffset;
    int64_t max() const { return (int64_t(1) << bits) - 1; }
};

// The digit rows of one packed row for the kernels (d_j + d.offset each, row j at out + j * k32;
// the padding past k is digit 0), from its x + 128 bytes: u' is the byte for 8-bit operands
// (c = 128), the byte less 128 otherwise. One digit is x_a + d.offset (x_a = u' below 8 bits).
// Returns the row's sum of x_a, as unpack_row.
int64_t unpack_row_digits(const uint64_t *row, const Operand &op, int k, int k32, const Digits &d, uint8_t *out) {
    if (d.count == 1) return unpack_row(row, op, k, k32, d.offset != 0, out);
    const int64_t sum = unpack_row(row, op, k, k32, true, out);
    const uint8_t to_code = op.bits == 8 ? 0 : 0x80, mask = uint8_t(d.max()), offset = uint8_t(d.offset);
    for (int j = d.count - 1; j >= 0; --j) {  // digit 0 last: it overwrites the codes it reads
        uint8_t *digit = out + size_t(j) * k32;
        for (int i = 0; i < k; ++i) digit[i] = uint8_t(offset | (((out[i] ^ to_code) >> (d.bits * j)) & mask));
        std::fill(digit + k, digit + k32, offset);
    }
    return sum;
}

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
    Int8Rows r{std::vector<uint8_t>(size_t(rows) * k32), std::vector<uint8_t>(size_t(rows) * (k32 / kMxBlock), kUnitScale),
               std::vector<int64_t>(rows)};
    for (int i = 0; i < rows; ++i) {
        r.sums[i] = unpack_row(a + size_t(i) * op.bits * kw, op, k, k32, false, r.codes.data() + size_t(i) * k32);
    }
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
    const Affine fa = affine_of(a_op), fw = weight_affine(w.op);
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

// The int8 GEMM kernels straight on the unpacked rows, each row one exactly summed segment
// (unit scales, no per-block fp32 work), where one of them sums these operands exactly; else
// null (then mx_gemm chooses, the int16 kernels included). Its largest segment bounds K.
constexpr int kMaxSegmentBlocks = 2048;

// Rows and columns of the product the kernels compute: a GEMM's, or a convolution's as an
// implicit GEMM (one row per output pixel, NHWC, one column per output channel).
int product_rows(const GemmShape &s) { return s.m; }
int product_rows(const Conv2dShape &s) { return s.batch * s.out_height() * s.out_width(); }
int product_cols(const GemmShape &s) { return s.n; }
int product_cols(const Conv2dShape &s) { return s.out_channels; }
// The GEMM the kernels compute, as the tuner measures it and a bundle registers its kernel.
GemmShape product_shape(const GemmShape &s) { return s; }
GemmShape product_shape(const Conv2dShape &s) {
    return {product_rows(s), s.out_channels, s.kernel_h * s.kernel_w * round_up_to_block(s.channels)};
}

// The kernel that sums rows of these activations (or of their digits) against these weights.
// A GEMV's digit rows stay on the GEMV kernels: the GEMM kernels, whose column tiles would
// keep W in cache for the second row, ran 8A8W 1x4096x4096 about 2x slower than the GEMV's
// two passes over W (Zen 4).
template <typename Shape>
const Kernel<MxGemmI8Fn> *kernel_for_rows(const KernelSet &set, const Shape &s, const Operand &a_op,
                                          const Operand &w_op, const Digits &d) {
    const int64_t a_max = d.count == 1 ? affine_of(a_op).max_x : d.max();
    return mx_i8_kernel_for(set, int64_t(product_rows(s)) * d.count < kMxGemvRows, a_max, weight_affine(w_op).max_x,
                            d.offset);
}

// The digits the activations take so that every sum a kernel makes is exact in fp32: one where
// x_a itself keeps them so; count 0 where no split does. Only the direct kernels read digit
// rows, so a split needs one of them for these operands. Where the values may go without the
// +128 (x86, below 8 bits or split) they do. (Splitting exact 8-bit activations for AVX2's pairs,
// which do not take them against 8-bit weights, was measured and not kept: on a Zen 4 running the
// AVX2 variant, 8A8W GEMM 1024^3 92 GOPS against the int16 kernels' 81, but ResNet-18 C5 27
// against 39: the digit rows cost more than the second pass saves.)
template <typename Shape>
Digits activation_digits(const Shape &s, const Operand &a, const Operand &w) {
    const int64_t k = reduction_length(s), w_max = weight_affine(w).max_x;
    const bool raw = mx_i8_kernels_take_raw_activations(kernels());
    if (k * affine_of(a).max_x * w_max <= kExactFp32) return {1, a.bits, raw && a.bits < 8 ? 0 : kMxI8ActivationOffset};
    if (!mx_int8_weights_supported() || product_shape(s).k / kMxBlock > kMaxSegmentBlocks) return {0, 0};
    for (int count = 2; count <= a.bits; ++count) {
        const Digits d{count, (a.bits + count - 1) / count, raw ? 0 : kMxI8ActivationOffset};
        if (k * d.max() * w_max > kExactFp32) continue;
        return kernel_for_rows(kernels(), s, a, w, d) != nullptr ? d : Digits{0, 0};
    }
    return {0, 0};
}

template <typename Shape>
const Kernel<MxGemmI8Fn> *direct_kernel(const KernelSet &set, const Shape &s, const Operand &a_op,
                                        const Int8DotWeights &w, const Digits &d) {
    if (w.row_offsets.empty() || w.mx->prepared().blocks > kMaxSegmentBlocks) return nullptr;
    return kernel_for_rows(set, s, a_op, w.op, d);
}

// The dot products of one output row from the kernel's exact sums `core` (fp32 integers below
// 2^24 in magnitude), in place: `io` holds them and receives the row's results.
struct RowTerms {
    int64_t product_scale, row_term;
    const int64_t *col_terms;
    // The sums of a row split into digits: `digits` rows of them, `digit_stride` floats apart,
    // digit j weighing 2^(digit_bits j).
    int digits = 1, digit_bits = 8;
    size_t digit_stride = 0;
};

// Output j's exact sum from its digits' rows (each an fp32 integer below 2^24 in magnitude).
inline int64_t digit_sum(const float *core, int j, const RowTerms &t) {
    int64_t v = 0;
    for (int d = t.digits - 1; d >= 0; --d) v = v * (int64_t(1) << t.digit_bits) + int64_t(core[size_t(d) * t.digit_stride + j]);
    return v;
}

// As fp32_epilogue (generators/epilogue.h): one rounding to fp32, multiply, add, clamp keeping
// NaN. This file is compiled with -ffp-contract=off, so no fused multiply-add.
inline float epilogue_value(int64_t dot, float scale, float bias, float lo, float hi) {
    const float y = static_cast<float>(dot) * scale + bias;
    return std::isnan(y) ? y : std::min(std::max(y, lo), hi);
}

// `in` and `out` may be the same row where the sums are not split in digits.
LPGEN_X86_CLONES void finish_row(const float *in, float *out, int n, const RowTerms &t, const float *scale,
                                 const float *bias, float lo, float hi) {
    if (t.digits == 1) {
        for (int j = 0; j < n; ++j) {
            const int64_t dot = t.product_scale * int64_t(in[j]) + t.row_term + t.col_terms[j];
            out[j] = epilogue_value(dot, scale[j], bias[j], lo, hi);
        }
        return;
    }
    for (int j = 0; j < n; ++j) {
        const int64_t dot = t.product_scale * digit_sum(in, j, t) + t.row_term + t.col_terms[j];
        out[j] = epilogue_value(dot, scale[j], bias[j], lo, hi);
    }
}

LPGEN_X86_CLONES void finish_row(const float *in, int32_t *out, int n, const RowTerms &t) {
    for (int j = 0; j < n; ++j) {
        const int64_t dot = t.product_scale * digit_sum(in, j, t) + t.row_term + t.col_terms[j];
        out[j] = static_cast<int32_t>(dot);
    }
}

// The same in place: the row's bytes hold its fp32 sums and receive its int32 results (each
// 4 bytes read as one type, then written as the other, through memcpy).
LPGEN_X86_CLONES void finish_row_in_place(unsigned char *io, int n, const RowTerms &t) {
    const int64_t *__restrict col_terms = t.col_terms;
    for (int j = 0; j < n; ++j) {
        float sum;
        std::memcpy(&sum, io + sizeof(float) * j, sizeof(float));
        const int32_t dot = static_cast<int32_t>(t.product_scale * int64_t(sum) + t.row_term + col_terms[j]);
        std::memcpy(io + sizeof(int32_t) * j, &dot, sizeof(int32_t));
    }
}

// Whether every dot product is s_a s_w sum(x_a x_w) with s_a s_w = 1 and no row, column or
// window terms (unsigned operands without zero points, one digit): the kernel's exact sums are
// then the dot products, padding's taps included (x_a = 0 there), and the kernel may apply the
// epilogue itself. Its fp32 epilogue is epilogue_value()'s: one rounding (none: the sums are
// integers below 2^24), multiply, add, clamp.
bool terms_vanish(const Operand &a_op, const Operand &w_op, const Digits &d) {
    const Affine fa = affine_of(a_op), fw = weight_affine(w_op);
    return d.count == 1 && fa.s == 1 && fw.s == 1 && fa.offset == 0 && fw.offset == 0;
}

// The same where no term corrects the sums (terms_vanish()): each fp32 integer becomes its int32.
LPGEN_X86_CLONES void sums_to_int32_in_place(unsigned char *io, int n) {
    for (int j = 0; j < n; ++j) {
        float sum;
        std::memcpy(&sum, io + sizeof(float) * j, sizeof(float));
        const int32_t dot = static_cast<int32_t>(sum);
        std::memcpy(io + sizeof(int32_t) * j, &dot, sizeof(int32_t));
    }
}

// What multiplies a column's (or a tap's) sum of x_w in its dot products: offset_a * s_w, and
// for digit sums (which add up to sum(u'_a x_w)) also the c_a that x_a = u'_a - c_a takes off.
int64_t tap_factor(const Operand &a_op, const Operand &w_op, const Digits &d) {
    const Affine fa = affine_of(a_op);
    return (fa.offset - (d.count > 1 ? fa.c * fa.s : 0)) * weight_affine(w_op).s;
}

// The weights' per-column term of every dot product.
std::vector<int64_t> column_terms(const Operand &a_op, const Int8DotWeights &w, const Digits &d) {
    std::vector<int64_t> t(w.rows);
    const int64_t f = tap_factor(a_op, w.op, d);
    for (int n = 0; n < w.rows; ++n) t[n] = f * w.tap_sums[n];
    return t;
}

// What the kernel itself applies to its exact sums: nothing (the sums themselves, for the
// finishing pass), or, where the dot products are those sums (terms_vanish()), the call's own
// fp32 epilogue, per output channel, so that no pass follows.
struct KernelEpilogue {
    const float *scale = nullptr, *bias = nullptr;  // `cols` each; null: 1 and 0
    float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
};

// One int8 kernel call over `rows` rows of k32 codes (x + d.offset, one exactly summed segment
// per row) against the weights' int8 rows: the exact sums of x_a x_w, `cols` wide, into `sums`
// (through `e`).
void run_whole_rows(const Kernel<MxGemmI8Fn> &kernel, const Int8DotWeights &w, const uint8_t *values, int rows,
                    int cols, const Digits &d, const KernelEpilogue &e, float *sums) {
    const MxWeights::Prepared &p = w.mx->prepared();
    const int k32 = p.blocks * kMxBlock;
    const float one = 1.0f, zero = 0.0f;
    const std::vector<float> row_scales(rows, 1.0f);
    run_kernel(kernel, dense_view(values, {k32, rows}).raw_buffer(),
               dense_view(row_scales.data(), {1, rows}).raw_buffer(),
               dense_view(p.quads.data(), {4, p.padded_rows, k32 / 4}).raw_buffer(),
               dense_view((d.offset == 0 ? w.zero_offsets : w.row_offsets).data(), {p.padded_rows, 1}).raw_buffer(),
               dense_view(w.unit_scales.data(), {p.padded_rows, 1}).raw_buffer(), p.blocks,
               e.scale ? per_channel_view(e.scale, cols, cols).raw_buffer() : per_channel_view(&one, 1, cols).raw_buffer(),
               e.bias ? per_channel_view(e.bias, cols, cols).raw_buffer() : per_channel_view(&zero, 1, cols).raw_buffer(),
               e.lo, e.hi, dense_view(sums, {cols, rows}).raw_buffer());
}

// Each thread's rows: unpacked, multiplied by the kernel into `core(begin, end)` (N wide, at
// least kMxRowPadding), then `finish(row, core row, its RowTerms)`.
template <typename Core, typename Finish>
const char *direct_gemm(const Kernel<MxGemmI8Fn> &kernel, const GemmShape &s, const uint64_t *a, const Operand &a_op,
                        const Int8DotWeights &w, const Digits &d, const KernelEpilogue &e, Core core, Finish finish) {
    const MxWeights::Prepared &p = w.mx->prepared();
    const int k32 = p.blocks * kMxBlock, cols = std::max(s.n, kMxRowPadding), kw = words_for(s.k);
    const Affine fa = affine_of(a_op), fw = weight_affine(w.op);
    const int64_t constant = int64_t(s.k) * fa.offset * fw.offset;
    const std::vector<int64_t> col_terms = column_terms(a_op, w, d);
    const Work work{double(s.m) * d.count * s.n * k32};
    for_each_slice(s.m, slice_count(s.m, 16, work), [&](int begin, int end) {
        const int rows = end - begin;
        const size_t row_bytes = size_t(d.count) * k32;  // a row's digit rows
        std::vector<uint8_t> values(size_t(rows) * row_bytes);
        std::vector<int64_t> sums(rows);
        for (int i = 0; i < rows; ++i) {
            sums[i] = unpack_row_digits(a + size_t(begin + i) * a_op.bits * kw, a_op, s.k, k32, d,
                                        values.data() + i * row_bytes);
        }
        float *sums_out = core(begin, end);
        run_whole_rows(kernel, w, values.data(), rows * d.count, cols, d, e, sums_out);
        for (int i = 0; i < rows; ++i) {
            const RowTerms terms{fa.s * fw.s, fa.s * fw.offset * sums[i] + constant, col_terms.data(), d.count, d.bits,
                                 size_t(cols)};
            finish(begin + i, sums_out + size_t(i) * d.count * cols, terms);
        }
    });
    return kernel.name;
}

// The taps [begin, end) of a window along one axis that land inside the image.
std::pair<int, int> inside_taps(int out, int stride, int pad, int dilation, int taps, int extent) {
    int begin = 0, end = taps;
    while (begin < end && out * stride - pad + begin * dilation < 0) ++begin;
    while (end > begin && out * stride - pad + (end - 1) * dilation >= extent) --end;
    return {begin, end};
}

// The taps of output pixel (y, x)'s window that land inside the image, [ky0, ky1) x [kx0, kx1).
struct Window {
    int ky0, ky1, kx0, kx1;
    int64_t taps() const { return int64_t(ky1 - ky0) * (kx1 - kx0); }
};

Window window_at(const Conv2dShape &s, int y, int x) {
    const auto [ky0, ky1] = inside_taps(y, s.stride_h, s.pad_top, s.dilation_h, s.kernel_h, s.height);
    const auto [kx0, kx1] = inside_taps(x, s.stride_w, s.pad_left, s.dilation_w, s.kernel_w, s.width);
    return {ky0, ky1, kx0, kx1};
}

// The input pixel (NHWC index) that tap (ky, kx) of output pixel (y, x) of image b reads.
size_t input_pixel(const Conv2dShape &s, int b, int y, int x, int ky, int kx) {
    const int iy = y * s.stride_h - s.pad_top + ky * s.dilation_h;
    const int ix = x * s.stride_w - s.pad_left + kx * s.dilation_w;
    return (size_t(b) * s.height + iy) * s.width + ix;
}

// A window's terms that do not depend on the output channel: s_a o_w sum(x_a) over its inside
// taps' pixels plus o_a o_w per inside value (the padding's taps contribute nothing).
int64_t window_term(const Affine &fa, const Affine &fw, int64_t window_sum, int64_t inside_values) {
    return fa.s * fw.offset * window_sum + inside_values * fa.offset * fw.offset;
}

// Output pixel (b, y, x)'s window as its kernel rows (digit j's at row + j * k32, tap major),
// from the unpacked pixels ([pixel][digit][c32]); taps outside the image hold x = 0 (`zero`,
// the stored offset).
// Where the taps along x are adjacent pixels, a window row's inside taps are one copy. Returns
// the sum of x_a over the inside taps' pixels.
LPGEN_X86_CLONES int64_t gather_window(const Conv2dShape &s, const Window &win, int b, int y, int x,
                                       const uint8_t *codes, const int64_t *pixel_sums, int c32, int digits, int k32,
                                       uint8_t zero, uint8_t *row) {
    const size_t pixel_bytes = size_t(digits) * c32, tap_row_bytes = size_t(s.kernel_w) * c32;
    const int inside = win.kx1 - win.kx0;
    int64_t sum = 0;
    for (int j = 0; j < digits; ++j) {
        for (int ky = 0; ky < s.kernel_h; ++ky) {
            uint8_t *taps = row + size_t(j) * k32 + ky * tap_row_bytes;
            if (ky < win.ky0 || ky >= win.ky1 || inside <= 0) {
                std::memset(taps, zero, tap_row_bytes);
                continue;
            }
            std::memset(taps, zero, size_t(win.kx0) * c32);
            std::memset(taps + size_t(win.kx1) * c32, zero, size_t(s.kernel_w - win.kx1) * c32);
            const size_t first = input_pixel(s, b, y, x, ky, win.kx0);
            if (digits == 1 && s.dilation_w == 1) {
                std::memcpy(taps + size_t(win.kx0) * c32, codes + first * c32, size_t(inside) * c32);
            } else {
                for (int t = 0; t < inside; ++t) {
                    std::memcpy(taps + size_t(win.kx0 + t) * c32,
                                codes + (first + size_t(t) * s.dilation_w) * pixel_bytes + size_t(j) * c32, c32);
                }
            }
            if (j == 0) {
                for (int t = 0; t < inside; ++t) sum += pixel_sums[first + size_t(t) * s.dilation_w];
            }
        }
    }
    return sum;
}

// Every window's per-channel weight term (the weights' sums over its inside taps times
// tap_factor()), computed once per call: a window's inside taps depend on its output row's
// range of ky and its column's range of kx, and a layer has few distinct ones (a 3x3 pad-1
// layer: 3 x 3, the interior's included).
class WindowTerms {
public:
    WindowTerms(const Conv2dShape &s, const Int8DotWeights &w, int64_t factor) : oc_(s.out_channels) {
        const int taps = s.kernel_h * s.kernel_w;
        std::vector<std::pair<int, int>> ky_ranges, kx_ranges;
        auto class_of = [](std::vector<std::pair<int, int>> &ranges, std::pair<int, int> r) {
            auto it = std::find(ranges.begin(), ranges.end(), r);
            if (it != ranges.end()) return int(it - ranges.begin());
            ranges.push_back(r);
            return int(ranges.size()) - 1;
        };
        for (int y = 0; y < s.out_height(); ++y) {
            y_class_.push_back(class_of(ky_ranges, inside_taps(y, s.stride_h, s.pad_top, s.dilation_h, s.kernel_h, s.height)));
        }
        for (int x = 0; x < s.out_width(); ++x) {
            x_class_.push_back(class_of(kx_ranges, inside_taps(x, s.stride_w, s.pad_left, s.dilation_w, s.kernel_w, s.width)));
        }
        x_classes_ = int(kx_ranges.size());
        terms_.assign(ky_ranges.size() * kx_ranges.size() * oc_, 0);
        int64_t *t = terms_.data();
        for (const auto &[ky0, ky1] : ky_ranges)
            for (const auto &[kx0, kx1] : kx_ranges) {
                for (int ky = ky0; ky < ky1; ++ky)
                    for (int kx = kx0; kx < kx1; ++kx) {
                        const int tap = ky * s.kernel_w + kx;
                        for (int o = 0; o < oc_; ++o) t[o] += factor * w.tap_sums[size_t(o) * taps + tap];
                    }
                t += oc_;
            }
    }
    const int64_t *at(int y, int x) const { return terms_.data() + (size_t(y_class_[y]) * x_classes_ + x_class_[x]) * oc_; }

private:
    int oc_, x_classes_ = 0;
    std::vector<int> y_class_, x_class_;
    std::vector<int64_t> terms_;
};

// A convolution through the same kernels, as an implicit GEMM: every input pixel unpacked once,
// then each output pixel's window gathered into one row of KH * KW * C32 codes (tap major, as
// MxWeights::conv2d lays out the weights; taps outside the image hold x = 0), one exactly
// summed segment per row. The corrections take only the taps inside the image, as combine()
// below: padding contributes exactly 0.
template <typename Core, typename Finish>
const char *direct_conv2d(const Kernel<MxGemmI8Fn> &kernel, const Conv2dShape &s, const uint64_t *a,
                          const Operand &a_op, const Int8DotWeights &w, const Digits &d, const KernelEpilogue &e,
                          Core core, Finish finish) {
    const int c32 = round_up_to_block(s.channels), kw = words_for(s.channels);
    const int k32 = w.mx->prepared().blocks * kMxBlock;  // taps * c32
    const int pixels = s.batch * s.height * s.width, oh = s.out_height(), ow = s.out_width();
    const int rows = product_rows(s), oc = s.out_channels, cols = std::max(oc, kMxRowPadding);
    // [pixel][digit][c32]: each pixel's digit rows (one: its codes).
    const size_t pixel_bytes = size_t(d.count) * c32;
    std::vector<uint8_t> codes(size_t(pixels) * pixel_bytes);
    std::vector<int64_t> pixel_sums(pixels);
    for_each_slice(pixels, slice_count(pixels, 64, Work{double(pixels) * pixel_bytes * 8}), [&](int begin, int end) {
        for (int i = begin; i < end; ++i) {
            pixel_sums[i] = unpack_row_digits(a + size_t(i) * a_op.bits * kw, a_op, s.channels, c32, d,
                                              codes.data() + i * pixel_bytes);
        }
    });
    const Affine fa = affine_of(a_op), fw = weight_affine(w.op);
    const WindowTerms window_terms(s, w, tap_factor(a_op, w.op, d));
    // Rows per kernel call: a chunk's gathered windows stay in L2, and the conv weights the
    // kernel packs per call are small.
    constexpr int kChunkRows = 256;
    const Work work{double(rows) * d.count * oc * k32};
    const size_t row_bytes = size_t(d.count) * k32;  // an output pixel's digit rows
    for_each_slice(rows, slice_count(rows, 16, work), [&](int begin, int end) {
        std::vector<uint8_t> values(size_t(std::min(kChunkRows, end - begin)) * row_bytes);
        std::vector<int64_t> row_terms(kChunkRows);
        for (int first = begin; first < end; first += kChunkRows) {
            const int count = std::min(kChunkRows, end - first);
            for (int i = 0; i < count; ++i) {
                const int r = first + i, b = r / (oh * ow), y = r / ow % oh, x = r % ow;
                const Window win = window_at(s, y, x);
                const int64_t window_sum = gather_window(s, win, b, y, x, codes.data(), pixel_sums.data(), c32, d.count,
                                                         k32, uint8_t(d.offset), values.data() + i * row_bytes);
                row_terms[i] = window_term(fa, fw, window_sum, win.taps() * s.channels);
            }
            float *sums = core(first, first + count);
            run_whole_rows(kernel, w, values.data(), count * d.count, cols, d, e, sums);
            for (int i = 0; i < count; ++i) {
                const int r = first + i, y = r / ow % oh, x = r % ow;
                finish(first + i, sums + size_t(i) * d.count * cols,
                       RowTerms{fa.s * fw.s, row_terms[i], window_terms.at(y, x), d.count, d.bits, size_t(cols)});
            }
        }
    });
    return kernel.name;
}

// The direct kernels on either shape.
template <typename Core, typename Finish>
const char *run_direct(const Kernel<MxGemmI8Fn> &kernel, const GemmShape &s, const uint64_t *a, const Operand &a_op,
                       const Int8DotWeights &w, const Digits &d, const KernelEpilogue &e, Core core, Finish finish) {
    return direct_gemm(kernel, s, a, a_op, w, d, e, core, finish);
}
template <typename Core, typename Finish>
const char *run_direct(const Kernel<MxGemmI8Fn> &kernel, const Conv2dShape &s, const uint64_t *a,
                       const Operand &a_op, const Int8DotWeights &w, const Digits &d, const KernelEpilogue &e,
                       Core core, Finish finish) {
    return direct_conv2d(kernel, s, a, a_op, w, d, e, core, finish);
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
    const Affine fa = affine_of(a_op), fw = weight_affine(w.op);
    const WindowTerms window_terms(s, w, tap_factor(a_op, w.op, Digits{}));
    size_t i = 0;
    for (int b = 0; b < s.batch; ++b)
        for (int y = 0; y < oh; ++y) {
            for (int x = 0; x < ow; ++x) {
                const Window win = window_at(s, y, x);
                int64_t window_sum = 0;
                for (int ky = win.ky0; ky < win.ky1; ++ky)
                    for (int kx = win.kx0; kx < win.kx1; ++kx) window_sum += in.sums[input_pixel(s, b, y, x, ky, kx)];
                const int64_t pixel_term = window_term(fa, fw, window_sum, win.taps() * s.channels);
                const int64_t *tap_terms = window_terms.at(y, x);
                for (int o = 0; o < oc; ++o, ++i) emit(i, o, fa.s * fw.s * int64_t(core[i]) + pixel_term + tap_terms[o]);
            }
        }
    return name;
}

// Weight rows (taps) of k values each as MXINT8 codes, with each row's sum of x_w.
std::unique_ptr<Int8DotWeights> prepared(const uint64_t *w, int rows, int taps, int k, const Operand &w_op,
                                         Int8Rows &out) {
    auto p = std::make_unique<Int8DotWeights>();
    p->rows = rows, p->taps = taps, p->op = w_op;
    out = unpack_rows(w, rows * taps, k, w_op);  // x = u' - affine_of(w_op).c
    const int64_t shift = weight_affine(w_op).c - affine_of(w_op).c;
    if (shift != 0) {
        const size_t k32 = round_up_to_block(k);
        for (int r = 0; r < rows * taps; ++r) {
            uint8_t *x = out.codes.data() + size_t(r) * k32;
            for (int i = 0; i < k; ++i) x[i] = uint8_t(x[i] - shift);  // two's complement: the padding stays 0
            out.sums[r] -= shift * k;
        }
    }
    p->tap_sums = out.sums;
    return p;
}

}  // namespace

void set_bitserial_algorithm(BitserialAlgorithm algorithm) { chosen_algorithm() = algorithm; }
BitserialAlgorithm bitserial_algorithm() { return chosen_algorithm(); }

bool int8_dot_exact(int64_t k, const Operand &a, const Operand &w) {
    return k * affine_of(a).max_x * weight_affine(w).max_x <= kExactFp32;
}

namespace {

// `serves`: the int8 path sums these operands exactly (int8_dot_serves()).
bool rule(int64_t rows, bool serves, const Operand &a, const Operand &w, bool conv) {
    if (!serves) return false;
    switch (bitserial_algorithm()) {
        case BitserialAlgorithm::Popcount: return false;
        case BitserialAlgorithm::Int8Dot: return true;
        case BitserialAlgorithm::Auto: break;
    }
    if (!measured_isa()) return false;
    const AlgorithmRule &r = std::strcmp(kernels().isa, "x86_avx512") == 0 ? kAvx512Rule : kAvx2Rule;
    const int pairs = a.bits * w.bits;
    const bool gemv = rows == 1;
    const bool specialised = has_specialized_widths(kernels(), a.bits, w.bits);
    const int keeps_up_to = conv ? r.specialised_conv_up_to : gemv ? r.specialised_gemv_up_to : r.specialised_gemm_up_to;
    if (specialised && pairs <= keeps_up_to) return false;
    return pairs >= (conv ? r.conv_from : gemv ? r.gemv_from : r.gemm_from);
}

}  // namespace

bool int8_dot_serves(const GemmShape &s, const Operand &a, const Operand &w) {
    return activation_digits(s, a, w).count > 0;
}
bool int8_dot_serves(const Conv2dShape &s, const Operand &a, const Operand &w) {
    return activation_digits(s, a, w).count > 0;
}

bool use_int8_dot(const GemmShape &s, const Operand &a, const Operand &w) {
    return rule(s.m, int8_dot_serves(s, a, w), a, w, false);
}

bool use_int8_dot(const Conv2dShape &s, const Operand &a, const Operand &w) {
    return rule(int64_t(s.batch) * s.out_height() * s.out_width(), int8_dot_serves(s, a, w), a, w, true);
}

namespace {

// One segment per row for the int8 kernels: the sum of its blocks' offsets ((n, block) layout).
void add_whole_row_segments(Int8DotWeights &p) {
    const MxWeights::Prepared &mx = p.mx->prepared();
    if (!mx.has_int8()) return;
    p.row_offsets.assign(mx.padded_rows, 0);
    p.zero_offsets.assign(mx.padded_rows, 0);
    for (int b = 0; b < mx.blocks; ++b)
        for (int r = 0; r < mx.padded_rows; ++r) p.row_offsets[r] += mx.offsets[size_t(b) * mx.padded_rows + r];
    p.unit_scales.assign(mx.padded_rows, 1.0f);
}

}  // namespace

std::unique_ptr<Int8DotWeights> prepare_int8_dot(const uint64_t *w, int n, int k, const Operand &w_op) {
    Int8Rows rows;
    auto p = prepared(w, n, 1, k, w_op, rows);
    p->mx = std::make_unique<MxWeights>(n, k, MxFormat::Int8, rows.codes.data(), rows.codes.size(), rows.scales.data(),
                                        rows.scales.size());
    add_whole_row_segments(*p);
    return p;
}

std::unique_ptr<Int8DotWeights> prepare_int8_dot_conv2d(const uint64_t *w, const Conv2dShape &s, const Operand &w_op) {
    Int8Rows rows;
    auto p = prepared(w, s.out_channels, s.kernel_h * s.kernel_w, s.channels, w_op, rows);
    p->mx = std::make_unique<MxWeights>(MxWeights::conv2d(s.out_channels, s.kernel_h, s.kernel_w, s.channels,
                                                          MxFormat::Int8, rows.codes.data(), rows.codes.size(),
                                                          rows.scales.data(), rows.scales.size()));
    add_whole_row_segments(*p);
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

// Where the direct kernels write their fp32 sums: into the output's own bytes, finished there
// in place (no M x N scratch to fault in per call), unless the output is narrower than the
// kernels' smallest or the sums come in digit rows; then a scratch of rows x digits x wide.
class SumRows {
public:
    template <typename Shape>
    SumRows(const Shape &s, const Digits &d, void *out)
        : n_(product_cols(s)), wide_(std::max(n_, kMxRowPadding)), digits_(d.count) {
        if (wide_ > n_ || digits_ > 1) scratch_.resize(size_t(product_rows(s)) * digits_ * wide_);
        base_ = scratch_.empty() ? static_cast<float *>(out) : scratch_.data();
    }
    bool in_place() const { return scratch_.empty(); }
    float *rows_from(int begin) const { return base_ + size_t(begin) * digits_ * wide_; }
    int n() const { return n_; }

private:
    int n_, wide_, digits_;
    std::vector<float> scratch_;
    float *base_;
};

template <typename Shape>
const char *int8_dot(const Shape &s, const uint64_t *a, const Operand &a_op, const Int8DotWeights &w, int32_t *out) {
    const Digits d = activation_digits(s, a_op, w.op);
    if (const Kernel<MxGemmI8Fn> *direct = direct_kernel(kernels(), s, a_op, w, d)) {
        const SumRows sums(s, d, out);
        const int n = sums.n();
        const bool bare_sums = sums.in_place() && terms_vanish(a_op, w.op, d);
        return run_direct(
            tuned_or(*direct, product_shape(s)), s, a, a_op, w, d, KernelEpilogue{},
            [&](int begin, int) { return sums.rows_from(begin); },
            [&](int m, float *core, const RowTerms &terms) {
                if (bare_sums) sums_to_int32_in_place(reinterpret_cast<unsigned char *>(core), n);
                else if (sums.in_place()) finish_row_in_place(reinterpret_cast<unsigned char *>(core), n, terms);
                else finish_row(core, out + size_t(m) * n, n, terms);
            });
    }
    LPGEN_REQUIRE(d.count == 1, "internal: digit-split activations need a direct int8 kernel");
    return combine(s, a, a_op, w, [&](size_t i, int, int64_t dot) { out[i] = static_cast<int32_t>(dot); });
}

template <typename Shape>
const char *int8_dot(const Shape &s, const uint64_t *a, const Operand &a_op, const Int8DotWeights &w,
                     const Fp32Epilogue &e, float *out) {
    const Digits d = activation_digits(s, a_op, w.op);
    if (const Kernel<MxGemmI8Fn> *direct = direct_kernel(kernels(), s, a_op, w, d)) {
        const SumRows sums(s, d, out);
        const int n = sums.n();
        std::vector<float> scale(n), bias(n, 0.0f);
        for (int j = 0; j < n; ++j) {
            scale[j] = e.scale[e.scale_count == 1 ? 0 : j];
            if (e.bias != nullptr) bias[j] = e.bias[e.bias_count == 1 ? 0 : j];
        }
        const Kernel<MxGemmI8Fn> &kernel = tuned_or(*direct, product_shape(s));
        auto rows_at = [&](int begin, int) { return sums.rows_from(begin); };
        if (sums.in_place() && terms_vanish(a_op, w.op, d)) {  // the kernel's sums are the dot products
            return run_direct(kernel, s, a, a_op, w, d, KernelEpilogue{scale.data(), bias.data(), e.clamp_min, e.clamp_max},
                              rows_at, [](int, float *, const RowTerms &) {});
        }
        return run_direct(kernel, s, a, a_op, w, d, KernelEpilogue{}, rows_at,
                          [&](int m, float *core, const RowTerms &terms) {
                              finish_row(core, out + size_t(m) * n, n, terms, scale.data(), bias.data(), e.clamp_min,
                                         e.clamp_max);
                          });
    }
    LPGEN_REQUIRE(d.count == 1, "internal: digit-split activations need a direct int8 kernel");
    return combine(s, a, a_op, w, [&](size_t i, int n, int64_t dot) {
        const float scale = e.scale[e.scale_count == 1 ? 0 : n];
        const float bias = e.bias == nullptr ? 0.0f : e.bias[e.bias_count == 1 ? 0 : n];
        out[i] = epilogue_value(dot, scale, bias, e.clamp_min, e.clamp_max);
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
