// LowbitWeights: validation, the dense packed copy of the codes, and the int8 kernels' layout.
#include <climits>
#include <cmath>

#include "lowbit.h"
#include "mx_decode.h"
#include "mx_weights.h"
#include "validate.h"

namespace lpgen {
namespace {

constexpr int kTritsPerByte = 5;  // 3^5 = 243 <= 256: 1.6 bits a weight

int max_code(const LowbitFormat &f) { return f.kind == LowbitKind::Ternary ? 2 : (1 << f.bits) - 1; }

size_t packed_row_bytes(const LowbitFormat &f, int k) {
    if (f.kind == LowbitKind::Ternary) return (size_t(k) + kTritsPerByte - 1) / kTritsPerByte;
    return (size_t(k) * f.bits + 7) / 8;
}

void pack_row(const uint8_t *codes, int k, const LowbitFormat &f, uint8_t *out) {
    if (f.kind == LowbitKind::Ternary) {
        for (int i = 0; i < k; i += kTritsPerByte) {
            int byte = 0;
            for (int j = std::min(k, i + kTritsPerByte) - 1; j >= i; --j) byte = byte * 3 + codes[j];
            out[i / kTritsPerByte] = uint8_t(byte);
        }
        return;
    }
    for (int i = 0; i < k; ++i) {
        const size_t bit = size_t(i) * f.bits;
        out[bit / 8] |= uint8_t(codes[i] << (bit % 8));
        if (bit % 8 + f.bits > 8) out[bit / 8 + 1] |= uint8_t(codes[i] >> (8 - bit % 8));
    }
}

int unpack_code(const uint8_t *row, int i, const LowbitFormat &f) {
    if (f.kind == LowbitKind::Ternary) {
        int byte = row[i / kTritsPerByte];
        for (int j = 0; j < i % kTritsPerByte; ++j) byte /= 3;
        return byte % 3;
    }
    const size_t bit = size_t(i) * f.bits;
    int word = row[bit / 8];
    if (bit % 8 + f.bits > 8) word |= row[bit / 8 + 1] << 8;
    return (word >> (bit % 8)) & ((1 << f.bits) - 1);
}

// The integer value of code `c` of group g: what the kernels multiply.
int value_of(int c, const LowbitFormat &f, int zero_point) {
    switch (f.kind) {
        case LowbitKind::Signed: return c >= (1 << (f.bits - 1)) ? c - (1 << f.bits) : c;
        case LowbitKind::Unsigned: return c - zero_point;
        case LowbitKind::Ternary: return c - 1;
    }
    return 0;
}

std::string at(int n, int i) { return "[" + std::to_string(n) + "][" + std::to_string(i) + "]"; }

void check_format(const LowbitFormat &f) {
    if (f.kind == LowbitKind::Ternary) {
        LPGEN_REQUIRE(f.bits == 2, "ternary weights take bits = 2 (codes 0, 1, 2), got " + std::to_string(f.bits));
    } else {
        if (f.kind != LowbitKind::Signed && f.kind != LowbitKind::Unsigned) {
            fail_unsupported("low-bit weight kind " + std::to_string(int(f.kind)) + " is not signed, unsigned or ternary");
        }
        LPGEN_REQUIRE(f.bits >= 1 && f.bits <= 4, "low-bit weights take 1 to 4 bits, got " + std::to_string(f.bits));
        LPGEN_REQUIRE(f.kind != LowbitKind::Signed || f.bits >= 2, "signed weights take 2 to 4 bits (1-bit: unsigned "
                                                                   "with a zero point, or ternary)");
    }
    LPGEN_REQUIRE(f.group == 32 || f.group == 64 || f.group == 128,
                  "the group size must be 32, 64 or 128, got " + std::to_string(f.group));
}

}  // namespace

int lowbit_groups(int k, int group) {
    check_positive(k, "k");
    LPGEN_REQUIRE(group == 32 || group == 64 || group == 128, "the group size must be 32, 64 or 128, got " + std::to_string(group));
    return (k + group - 1) / group;
}

int lowbit_max_value(const LowbitFormat &f) {
    switch (f.kind) {
        case LowbitKind::Signed: return 1 << (f.bits - 1);
        case LowbitKind::Unsigned: return (1 << f.bits) - 1;
        case LowbitKind::Ternary: return 1;
    }
    return 0;
}

LowbitWeights::LowbitWeights(int n, int k, LowbitFormat f, const uint8_t *codes, size_t code_count,
                             const float *scales, size_t scale_count, const uint8_t *zero_points,
                             size_t zero_point_count) {
    check_positive(n, "n (weight rows)");
    check_positive(k, "k");
    check_format(f);
    const int groups = lowbit_groups(k, f.group);
    check_buffer(codes, code_count, checked_product({size_t(n), size_t(k)}, "weight codes"), "weight codes");
    check_buffer(scales, scale_count, size_t(n) * groups, "weight scales");
    const bool zero_pointed = f.kind == LowbitKind::Unsigned;
    if (zero_pointed) {
        check_buffer(zero_points, zero_point_count, size_t(n) * groups, "zero points");
    } else {
        LPGEN_REQUIRE(zero_points == nullptr && zero_point_count == 0,
                      "zero points are for unsigned weights only (signed and ternary codes are centred)");
    }
    const int top = max_code(f);
    for (int r = 0; r < n; ++r) {
        for (int i = 0; i < k; ++i) {
            LPGEN_REQUIRE(codes[size_t(r) * k + i] <= top, "weight code " + at(r, i) + " = " +
                                                                std::to_string(codes[size_t(r) * k + i]) +
                                                                " does not fit the format (at most " + std::to_string(top) + ")");
        }
        for (int g = 0; g < groups; ++g) {
            LPGEN_REQUIRE(std::isfinite(scales[size_t(r) * groups + g]), "weight scale " + at(r, g) + " is not finite");
            LPGEN_REQUIRE(!zero_pointed || zero_points[size_t(r) * groups + g] <= top,
                          "zero point " + at(r, g) + " does not fit the format (at most " + std::to_string(top) + ")");
        }
    }

    auto p = std::make_shared<Prepared>();
    p->rows = n, p->k = k, p->format = f, p->groups = groups;
    p->row_bytes = packed_row_bytes(f, k);
    p->packed.assign(p->row_bytes * n, 0);
    // Whole groups, so a call whose activations have one scale per row sums each group once.
    const int blocks = groups * (f.group / kMxBlock), k32 = blocks * kMxBlock;
    LPGEN_REQUIRE(size_t(k32) * n <= size_t(INT_MAX) * 4, "the weights are too large");
    p->blocks = blocks;
    p->padded_rows = mx_padded_columns(n);
    const int padded = p->padded_rows;
    p->quads.assign(size_t(k32) * padded, 0);
    p->block_offsets.assign(size_t(blocks) * padded, 0);
    p->block_scales.assign(size_t(blocks) * padded, 0.0f);
    p->group_offsets.assign(size_t(groups) * padded, 0);
    p->column_group_scales.assign(size_t(groups) * padded, 0.0f);
    p->field_bits = f.kind == LowbitKind::Ternary ? 2 : f.bits == 3 ? 4 : f.bits;
    const int per_byte = 8 / p->field_bits, tile = kLowbitGemvTile, field_rows = k32 / 4 / per_byte;
    static_assert(kMxRowPadding % kLowbitGemvTile == 0, "the padded columns are whole GEMV tiles");
    p->tiles = padded / tile;
    p->fields.assign(size_t(field_rows) * padded * 4, 0);
    p->uniform_zero = f.kind != LowbitKind::Unsigned;
    p->zeros.assign(p->uniform_zero ? size_t(tile) : size_t(groups) * padded, 0);
    p->group_scales.assign(size_t(groups) * padded, 0.0f);
    // Where column r's data lie in the GEMV's tiles.
    const auto field_at = [&](int r, int kp, int kk) {
        return ((size_t(r / tile) * field_rows + kp) * tile + r % tile) * 4 + kk;
    };
    const auto group_at = [&](int r, int g) { return (size_t(r / tile) * groups + g) * tile + r % tile; };
    for (int r = 0; r < n; ++r) {
        const uint8_t *row = codes + size_t(r) * k;
        pack_row(row, k, f, p->packed.data() + p->row_bytes * r);
        for (int b = 0; b < blocks; ++b) {
            const int g = b * kMxBlock / f.group;
            const int zero_point = zero_pointed ? zero_points[size_t(r) * groups + g] : 0;
            // The field's zero: signed codes are stored with their top bit flipped.
            const int flip = f.kind == LowbitKind::Signed ? 1 << (f.bits - 1) : 0;
            const int zero = f.kind == LowbitKind::Signed ? flip : f.kind == LowbitKind::Ternary ? 1 : zero_point;
            p->zeros[p->uniform_zero ? size_t(r % tile) : group_at(r, g)] = int8_t(zero);
            p->group_scales[group_at(r, g)] = scales[size_t(r) * groups + g];
            int32_t sum = 0;
            for (int i = b * kMxBlock; i < (b + 1) * kMxBlock; ++i) {
                // Past k: value 0 (field = zero), so the activations' padding meets zeros.
                const int v = i < k ? value_of(row[i], f, zero_point) : 0;
                const int field = i < k ? row[i] ^ flip : zero;
                p->quads[(size_t(i / 4) * padded + r) * 4 + i % 4] = int8_t(v);
                const int kq = i / 4;
                p->fields[field_at(r, kq / per_byte, i % 4)] |= uint8_t(field << (p->field_bits * (kq % per_byte)));
                sum += v;
            }
            p->block_offsets[size_t(b) * padded + r] = -kMxI8ActivationOffset * sum;
            p->block_scales[size_t(b) * padded + r] = scales[size_t(r) * groups + g];
            p->group_offsets[size_t(g) * padded + r] += -kMxI8ActivationOffset * sum;
            p->column_group_scales[size_t(g) * padded + r] = scales[size_t(r) * groups + g];
        }
    }
    prepared_ = std::move(p);
}

int LowbitWeights::rows() const { return prepared_->rows; }
int LowbitWeights::k() const { return prepared_->k; }
LowbitFormat LowbitWeights::format() const { return prepared_->format; }
size_t LowbitWeights::packed_bytes() const { return prepared_->packed.size(); }

void LowbitWeights::codes(uint8_t *out, size_t count) const {
    const Prepared &p = *prepared_;
    check_buffer(out, count, size_t(p.rows) * p.k, "codes (the result)");
    for (int r = 0; r < p.rows; ++r) {
        for (int i = 0; i < p.k; ++i) out[size_t(r) * p.k + i] = uint8_t(unpack_code(p.packed.data() + p.row_bytes * r, i, p.format));
    }
}

}  // namespace lpgen
