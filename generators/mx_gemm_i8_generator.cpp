// Fastest MX GEMM, for formats whose elements are int8 once scaled (FP4 x2, FP6 E2M3 x8, INT8
// x64): activations arrive as uint8 (value + 128) and weights as int8 in groups of 4 along k, so
// each block of 32 products is 8 unsigned-by-signed 4-way dot products (vpdpbusd with VNNI). The
// +128 is taken back exactly by starting each block's sum at -128 * (the block's weight sum).
//
// Where the target has no 4-way int8 dot product (x86 without VNNI: the avx2 profile), each
// block is summed in two steps instead: pairs of unsigned-by-signed products into int16
// (vpmaddubsw), then pairs of those into int32 (vpmaddwd against ones) — oneDNN's AVX2 int8
// loop. vpmaddubsw saturates a pair at 2^15 - 1; with activations at most 255 that cannot
// happen while |weight| <= 64 (FP4 x2 <= 12, E2M3 x8 <= 60), so on such targets the runtime
// sends INT8 weights (up to 128) to the int16 GEMM and to a 4-way GEMV, mx_gemv_i8_quads
// (runtime/kernel_table.h, mx_i8_kernels_take()). Those two multiplies per 32 products bound
// the loop (Zen 3 issues two a cycle); for MXFP4 x MXFP4 (activations at most 140, weights 12)
// the narrow kernel adds each lane's 8 pair sums of a block in int16 and widens once: 9
// multiplies per 32 products instead of 16.
//
// ARM before v8.2 has no int8 dot product and no unsigned-by-signed multiply: there the
// activations go back to int8 and each int16 lane sums 8 signed products (smull, then smlal;
// ARMv7 vmull.s8/vmlal.s8), the Cortex-A53 path of Cowan et al.'s bit-serial paper's int8
// baseline. Exact while 8 * max|a| * max|w| < 2^15: every pair of FP4 and E2M3, and INT8 with
// FP4; the runtime sends the others to mx_gemv_i8_quads and the int16 GEMM.
//
// Each block sum is then scaled as (sum * weight scale) * activation scale, the activation
// scale carrying both decodings' shifts. The first product is exact (an integer times a power
// of two no smaller than 2^-127), so this is the one correctly rounded product that
// scaled_block() computes, and results are bit-identical to mx_gemm and mx_gemm_i16 — as long
// as sum * weight scale cannot overflow, which the runtime ensures by sending weights with
// scales of 2^109 or more elsewhere.
#include "Halide.h"
#include "epilogue.h"
#include "estimates.h"
#include "mx_block.h"
#include "mx_formats.h"
#include "mx_integer.h"
#include "mx_unpack.h"
#include "schedules/mx_gemm_schedule.h"

namespace lpgen {
namespace {

using namespace Halide;

class MxGemmI8 : public Generator<MxGemmI8> {
public:
    GeneratorParam<std::string> knobs{"knobs", ""};
    // GEMV schedule (few rows): blocks outermost, so the weights stream by rows of k.
    GeneratorParam<bool> gemv{"gemv", false};
    // For auto_schedule=true only: "MxNxK".
    GeneratorParam<std::string> estimate{"estimate", ""};
    // How a block's products are summed: "quads" (4-way dot products into int32), "pairs"
    // (2-way into int16, then into int32), "pairs16" (as pairs, but each int16 lane adds the
    // block's pair sums before one widening), "smlal" (int8 x int8 products summed per lane in
    // int16 across the block, then into int32: ARM without dot products), or "auto": smlal on
    // ARM, pairs (pairs16 where narrow) on x86 without VNNI, else quads.
    GeneratorParam<std::string> dot_width{"dot", "auto"};
    // The caller sends only operands with 16 * max(a + 128) * max|w| < 2^15 (MXFP4 x MXFP4), so
    // "auto" may add a block's pair sums in int16 ("pairs16"). Where the dot product is not
    // pairs (ARM, VNNI) nothing is narrower to gain, and the kernel is the plain one.
    GeneratorParam<bool> narrow{"narrow", false};

    Input<Buffer<uint8_t>> a_values{"a_values", 2};  // (k, m): element * 2^a_shift + 128, K32 per row
    Input<Buffer<float>> a_scales{"a_scales", 2};    // (segment, m): 2^(E8M0 - 127 - a_shift - w_shift), NaN
    Input<Buffer<int8_t>> w_values{"w_values", 3};   // (kk, n, kq): element * 2^w_shift at k = 4 kq + kk
    Input<Buffer<int32_t>> w_offsets{"w_offsets", 2};  // (n, segment): -128 * sum of its weights
    Input<Buffer<float>> w_scales{"w_scales", 2};    // (n, segment): 2^(E8M0 - 127), NaN
    // 32-blocks per scaled segment: MX calls 1; low-bit weights with per-row activation scales
    // a group's (lowbit_gemm.cpp), whose sum is then exact over the group and scaled once; the
    // bit-serial int8 path a whole row's (bitserial_int8.cpp). At most 2048 blocks keep every
    // int32 sum of (a + 128) * w, |w| <= 128, in range.
    Input<int> segment_blocks{"segment_blocks", 1, 1, 2048};
    Input<Buffer<float>> scale{"scale", 1};          // per output channel n (stride 0: per tensor)
    Input<Buffer<float>> bias{"bias", 1};
    Input<float> clamp_min{"clamp_min"}, clamp_max{"clamp_max"};
    Output<Buffer<float>> output{"output", 2};       // (n, m)

    void generate() {
        // b: a segment of segment_blocks 32-blocks, whose products are summed exactly (a
        // reduction's last dimension runs over its blocks); blk a block's index along k.
        Var n("n"), m("m"), b("b");
        Expr segments = a_scales.dim(0).extent(), blocks = segments * segment_blocks;
        auto block_of = [&](const Expr &rj) { return b * segment_blocks + rj; };
        // Unclamped reads, so every vector of weights is one dense load: row tiles shift inwards
        // or are guarded, and the runtime pads the weights' columns to a whole number of tiles.
        Func a_val = a_values, a_sc = a_scales, w_val = w_values, w_off = w_offsets, w_sc = w_scales;
        if (signed_lane_sums()) {
            // Activations back to int8 (value + 128 with its top bit flipped is the value), so
            // each product is int8 x int8 into int16 (smull/smlal): each int16 lane adds the
            // block's 8 products at one position kk of the groups of four, then the four lanes
            // of an output are added in int32 (saddlp, addp). Wrapping int16 sums are exact
            // where 8 * max|a| * max|w| < 2^15, which the runtime checks; no +128 to take back.
            Var kk("kk"), blk("blk");
            RDom g(0, kMxBlock / 4, "g"), q(0, 4, 0, segment_blocks, "q");
            Expr k = blk * kMxBlock + 4 * g + kk;
            Expr a_signed = reinterpret<int8_t>(a_val(k, m) ^ cast<uint8_t>(0x80));
            lane_sum(n, kk, blk, m) = cast<int16_t>(0);
            lane_sum(n, kk, blk, m) += Internal::widening_mul(a_signed, w_val(kk, n, blk * kMxBlock / 4 + g));
            block_sum(n, b, m) = 0;
            block_sum(n, b, m) += cast<int32_t>(lane_sum(n, q.x, block_of(q.y), m));
        } else if (pair_sums()) {
            block_sum(n, b, m) = w_off(n, b);
            Var p("p");
            RDom k2(0, 2, "k2");
            Expr k = 2 * p + k2;
            // saturating_add is what vpmaddubsw computes; the weights' bound keeps it exact.
            pair_sum(n, p, m) = cast<int16_t>(0);
            Expr product = Internal::widening_mul(a_val(k, m), w_val(k % 4, n, k / 4));
            pair_sum(n, p, m) = Internal::saturating_add(pair_sum(n, p, m), product);
            if (dot_kind() == "pairs16") {
                // Each int16 lane adds the block's 8 pair sums at one position j of the groups
                // of four, then the two lanes of an output are added in int32 (one vpmaddwd per
                // block, not eight). Exact while 16 * max(a + 128) * max|w| < 2^15: FP4 x FP4.
                Var j("j"), blk("blk");
                RDom g(0, kMxBlock / 4, "g"), q(0, 2, 0, segment_blocks, "q");
                lane_sum(n, j, blk, m) = cast<int16_t>(0);
                lane_sum(n, j, blk, m) += pair_sum(n, blk * kMxBlock / 2 + 2 * g + j, m);
                block_sum(n, b, m) += Internal::widening_mul(lane_sum(n, q.x, block_of(q.y), m), cast<int16_t>(1));
            } else {
                // A widening multiply by one, so the pairs are added by vpmaddwd.
                RDom i(0, kMxBlock / 2, 0, segment_blocks, "i");
                Expr pair = block_of(i.y) * kMxBlock / 2 + i.x;
                block_sum(n, b, m) += Internal::widening_mul(pair_sum(n, pair, m), cast<int16_t>(1));
            }
        } else {
            block_sum(n, b, m) = w_off(n, b);
            RDom i(0, kMxBlock, 0, segment_blocks, "i");
            Expr ka = block_of(i.y) * kMxBlock + i.x;
            block_sum(n, b, m) += cast<int32_t>(a_val(ka, m)) * cast<int32_t>(w_val(ka % 4, n, ka / 4));
        }
        block_value(n, b, m) = strict_float(cast<float>(block_sum(n, b, m)) * w_sc(n, b) * a_sc(b, m));
        RDom rb(0, segments, "rb");
        dot(n, m) = 0.0f;
        dot(n, m) = strict_float(dot(n, m) + block_value(n, rb, m));  // block order, always

        allow_broadcast(scale, bias);
        output(n, m) = mx_epilogue(dot(n, m), scale(n), bias(n), clamp_min, clamp_max);
        a_values.dim(0).set_bounds(0, blocks * kMxBlock);
        w_values.dim(0).set_bounds(0, 4);
        w_values.dim(1).set_stride(4);  // groups of four k are dense: one vector load per tile column
        w_values.dim(2).set_bounds(0, blocks * kMxBlock / 4);
    }

    void schedule() {
        if (get_auto_schedule()) {  // Adams2019 schedules it, for comparison
            const auto v = estimate_values(estimate, 3, "MxNxK");
            const int m = v[0], n = v[1], k32 = (v[2] + kMxBlock - 1) / kMxBlock * kMxBlock;
            a_values.set_estimates({{0, k32}, {0, m}});
            a_scales.set_estimates({{0, k32 / kMxBlock}, {0, m}});
            w_values.set_estimates({{0, 4}, {0, n}, {0, k32 / 4}});
            w_offsets.set_estimates({{0, n}, {0, k32 / kMxBlock}});
            w_scales.set_estimates({{0, n}, {0, k32 / kMxBlock}});
            segment_blocks.set_estimate(1);
            set_epilogue_estimates(scale, bias, clamp_min, clamp_max, output, {{0, n}, {0, m}});
            return;
        }
        // pair_sum and lane_sum stay undefined unless the dot product uses them.
        MxBlockFuncs funcs{output, dot, block_sum, pair_sum, lane_sum, w_values, {w_scales}};
        if (!signed_lane_sums()) funcs.weight_blocks.push_back(w_offsets);  // the ARM sums need no offset
        if (gemv) {
            apply_mx_gemv_i8_schedule(funcs, parse_knobs(mx_gemv_knob_space(), knobs, get_target()), get_target());
        } else {
            apply_mx_gemm_i8_schedule(funcs, parse_knobs(mx_gemm_i8_knob_space(), knobs, get_target()), get_target());
        }
    }

private:
    // The dot product the "dot" parameter names, "auto" resolved for the target.
    std::string dot_kind() const {
        const std::string width = dot_width;
        if (width == "pairs" || width == "pairs16" || width == "quads" || width == "smlal") return width;
        if (width != "auto") {
            throw CompileError("mx_gemm_i8: dot must be quads, pairs, pairs16, smlal or auto, not " + width);
        }
        const Target t = get_target();
        if (t.arch == Target::ARM) return "smlal";
        if (t.arch == Target::X86 && !t.has_feature(Target::AVX512_SapphireRapids)) return narrow ? "pairs16" : "pairs";
        return "quads";
    }
    bool pair_sums() const { return dot_kind() == "pairs" || dot_kind() == "pairs16"; }
    bool signed_lane_sums() const { return dot_kind() == "smlal"; }

    Func block_sum{"block_sum"}, block_value{"block_value"}, dot{"dot"}, pair_sum{"pair_sum"};
    Func lane_sum{"lane_sum"};
};

// Codes -> int8 element values (plus `offset`, as uint8), and each block's scale as fp32:
// 2^(E8M0 - 127 - shift), NaN for 0xFF. One specialization per format whose elements fit int8,
// each decoding in byte lanes (mx_integer.h).
class MxDecodeI8 : public Generator<MxDecodeI8> {
public:
    Input<Buffer<uint8_t>> codes{"codes", 2};    // (byte, row)
    Input<Buffer<uint8_t>> scales{"scales", 2};  // (block, row)
    Input<int32_t> format{"format"};             // MxFormat: fp6_e2m3, fp4_e2m1 or int8
    Input<int32_t> offset{"offset"};             // 128 for activations, 0 for weights
    Input<int32_t> shift{"shift"};               // taken off every block exponent
    Output<Buffer<uint8_t>> values{"values", 2};        // (k, row)
    Output<Buffer<float>> block_scales{"block_scales", 2};  // (block, row)

    void generate() {
        Var k("k"), b("b"), row("row");
        Expr value = cast<uint8_t>(0);  // other formats: refused by the schedule's specialize_fail
        for (MxFormat f : kFormats) {
            Expr code = packed_code([&](const Expr &i) { return codes(i, row); }, mx_info(f).bits, k);
            value = select(format == int(f), integer_element(code, mx_info(f), UInt(8)), value);
        }
        values(k, row) = value + cast<uint8_t>(offset);
        Expr e8m0 = cast<int32_t>(scales(b, row));
        block_scales(b, row) = select(e8m0 == 255, cast<float>(NAN), exact_pow2(e8m0 - 127 - shift));
        values.dim(0).set_min(0);  // even k is a low nibble, k % 4 the position in an FP6 group
    }

    void schedule() {
        std::vector<int> formats;
        for (MxFormat f : kFormats) formats.push_back(int(f));
        apply_mx_decode_schedule(values, block_scales, format, formats, get_target());
    }

private:
    static constexpr MxFormat kFormats[] = {MxFormat::Fp6E2M3, MxFormat::Fp4E2M1, MxFormat::Int8};
};

}  // namespace
}  // namespace lpgen

HALIDE_REGISTER_GENERATOR(lpgen::MxGemmI8, mx_gemm_i8)
HALIDE_REGISTER_GENERATOR(lpgen::MxDecodeI8, mx_decode_i8)
