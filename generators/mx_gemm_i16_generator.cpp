// Fast MX GEMM for formats whose elements are small integers once scaled (FP4 x2, FP6 E2M3 x8,
// FP6 E3M2 x16, INT8 x64: all within int16): activations arrive decoded to int16 by
// mx_decode_i16 and weights prepared once per handle in pairs along k, so each block of 32
// products is an exact int32 widening dot product (vpdpwssd / vpmaddwd on x86; on NEON smlal
// into int32 lanes, one per position in the k-pairs, added once per block),
// then scaled by its two E8M0 scales (scaled_block_by: one rounding) and added in fp32 in block
// order. Same contract and results as mx_gemm with integer block sums.
//
// With a_planes=2, activations too wide for int16 (E4M3 x 2^9 reaches 229376) arrive split in
// two int16 planes, v = lo + 4096 hi (|lo| <= 2048, |hi| <= 56): each plane is one more row of
// the register tile against the same weights, and the block sum is lo_sum + 4096 hi_sum,
// exact in int32 for weights up to 128 (the runtime checks the bound); those weights arrive as
// int8 (w_values.type=int8), widened to int16 as they are loaded.
//
// With a_planes=3, both operands arrive in two int16 planes, lo and hi (a format that fits one
// plane has hi = 0), and the kernel forms a third, lo + hi, so E4M3 meets E4M3, E3M2 or any
// other integer format: each block costs three plane products instead of four (Karatsuba):
// LL = sum lo lo, HH = sum hi hi, SS = sum (lo + hi)(lo + hi), each exact in int32
// (32 * 2104^2 < 2^31), and the block sum LL + 4096 (SS - LL - HH) + 2^24 HH (up to 2^41,
// E4M3 x E4M3) is rounded once to fp32 (karatsuba_block), as the generic kernel rounds its
// int64 sum. The weights' hi plane lies K/2 k-pairs after lo.
#include "Halide.h"
#include "epilogue.h"
#include "mx_block.h"
#include "mx_formats.h"
#include "mx_integer.h"
#include "mx_unpack.h"
#include "schedules/mx_gemm_schedule.h"

namespace lpgen {
namespace {

using namespace Halide;

// The block sum LL + 4096 X + 2^24 HH (X = SS - LL - HH; up to 2^41) rounded once to fp32,
// in int32 lanes: carried into V 2^24 + U with 0 <= U < 2^24 (X = 4096 Xh + Xl, then
// Xl 4096 + LL = 2^24 Uh + U), so that float(V) 2^24 (|V| < 2^18) and float(U) are exact and
// their one fp32 addition is the only rounding. (The same in fp64 cost a third of the kernel
// on AVX2: converts of half vectors.)
Expr karatsuba_block(const Expr &ll, const Expr &hh, const Expr &ss) {
    Expr x = ss - ll - hh;  // |x| < 2^24: the cross products
    Expr u = ((x & (kMxPlaneUnit - 1)) << kMxPlaneBits) + ll;  // |u| < 2^28
    Expr v = hh + (x >> kMxPlaneBits) + (u >> 24);
    Expr low = u & ((1 << 24) - 1);
    return strict_float(cast<float>(v) * float(1 << 24) + cast<float>(low));
}

class MxGemmI16 : public Generator<MxGemmI16> {
public:
    GeneratorParam<std::string> knobs{"knobs", ""};
    // GEMV schedule (few rows): blocks outermost, so the weights stream by rows of k.
    GeneratorParam<bool> gemv{"gemv", false};
    // Activation planes per row of products: 1; 2 for activations split as lo + 4096 hi; 3 for
    // both operands as lo, hi and lo + hi (two stored, the sum formed in the kernel).
    GeneratorParam<int> a_planes{"a_planes", 1, 1, 3};

    // (k, plane + stored planes * m): element * 2^a_shift, a_planes planes a row (2 for a_planes=3)
    Input<Buffer<int16_t>> a_values{"a_values", 2};
    Input<Buffer<uint8_t>> a_scales{"a_scales", 2};  // (block, m)
    Input<Buffer<uint8_t>> a_nan{"a_nan", 2};        // (block, m): 1 where the block is NaN
    // (kk, n, kp): element * 2^w_shift at k = 2 kp + kk; int16, or int8 (set w_values.type) where
    // the weights fit, which halves the stream a GEMV reads.
    Input<Buffer<>> w_values{"w_values", 3};
    Input<Buffer<int32_t>> w_exps{"w_exps", 2};      // (n, block): E8M0 scale, -1 for NaN blocks
    Input<int32_t> shift_sum{"shift_sum"};           // a_shift + w_shift
    Input<Buffer<float>> scale{"scale", 1};          // per output channel n (stride 0: per tensor)
    Input<Buffer<float>> bias{"bias", 1};
    Input<float> clamp_min{"clamp_min"}, clamp_max{"clamp_max"};
    Output<Buffer<float>> output{"output", 2};       // (n, m)

    void generate() {
        Var b("b"), n("n"), m("m");
        Expr blocks = a_scales.dim(0).extent();
        // Unclamped reads, so every vector of weights is one dense load: row tiles shift inwards
        // or are guarded, and the runtime pads the weights' columns to a whole number of tiles.
        Func a_val = a_values, w_val = w_values, w_exp = w_exps;
        const int planes = a_planes;
        // Row r of the products' activation planes: with three, r = 3 m + p, p = 0 (lo) and 1 (hi)
        // read from the two stored rows of m, p = 2 their sum, added here (a third stored plane
        // would be a third more bytes to stream). The schedule unrolls r, so p is a constant.
        auto a_plane = [&](const Expr &k, const Expr &r) -> Expr {
            if (planes != 3) return a_val(k, r);
            Expr row = r / 3, p = r % 3;
            return select(p == 2, a_val(k, 2 * row) + a_val(k, 2 * row + 1), a_val(k, 2 * row + min(p, 1)));
        };
        // The weights that plane row r multiplies at (kk, n, kp): lo, hi (stored K/2 pairs
        // further on) or lo + hi.
        Expr plane_pairs = blocks * kMxBlock / 2;
        auto w_plane = [&](const Expr &kk, const Expr &n, const Expr &kp, const Expr &r) -> Expr {
            Expr lo = cast<int16_t>(w_val(kk, n, kp));
            if (planes != 3) return lo;
            Expr hi = cast<int16_t>(w_val(kk, n, plane_pairs + kp)), p = r % 3;
            return select(p == 0, lo, p == 1, hi, lo + hi);
        };
        block_sum(n, b, m) = 0;  // m: a row of activation planes
        if (get_target().arch == Target::ARM) {
            // No 2-way dot product on NEON: each int32 lane adds the block's 16 products at one
            // position kk of its k-pairs (smull, then smlal), then the two lanes of an output
            // are added (addp).
            Var kk("kk");
            RDom g(0, kMxBlock / 2, "g"), q(0, 2, "q");
            Expr k = b * kMxBlock + 2 * g + kk;
            lane_sum(n, kk, b, m) = 0;
            lane_sum(n, kk, b, m) += Internal::widening_mul(a_plane(k, m), w_plane(kk, n, b * kMxBlock / 2 + g, m));
            block_sum(n, b, m) += lane_sum(n, q, b, m);
        } else {
            RDom i(0, kMxBlock, "i");
            Expr ka = b * kMxBlock + i;
            block_sum(n, b, m) += cast<int32_t>(a_plane(ka, m)) * cast<int32_t>(w_plane(ka % 2, n, ka / 2, m));
        }
        Expr block;
        if (planes == 1) {
            block = block_sum(n, b, m);
        } else if (planes == 2) {
            block = block_sum(n, b, 2 * m) + block_sum(n, b, 2 * m + 1) * kMxPlaneUnit;
        } else {
            Expr ll = block_sum(n, b, 3 * m), hh = block_sum(n, b, 3 * m + 1), ss = block_sum(n, b, 3 * m + 2);
            block = karatsuba_block(ll, hh, ss);
        }

        if (get_target().arch == Target::ARM && get_target().bits == 32) {
            // ARMv7 NEON flushes subnormal operands, and the scales reach 2^-142: the exponents
            // are added per output and applied as two normal factors.
            a_scale(b, m) = select(a_nan(b, m) != 0, -1, cast<int32_t>(a_scales(b, m)));
            w_scale(n, b) = w_exp(n, b);
            Expr exponent = a_scale(b, m) + w_scale(n, b) - 254 - shift_sum;
            block_value(n, b, m) = scaled_block(block, exponent, a_scale(b, m) < 0 || w_scale(n, b) < 0);
        } else {
            // Each scale as an fp32 power of two (both decodings' shifts on the activations', down
            // to 2^(-127 - 15) for E4M3 x INT8: exact_pow2 reaches 2^-149), NaN for NaN blocks: the
            // activations' once per call, the weights' once per column tile.
            Expr a_exponent = cast<int32_t>(a_scales(b, m)) - 127 - shift_sum;
            a_scale(b, m) = select(a_nan(b, m) != 0, cast<float>(NAN), exact_pow2(a_exponent));
            w_scale(n, b) = select(w_exp(n, b) < 0, cast<float>(NAN), exact_pow2(w_exp(n, b) - 127));
            block_value(n, b, m) = scaled_block_by(block, a_scale(b, m), w_scale(n, b));
        }
        RDom rb(0, blocks, "rb");
        dot(n, m) = 0.0f;
        dot(n, m) = strict_float(dot(n, m) + block_value(n, rb, m));  // block order, always

        allow_broadcast(scale, bias);
        output(n, m) = mx_epilogue(dot(n, m), scale(n), bias(n), clamp_min, clamp_max);
        a_values.dim(0).set_bounds(0, blocks * kMxBlock);
        w_values.dim(0).set_bounds(0, 2);
        w_values.dim(1).set_stride(2);  // pairs of k are dense: one vector load per tile column
        w_values.dim(2).set_bounds(0, (planes == 3 ? 2 : 1) * blocks * kMxBlock / 2);
    }

    void schedule() {
        // lane_sum: ARM only.
        const MxGemmI16Funcs funcs{{output, dot, block_sum, Func(), lane_sum, w_values, {w_scale}}, a_scale};
        if (gemv) {
            apply_mx_gemv_i16_schedule(funcs, parse_knobs(mx_gemv_knob_space(), knobs, get_target()), get_target());
        } else {
            const KnobSpace &space = a_planes == 1   ? mx_gemm_i16_knob_space()
                                     : a_planes == 2 ? mx_gemm_i16_split_knob_space()
                                                     : mx_gemm_i16_fp8_knob_space();
            apply_mx_gemm_i16_schedule(funcs, parse_knobs(space, knobs, get_target()), get_target());
        }
    }

private:
    Func block_sum{"block_sum"}, block_value{"block_value"}, dot{"dot"}, lane_sum{"lane_sum"};
    // Per block and row, per column and block: the scales as the epilogue takes them.
    Func a_scale{"a_scale"}, w_scale{"w_scale"};
};

// Codes -> element * 2^shift in int16, in one plane or two (lo + 4096 hi, hi rounded so
// |lo| <= 2048; E4M3's own, and for mx_gemm_i16 a_planes=3 every format's, with hi = 0 where
// the values fit one plane), and a per-block NaN flag (scale 0xFF or a NaN code). One
// specialization per format with an int16 decoding (mx_integer.h).
class MxDecodeI16 : public Generator<MxDecodeI16> {
public:
    Input<Buffer<uint8_t>> codes{"codes", 2};    // (byte, row)
    Input<Buffer<uint8_t>> scales{"scales", 2};  // (block, row)
    Input<int32_t> format{"format"};             // MxFormat: any but fp8_e5m2
    Output<Buffer<int16_t>> values{"values", 3};  // (k, plane, row): the values, or lo and hi
    Output<Buffer<uint8_t>> nan{"nan", 2};        // (block, row)

    void generate() {
        Var k("k"), p("p"), b("b"), row("row");
        Expr value = cast<int16_t>(0), nan_code = Internal::const_false();  // other formats: specialize_fail
        RDom i(0, kMxBlock, "i");
        for (MxFormat f : kFormats) {
            const MxFormatInfo &info = mx_info(f);
            auto byte_at = [&](const Expr &j) { return codes(j, row); };
            Expr code = packed_code(byte_at, info.bits, k);
            Expr v = integer_element(code, info, info.exp_bits == 4 ? Int(32) : Int(16));
            if (info.exp_bits == 4) {
                Expr hi = (v + kMxPlaneUnit / 2) >> kMxPlaneBits;
                v = select(p == 0, v - hi * kMxPlaneUnit, hi);
            } else {
                v = select(p == 0, v, cast(v.type(), 0));  // lo = v, hi = 0
            }
            value = select(format == int(f), cast<int16_t>(v), value);
            if (info.has_inf_nan) {
                Expr block_code = packed_code(byte_at, info.bits, b * kMxBlock + i);
                nan_code = format == int(f) && maximum(cast<uint8_t>(is_nan_code(block_code, info))) > 0;
            }
        }
        values(k, p, row) = value;
        nan(b, row) = cast<uint8_t>(scales(b, row) == 255 || nan_code);
        values.dim(0).set_min(0);  // even k is a low nibble, k % 4 the position in an FP6 group
    }

    void schedule() {
        std::vector<int> formats;
        for (MxFormat f : kFormats) formats.push_back(int(f));
        apply_mx_decode_schedule(values, nan, format, formats, get_target());
    }

private:
    static constexpr MxFormat kFormats[] = {MxFormat::Fp8E4M3, MxFormat::Fp6E3M2, MxFormat::Fp6E2M3,
                                            MxFormat::Fp4E2M1, MxFormat::Int8};
};

}  // namespace
}  // namespace lpgen

HALIDE_REGISTER_GENERATOR(lpgen::MxGemmI16, mx_gemm_i16)
HALIDE_REGISTER_GENERATOR(lpgen::MxDecodeI16, mx_decode_i16)
