// MxWeights: validation, a private copy of the packed weights, and the int8 fast path's layout.
#include "mx_weights.h"

#include <climits>

#include "mx_decode.h"
#include "mx_decode_tables.h"
#include "validate.h"

namespace lpgen {
namespace {

// Element code k of a packed row (the layout of generators/mx_formats.h): 8-bit formats one
// per byte, FP4 two per byte (low nibble first), FP6 four per three bytes (little-endian).
int element_code(const uint8_t *row, int bits, int k) {
    if (bits == 8) return row[k];
    if (bits == 4) return (row[k / 2] >> (4 * (k % 2))) & 0xF;
    const uint8_t *group = row + 3 * (k / 4);
    const uint32_t word = uint32_t(group[0]) | (uint32_t(group[1]) << 8) | (uint32_t(group[2]) << 16);
    return (word >> (6 * (k % 4))) & 0x3F;
}

// Where element k of weight row n sits in the fast paths' grouped layout (kk, n, kg): groups of
// `group` consecutive k (quads for int8, pairs for int16) dense per column, `padded` columns.
size_t grouped_index(int k, int n, int group, int padded) {
    return (size_t(k / group) * padded + n) * group + k % group;
}

// The int8 kernel scales each block as (sum * weight scale) * activation scale; |sum| <= 2^19,
// so weight scales up to 2^108 keep the first product finite (and exact). Larger ones, which
// no trained weights have, take the int16 path.
constexpr int kLargestInt8PathScale = 127 + 108;

// That first product is subnormal for the smallest scales, and ARMv7 NEON flushes subnormals to
// zero: 32-bit ARM takes the int16 path, whose power-of-two factors stay normal.
#if defined(__arm__)
constexpr bool kVectorUnitKeepsSubnormals = false;
#else
constexpr bool kVectorUnitKeepsSubnormals = true;
#endif

}  // namespace

bool mx_int8_weights_supported() { return kVectorUnitKeepsSubnormals; }

namespace {

void prepare_int8(MxWeights::Prepared &p) {
    const MxDecodeTables &table = mx_tables(p.format);
    if (!table.fits_int8 || !kVectorUnitKeepsSubnormals) return;
    for (uint8_t s : p.scales) {
        if (s != 0xFF && s > kLargestInt8PathScale) return;
    }
    const int n = p.rows, blocks = p.blocks, k32 = blocks * kMxBlock;
    std::vector<uint8_t> values(size_t(k32) * n);
    std::vector<float> scales(size_t(blocks) * n);
    decode_int8(p.codes.data(), p.scales.data(), p.format, n, blocks, 0, 0, values.data(), scales.data());

    const int padded = p.padded_rows;
    p.quads.assign(size_t(k32) * padded, 0);
    p.offsets.assign(size_t(blocks) * padded, 0);
    p.block_scales.assign(size_t(blocks) * padded, 0.0f);
    for (int r = 0; r < n; ++r) {
        for (int b = 0; b < blocks; ++b) {
            int32_t sum = 0;
            for (int k = b * kMxBlock; k < (b + 1) * kMxBlock; ++k) {
                const int8_t v = static_cast<int8_t>(values[size_t(r) * k32 + k]);
                p.quads[grouped_index(k, r, 4, padded)] = v;
                sum += v;
            }
            p.offsets[size_t(b) * padded + r] = -kMxI8ActivationOffset * sum;
            p.block_scales[size_t(b) * padded + r] = scales[size_t(r) * blocks + b];
        }
    }
}

// Copies `packed_rows` MX rows of `row_k` values that form `rows` weight rows.
std::shared_ptr<MxWeights::Prepared> copy_weights(int rows, int packed_rows, int row_k, MxFormat format,
                                                  const uint8_t *codes, size_t code_bytes, const uint8_t *scales,
                                                  size_t scale_count) {
    mx_format_name(format);  // throws for a format that does not exist
    const size_t needed_codes = mx_code_bytes(format, packed_rows, row_k);
    const size_t needed_scales = mx_scale_count(packed_rows, row_k);
    check_buffer(codes, code_bytes, needed_codes, "weight codes");
    check_buffer(scales, scale_count, needed_scales, "weight scales");
    LPGEN_REQUIRE(needed_scales / rows * kMxBlock <= size_t(INT_MAX), "weight rows are too long");
    auto p = std::make_shared<MxWeights::Prepared>();
    p->format = format;
    p->rows = rows;
    p->padded_rows = mx_padded_columns(rows);
    p->blocks = static_cast<int>(needed_scales / rows);
    p->codes.assign(codes, codes + needed_codes);
    p->scales.assign(scales, scales + needed_scales);
    return p;
}

}  // namespace

// The fast paths' column count for n weight rows: 4 bytes per column in each row of k-quads
// (int8) or k-pairs (int16).
int mx_padded_columns(int n) {
    // Guarded column tiles (GEMV) start below n and read one whole tile: room for one more.
    int padded = (n + 2 * kMxRowPadding - 1) / kMxRowPadding * kMxRowPadding;
    // A GEMM column tile reads one 64-byte line per row of k-quads, `padded` columns apart. With
    // an even number of lines per row those lines share a fraction of the L1 cache's sets (at
    // 1024 columns a quarter: the tile no longer fits and every block comes from L2); an odd
    // number spreads them over all sets.
    if (padded * 4 / 64 % 2 == 0) padded += 16;
    return padded;
}

MxWeights::MxWeights(int rows, int k, MxFormat format, const uint8_t *codes, size_t code_bytes,
                     const uint8_t *scales, size_t scale_count) {
    check_positive(rows, "weight rows");
    check_positive(k, "weight k");
    auto p = copy_weights(rows, rows, k, format, codes, code_bytes, scales, scale_count);
    p->k = k;
    prepare_int8(*p);
    prepared_ = std::move(p);
}

MxWeights MxWeights::conv2d(int out_channels, int kernel_h, int kernel_w, int channels, MxFormat format,
                            const uint8_t *codes, size_t code_bytes, const uint8_t *scales, size_t scale_count) {
    check_positive(out_channels, "out_channels");
    check_positive(kernel_h, "kernel_h");
    check_positive(kernel_w, "kernel_w");
    check_positive(channels, "channels");
    const size_t taps = checked_product({size_t(out_channels), size_t(kernel_h), size_t(kernel_w)}, "weight taps");
    LPGEN_REQUIRE(taps <= size_t(INT_MAX), "too many weight taps");
    auto p = copy_weights(out_channels, static_cast<int>(taps), channels, format, codes, code_bytes, scales,
                          scale_count);
    p->k = p->blocks * kMxBlock;
    p->kernel_h = kernel_h;
    p->kernel_w = kernel_w;
    p->channels = channels;
    prepare_int8(*p);
    return MxWeights(std::move(p));
}

template <typename T>
void MxWeights::Prepared::fill_pairs(PairWeights<T> &out, int planes) const {
    const int k32 = blocks * kMxBlock;
    std::vector<int16_t> values(size_t(k32) * planes * rows);
    std::vector<uint8_t> nan(size_t(blocks) * rows);
    decode_int16(codes.data(), scales.data(), format, rows, blocks, planes, values.data(), nan.data());
    const size_t plane_size = size_t(k32) * padded_rows;
    out.pairs.assign(plane_size * planes, 0);
    out.exps.assign(size_t(blocks) * padded_rows, 0);
    for (int n = 0; n < rows; ++n) {
        for (int p = 0; p < planes; ++p) {
            const int16_t *plane = values.data() + (size_t(n) * planes + p) * k32;
            for (int k = 0; k < k32; ++k) {
                out.pairs[p * plane_size + grouped_index(k, n, 2, padded_rows)] = static_cast<T>(plane[k]);
            }
        }
        for (int b = 0; b < blocks; ++b) {
            const size_t at = size_t(n) * blocks + b;
            out.exps[size_t(b) * padded_rows + n] = nan[at] ? -1 : scales[at];
        }
    }
}

const MxWeights::Prepared::PairWeights<int16_t> &MxWeights::Prepared::int16_pairs() const {
    std::call_once(int16_once_, [this] { fill_pairs(int16_pairs_, 1); });
    return int16_pairs_;
}

const MxWeights::Prepared::PairWeights<int16_t> &MxWeights::Prepared::int16_lo_hi() const {
    std::call_once(lo_hi_once_, [this] { fill_pairs(lo_hi_, 2); });
    return lo_hi_;
}

const MxWeights::Prepared::PairWeights<int8_t> &MxWeights::Prepared::int8_pairs() const {
    LPGEN_REQUIRE(mx_tables(format).fits_int8, "internal: int8 weight pairs of a format beyond int8");
    std::call_once(int8_pairs_once_, [this] { fill_pairs(int8_pairs_, 1); });
    return int8_pairs_;
}

const MxWeights::Prepared::Generic &MxWeights::Prepared::generic() const {
    std::call_once(generic_once_, [this] {
        const MxDecodeTables &t = mx_tables(format);
        const int bits = mx_info(format).bits, k32 = blocks * kMxBlock;
        const size_t row_bytes = size_t(k32) * bits / 8;
        if (t.shift >= 0) generic_.ints.resize(size_t(k32) * rows);
        generic_.reals.resize(size_t(k32) * rows);
        generic_.nan.assign(size_t(blocks) * rows, 0);
        for (int n = 0; n < rows; ++n) {
            const uint8_t *row = codes.data() + size_t(n) * row_bytes;
            for (int k = 0; k < k32; ++k) {
                const int code = element_code(row, bits, k);
                const size_t at = size_t(k) * rows + n;
                if (t.shift >= 0) generic_.ints[at] = t.integer[code];
                generic_.reals[at] = t.real[code];
                if (t.special[code]) generic_.nan[size_t(k / kMxBlock) * rows + n] = 1;
            }
            for (int b = 0; b < blocks; ++b) {
                if (scales[size_t(n) * blocks + b] == 0xFF) generic_.nan[size_t(b) * rows + n] = 1;
            }
        }
    });
    return generic_;
}

MxFormat MxWeights::format() const { return prepared_->format; }
int MxWeights::rows() const { return prepared_->rows; }

}  // namespace lpgen
