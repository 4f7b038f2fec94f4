// Low-bit LLM GEMV (decode: a few rows of int8 activations against 1-, 2- or 4-bit weights):
// the weights stream packed, `bits` a weight, and are unpacked in registers to int8 right
// before the int8 dot product, so a call reads a quarter (2-bit) or an eighth (1-bit) of the
// bytes the int8 GEMV reads. Each packed byte holds `8 / bits` fields for the same lane of
// consecutive groups of four k: field i of the byte at (kk, n, kp) is the weight at
// k = 4 (per_byte kp + i) + kk, so one vector load of packed bytes gives `per_byte` whole
// vectors of int8 weights through a shift and a mask each (no shuffles), in the layout the
// 4-way dot product (vpdpbusd) and ARM's int16 lane sums read, as mx_gemm_i8's weights.
// A field u stands for u - zero, zero per column and 32-block (the unsigned code's zero point;
// 2^(b-1) for signed codes stored with the top bit flipped; 1 for ternary).
//
// The block sums are then what mx_gemm_i8 computes from the same values (the same schedule
// template), exact in int32, scaled as (sum * weight scale) * activation scale and added in
// block order: results are bit-identical to the int8 GEMV's.
#include "Halide.h"
#include "epilogue.h"
#include "mx_block.h"
#include "mx_formats.h"
#include "schedules/mx_gemm_schedule.h"

namespace lpgen {
namespace {

using namespace Halide;

class LowbitGemv : public Generator<LowbitGemv> {
public:
    GeneratorParam<std::string> knobs{"knobs", ""};
    GeneratorParam<int> bits{"bits", 2};  // of a packed field: 1, 2 or 4

    Input<Buffer<uint8_t>> a_values{"a_values", 2};    // (k, m): q + 128, K32 per row
    Input<Buffer<float>> a_scales{"a_scales", 2};      // (block, m)
    Input<Buffer<uint8_t>> w_packed{"w_packed", 3};    // (kk, n, kp): fields of consecutive k-quads
    Input<Buffer<int8_t>> w_zero{"w_zero", 2};         // (n, block): taken off every field
    Input<Buffer<int32_t>> w_offsets{"w_offsets", 2};  // (n, block): -128 * the block's value sum
    Input<Buffer<float>> w_scales{"w_scales", 2};      // (n, block)
    Input<Buffer<float>> scale{"scale", 1};            // per output channel n (stride 0: per tensor)
    Input<Buffer<float>> bias{"bias", 1};
    Input<float> clamp_min{"clamp_min"}, clamp_max{"clamp_max"};
    Output<Buffer<float>> output{"output", 2};         // (n, m)

    void generate() {
        const int b = bits;
        if (b != 1 && b != 2 && b != 4) throw CompileError("lowbit_gemv: bits must be 1, 2 or 4");
        const int per_byte = 8 / b, quads_per_block = kMxBlock / 4;
        Var n("n"), m("m"), blk("blk"), kk("kk"), kq("kq");
        Expr blocks = a_scales.dim(0).extent();
        Expr field = (w_packed(kk, n, kq / per_byte) >> cast<uint8_t>(b * (kq % per_byte))) & cast<uint8_t>((1 << b) - 1);
        w_value(kk, n, kq) = reinterpret<int8_t>(field) - w_zero(n, kq / quads_per_block);
        if (get_target().arch == Target::ARM) {
            // As mx_gemm_i8 on ARM: int8 x int8 products summed per int16 lane across the block
            // (8 * 127 * 15 < 2^15), then the four lanes in int32.
            RDom g(0, quads_per_block, "g"), q(0, 4, "q");
            Expr k = blk * kMxBlock + 4 * g + kk;
            Expr a_signed = reinterpret<int8_t>(a_values(k, m) ^ cast<uint8_t>(0x80));
            lane_sum(n, kk, blk, m) = cast<int16_t>(0);
            lane_sum(n, kk, blk, m) += Internal::widening_mul(a_signed, w_value(kk, n, blk * quads_per_block + g));
            block_sum(n, blk, m) = 0;
            block_sum(n, blk, m) += cast<int32_t>(lane_sum(n, q, blk, m));
        } else {
            block_sum(n, blk, m) = w_offsets(n, blk);
            RDom i(0, kMxBlock, "i");
            Expr ka = blk * kMxBlock + i;
            block_sum(n, blk, m) += cast<int32_t>(a_values(ka, m)) * cast<int32_t>(w_value(ka % 4, n, ka / 4));
        }
        Expr value = strict_float(cast<float>(block_sum(n, blk, m)) * w_scales(n, blk) * a_scales(blk, m));
        block_value(n, blk, m) = value;
        RDom rb(0, blocks, "rb");
        dot(n, m) = 0.0f;
        dot(n, m) = strict_float(dot(n, m) + block_value(n, rb, m));  // block order, always

        allow_broadcast(scale, bias);
        output(n, m) = mx_epilogue(dot(n, m), scale(n), bias(n), clamp_min, clamp_max);
        a_values.dim(0).set_bounds(0, blocks * kMxBlock);
        w_packed.dim(0).set_bounds(0, 4);
        w_packed.dim(1).set_stride(4);
        w_packed.dim(2).set_bounds(0, blocks * quads_per_block / per_byte);
    }

    void schedule() {
        MxBlockFuncs funcs{output, dot, block_sum, Func(), lane_sum, w_value, {w_scales, w_zero}};
        if (get_target().arch != Target::ARM) funcs.weight_blocks.push_back(w_offsets);
        apply_mx_gemv_i8_schedule(funcs, parse_knobs(mx_gemv_knob_space(), knobs, get_target()), get_target());
    }

private:
    Func w_value{"w_value"}, block_sum{"block_sum"}, block_value{"block_value"}, dot{"dot"}, lane_sum{"lane_sum"};
};

}  // namespace
}  // namespace lpgen

HALIDE_REGISTER_GENERATOR(lpgen::LowbitGemv, lowbit_gemv)
