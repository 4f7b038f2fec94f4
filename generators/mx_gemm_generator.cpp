// MX x MX GEMM (OCP Microscaling): C[m][n] = sum over blocks of X_a X_w sum_i P_a[i] P_w[i].
//   a: codes [M][K32 * bits_a / 8] + scales [M][K32/32]; w likewise [N][...] (mx_formats.h).
// Element formats are runtime inputs (one kernel serves all 36 pairs): an activation code becomes
// its value through a 256-entry table the runtime fills from the format, codes unpacked by the
// format's width; weights come decoded (once per MxWeights handle). Per block the 32 products are summed exactly in integers on integer-valued
// decodings (value * 2^shift: int32 where the runtime has checked that 32 products fit; else
// fp64, whose 53-bit significand holds every such sum exactly, E4M3 x E4M3 needing 41 bits,
// and whose vector multiply-adds are far cheaper than int64 ones), or in fp32 in index order
// when a format (E5M2) has no integer decoding; blocks are then combined in
// fp32 in block order, so results do not depend on the schedule.
#include <stdexcept>

#include "Halide.h"
#include "epilogue.h"
#include "mx_block.h"
#include "mx_formats.h"
#include "mx_unpack.h"
#include "schedules/mx_gemm_schedule.h"

namespace lpgen {
namespace {

using namespace Halide;

// Clamped reads: with a runtime width, all three unpackings are evaluated, and only one reads
// within the row.
Expr unpack_clamped(const Func &bytes, const Expr &byte_count, const Expr &bits, const Expr &k, const Expr &row) {
    auto at = [&](const Expr &i) { return cast<uint32_t>(bytes(clamp(i, 0, byte_count - 1), row)); };
    return clamp(unpack_code(at, bits, k), 0, 255);
}

class MxGemm : public Generator<MxGemm> {
public:
    GeneratorParam<std::string> block_sums{"block_sums", "int64"};  // int64, int32, fp64 or fp32
    GeneratorParam<std::string> knobs{"knobs", ""};

    Input<Buffer<uint8_t>> a_codes{"a_codes", 2};    // (byte, m)
    Input<Buffer<uint8_t>> a_scales{"a_scales", 2};  // (block, m), E8M0
    Input<Buffer<uint8_t>> w_scales{"w_scales", 2};  // (block, n)
    Input<Buffer<int32_t>> a_int{"a_int", 1};        // code -> value * 2^a_shift (exact blocks)
    Input<Buffer<float>> a_real{"a_real", 1};        // code -> value (fp32 blocks)
    Input<Buffer<int32_t>> a_special{"a_special", 1};  // code -> 1 for NaN/Inf codes
    // Weights arrive decoded once per MxWeights handle (runtime/mx_weights.cpp), n innermost.
    Input<Buffer<int32_t>> w_ints{"w_ints", 2};      // (n, k): element * 2^w_shift (exact blocks)
    Input<Buffer<float>> w_reals{"w_reals", 2};      // (n, k): element (fp32 blocks)
    Input<Buffer<uint8_t>> w_nan_flags{"w_nan", 2};  // (n, block): 1 for scale 0xFF or a NaN/Inf element
    Input<int32_t> a_bits{"a_bits"};                 // 4, 6 or 8
    Input<int32_t> a_shift{"a_shift"}, w_shift{"w_shift"};
    Input<Buffer<float>> scale{"scale", 1};  // per output channel n (stride 0 for per-tensor)
    Input<Buffer<float>> bias{"bias", 1};
    Input<float> clamp_min{"clamp_min"}, clamp_max{"clamp_max"};
    Output<Buffer<float>> output{"output", 2};  // (n, m)

    void generate() {
        Var k("k"), b("b"), n("n"), m("m");
        Expr blocks = a_scales.dim(0).extent();
        a_code(k, m) = unpack_clamped(a_codes, a_codes.dim(0).extent(), a_bits, k, m);
        const std::string sums = block_sums;
        const bool exact = sums != "fp32";
        const Type sum_type = sums == "int64" ? Int(64) : sums == "int32" ? Int(32) : sums == "fp64" ? Float(64) : Float(32);
        if (sums != "int64" && sums != "int32" && sums != "fp64" && sums != "fp32") {
            throw std::invalid_argument("block_sums must be int64, int32, fp64 or fp32");
        }
        // Each activation decoded once (the schedule stores them), not once per product.
        a_value(k, m) = exact ? cast(sum_type, a_int(a_code(k, m))) : a_real(a_code(k, m));
        w_value(k, n) = exact ? cast(sum_type, w_ints(n, k)) : Expr(w_reals(n, k));

        RDom i(0, kMxBlock, "i");
        Expr ka = b * kMxBlock + i;
        block_sum(b, n, m) = cast(sum_type, 0);
        if (exact) {
            block_sum(b, n, m) += a_value(ka, m) * w_value(ka, n);
        } else {
            block_sum(b, n, m) = strict_float(block_sum(b, n, m) + a_value(ka, m) * w_value(ka, n));
        }
        RDom j(0, kMxBlock, "j");
        a_nan(b, m) = a_scales(b, m) == 255 || sum(a_special(a_code(b * kMxBlock + j, m))) > 0;
        w_nan(b, n) = w_nan_flags(n, b) != 0;

        // X_a * X_w * block, with the integer decodings' shifts undone.
        Expr exponent = cast<int32_t>(a_scales(b, m)) + cast<int32_t>(w_scales(b, n)) - 254 -
                        (exact ? a_shift + w_shift : Expr(0));
        block_value(b, n, m) = scaled_block(block_sum(b, n, m), exponent, a_nan(b, m) || w_nan(b, n));

        RDom rb(0, blocks, "rb");
        dot(n, m) = 0.0f;
        dot(n, m) = strict_float(dot(n, m) + block_value(rb, n, m));  // block order, always
        allow_broadcast(scale, bias);
        output(n, m) = mx_epilogue(dot(n, m), scale(n), bias(n), clamp_min, clamp_max);
        w_scales.dim(0).set_bounds(0, blocks);
        for (auto *table : {&a_int, &a_special}) (*table).dim(0).set_bounds(0, 256);
        a_real.dim(0).set_bounds(0, 256);
    }

    void schedule() {
        apply_mx_gemm_schedule(MxGemmFuncs{output, dot, block_sum, block_value, a_value, w_value, a_nan, w_nan},
                               parse_knobs(mx_gemm_knob_space(), knobs, get_target()), get_target());
    }

private:
    Func a_code{"a_code"}, a_value{"a_value"}, w_value{"w_value"};
    Func block_sum{"block_sum"}, block_value{"block_value"};
    Func a_nan{"a_nan"}, w_nan{"w_nan"}, dot{"dot"};
};

}  // namespace
}  // namespace lpgen

HALIDE_REGISTER_GENERATOR(lpgen::MxGemm, mx_gemm)
