// Low-bit LLM GEMV (decode: a few rows of int8 activations against 1-, 2- or 4-bit weights):
// the weights stream packed, `bits` a weight, and are unpacked in registers right before the
// int8 dot product, so a call reads a quarter (2-bit) or an eighth (1-bit) of the bytes the
// int8 GEMV reads, and little else.
//
// Layout (runtime/lowbit_weights.cpp): tiles of kLowbitGemvTile = 64 columns, each tile's
// weights one contiguous run over all of K, so a tile streams from memory in order (the
// prefetchers follow it) while its 64 fp32 sums stay in registers or L1. Field i of byte
// (kk, ni, kp, t) is the code of column 64 t + ni at k = 4 ((8 / bits) kp + i) + kk: one vector
// load gives `8 / bits` vectors of fields through a shift and a mask each, in the layout the
// 4-way dot product (vpdpbusd) and ARM's int16 lane sums read. Per column and group of G
// weights, (ni, g, t): the zero point z (unsigned codes' own; 2^(b-1) for signed codes stored
// with the top bit flipped; 1 for ternary) and the fp32 scale; G = 32 group_blocks.
//
// The fields are the unsigned operand and the activations q the signed one, so nothing is
// subtracted per weight: a block's exact sum is sum(q f) - z sum(q), in int32 (|q| <= 127,
// f <= 15), summed so over a segment (a group where the activations have one scale per row,
// else a block). It is then scaled as (sum * weight scale) * activation scale and the segments
// added in order, as the MX int8 GEMMs do with the same values: results are bit-identical to theirs.
#include "Halide.h"
#include "epilogue.h"
#include "mx_block.h"
#include "mx_formats.h"
#include "schedules/lowbit_gemv_schedule.h"

namespace lpgen {
namespace {

using namespace Halide;

class LowbitGemv : public Generator<LowbitGemv> {
public:
    GeneratorParam<std::string> knobs{"knobs", ""};
    GeneratorParam<int> bits{"bits", 2};  // of a packed field: 1, 2 or 4

    Input<Buffer<int8_t>> a_values{"a_values", 2};   // (k, m): q, K32 per row (0 past k)
    Input<Buffer<float>> a_scales{"a_scales", 2};    // (segment, m)
    Input<Buffer<uint8_t>> w_packed{"w_packed", 4};  // (kk, ni, kp, t)
    Input<Buffer<int8_t>> w_zero{"w_zero", 3};       // (ni, group, t)
    Input<Buffer<float>> w_scales{"w_scales", 3};    // (ni, group, t)
    Input<int> group_blocks{"group_blocks", 1, 1, 4};  // 32-blocks per group: 1, 2 or 4
    // 32-blocks per scaled segment: group_blocks where the activations have one scale per row,
    // else 1 (lowbit_gemm.cpp); a_scales has one per segment.
    Input<int> segment_blocks{"segment_blocks", 1, 1, 4};
    Input<Buffer<float>> scale{"scale", 1};          // per output channel n (stride 0: per tensor)
    Input<Buffer<float>> bias{"bias", 1};
    Input<float> clamp_min{"clamp_min"}, clamp_max{"clamp_max"};
    Output<Buffer<float>> output{"output", 2};       // (n, m)

    void generate() {
        const int b = bits;
        if (b != 1 && b != 2 && b != 4) throw CompileError("lowbit_gemv: bits must be 1, 2 or 4");
        const int per_byte = 8 / b, quads_per_block = kMxBlock / 4, tile = kLowbitGemvTile;
        // sg: a segment of segment_blocks 32-blocks, summed exactly (a reduction's last
        // dimension runs over its blocks); blk a block's index along k.
        Var n("n"), ni("ni"), m("m"), t("t"), sg("sg"), blk("blk"), kk("kk"), kq("kq");
        Expr segments = a_scales.dim(0).extent(), blocks = segments * segment_blocks;
        auto block_of = [&](const Expr &rj) { return sg * segment_blocks + rj; };
        w_field(kk, ni, kq, t) =
            (w_packed(kk, ni, kq / per_byte, t) >> cast<uint8_t>(b * (kq % per_byte))) & cast<uint8_t>((1 << b) - 1);
        RDom r(0, kMxBlock, 0, segment_blocks, "r");
        a_sum(sg, m) = 0;
        a_sum(sg, m) += cast<int32_t>(a_values(block_of(r.y) * kMxBlock + r.x, m));
        if (get_target().arch == Target::ARM) {
            // As mx_gemm_i8 on ARM: products summed per int16 lane across the block
            // (8 * 127 * 15 < 2^15), then the four lanes in int32.
            RDom g(0, quads_per_block, "g"), q(0, 4, 0, segment_blocks, "q");
            Expr k = blk * kMxBlock + 4 * g + kk;
            lane_sum(ni, kk, blk, m, t) = cast<int16_t>(0);
            lane_sum(ni, kk, blk, m, t) += Internal::widening_mul(
                a_values(k, m), reinterpret<int8_t>(w_field(kk, ni, blk * quads_per_block + g, t)));
            block_sum(ni, sg, m, t) = 0;
            block_sum(ni, sg, m, t) += cast<int32_t>(lane_sum(ni, q.x, block_of(q.y), m, t));
        } else if (!get_target().has_feature(Target::AVX512_SapphireRapids)) {
            // No vpdpbusd (AVX2): vpmaddubsw pair sums (saturating_add is what it computes:
            // exact, 2 * 15 * 127 < 2^15), each int16 lane adding the block's 8 pairs at one
            // position j of the groups of four (16 * 15 * 127 < 2^15), then one vpmaddwd.
            // Pairs are indexed (j, kq): pair j of the four at kq, so a vector's fields share one shift.
            Var j("j");
            RDom k2(0, 2, "k2"), g(0, quads_per_block, "g"), q(0, 2, 0, segment_blocks, "q");
            pair_sum(ni, j, kq, m, t) = cast<int16_t>(0);
            pair_sum(ni, j, kq, m, t) = Internal::saturating_add(
                pair_sum(ni, j, kq, m, t),
                Internal::widening_mul(w_field(2 * j + k2, ni, kq, t), a_values(4 * kq + 2 * j + k2, m)));
            lane_sum(ni, j, blk, m, t) = cast<int16_t>(0);
            lane_sum(ni, j, blk, m, t) += pair_sum(ni, j, blk * quads_per_block + g, m, t);
            block_sum(ni, sg, m, t) = 0;
            block_sum(ni, sg, m, t) += Internal::widening_mul(lane_sum(ni, q.x, block_of(q.y), m, t), cast<int16_t>(1));
        } else if (b == 1) {
            // 1-bit fields with vpdpbusd: a shift and an AND per field. Masked in place they
            // would need 8 accumulators per vector of columns, and take the columns two vectors
            // at a time (Zen 4, 1x4096x4096: 381 GOPS this way, ~290 in place).
            RDom i(0, kMxBlock, 0, segment_blocks, "i");
            Expr k = block_of(i.y) * kMxBlock + i.x;
            block_sum(ni, sg, m, t) = 0;
            block_sum(ni, sg, m, t) += cast<int32_t>(w_field(k % 4, ni, k / 4, t)) * cast<int32_t>(a_values(k, m));
        } else {
            // vpdpbusd on the fields masked in place, unshifted: field p of a byte read as
            // f 2^(b p) (at most 255, still an unsigned byte), so a vector of packed bytes costs
            // one AND per field instead of a shift and an AND. The sums per field position are
            // exact multiples of 2^(b p) (|q f 2^(b p)| <= 255 * 127, at most 128 per segment),
            // and shifted back once per segment. One sum per position also gives the dot
            // products per_byte independent accumulator chains.
            Var p("p");
            const int bytes_per_block = quads_per_block / per_byte;
            RDom i(0, 4, 0, bytes_per_block, 0, segment_blocks, "i");
            Expr kp = block_of(i.z) * bytes_per_block + i.y, k = 4 * (per_byte * kp + p) + i.x;
            Expr in_place = w_packed(i.x, ni, kp, t) & cast<uint8_t>(((1 << b) - 1) << (b * p));
            place_sum(ni, p, sg, m, t) = 0;
            place_sum(ni, p, sg, m, t) += cast<int32_t>(in_place) * cast<int32_t>(a_values(k, m));
            Expr sum = place_sum(ni, 0, sg, m, t);
            for (int f = 1; f < per_byte; ++f) sum += place_sum(ni, f, sg, m, t) >> (b * f);
            block_sum(ni, sg, m, t) = sum;
        }
        // A segment lies inside one group (the runtime's segments are a group or one block).
        // Groups are 1, 2 or 4 blocks (G = 32, 64, 128): shifts, not a division per segment
        // (an idivl per segment cost 3 % of the GEMV's time).
        Expr first = sg * segment_blocks;
        Expr group = select(group_blocks == 4, first / 4, group_blocks == 2, first / 2, first);
        Expr exact = block_sum(ni, sg, m, t) - cast<int32_t>(w_zero(ni, group, t)) * a_sum(sg, m);
        block_value(ni, sg, m, t) = strict_float(cast<float>(exact) * w_scales(ni, group, t) * a_scales(sg, m));
        RDom rb(0, segments, "rb");
        dot(ni, m, t) = 0.0f;
        dot(ni, m, t) = strict_float(dot(ni, m, t) + block_value(ni, rb, m, t));  // block order, always

        allow_broadcast(scale, bias);
        output(n, m) = mx_epilogue(dot(n % tile, m, n / tile), scale(n), bias(n), clamp_min, clamp_max);
        a_values.dim(0).set_bounds(0, blocks * kMxBlock);
        w_packed.dim(0).set_bounds(0, 4).set_stride(1);
        w_packed.dim(1).set_bounds(0, tile).set_stride(4);
        w_packed.dim(2).set_stride(4 * tile);
        w_zero.dim(0).set_bounds(0, tile);
        w_scales.dim(0).set_bounds(0, tile);
    }

    void schedule() {
        LowbitGemvFuncs funcs{output, dot, block_sum, lane_sum, pair_sum, place_sum, a_sum, 8 / int(bits)};
        apply_lowbit_gemv_schedule(funcs, parse_knobs(lowbit_gemv_knob_space(), knobs, get_target()), get_target());
    }

private:
    Func w_field{"w_field"}, a_sum{"a_sum"}, block_sum{"block_sum"}, block_value{"block_value"}, dot{"dot"},
        lane_sum{"lane_sum"}, pair_sum{"pair_sum"}, place_sum{"place_sum"};
};

}  // namespace
}  // namespace lpgen

HALIDE_REGISTER_GENERATOR(lpgen::LowbitGemv, lowbit_gemv)
