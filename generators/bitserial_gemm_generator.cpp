// Bit-serial GEMM: C[m][n] = sum_k a[m][k] * w[n][k] over bit-planes (DESIGN.md).
//   activations A[M][abits][Kw], weights W[N][wbits][Kw], 64 values per uint64 word.
// Three output forms share the algorithm: int32, fp32 (scale/bias/clamp), and requantized
// bit-planes packed along N for the next bit-serial layer.
#include "Halide.h"
#include "bitplane_pack.h"
#include "bitserial_encoding.h"
#include "epilogue.h"
#include "estimates.h"
#include "schedules/bitserial_gemm_schedule.h"

namespace lpgen {
namespace {

using namespace Halide;

// Accumulator types. int32 outputs accumulate in uint32, which wraps by definition: the sum
// mod 2^32 is exact whenever the true result fits in int32, which the entry point checks.
// fp32 and packed outputs may exceed int32 (8-bit x 8-bit at K = 65536) and use int64.
const Type kModular32 = UInt(32);

template <typename Self>
class BitserialGemmBase : public Generator<Self> {
public:
    // 0 keeps the bit width a runtime input (the generic kernel); 1..8 fixes it at compile time.
    GeneratorParam<int> fixed_abits{"fixed_abits", 0, 0, 8};
    GeneratorParam<int> fixed_wbits{"fixed_wbits", 0, 0, 8};
    // A GEMV kernel (M = 1, decode): the template bitserial_gemv, which streams the weights as
    // packed, each row's words along vectors, instead of staging them with n innermost.
    GeneratorParam<bool> gemv{"gemv", false};
    // Encodings and zero-point presence fixed at generation ("any" / true: runtime inputs).
    GeneratorParam<EncodingChoice> fixed_a_encoding{"fixed_a_encoding", EncodingChoice::Any, kEncodingChoices};
    GeneratorParam<EncodingChoice> fixed_w_encoding{"fixed_w_encoding", EncodingChoice::Any, kEncodingChoices};
    GeneratorParam<bool> a_zero_point_used{"a_zero_point_used", true};
    GeneratorParam<bool> w_zero_point_used{"w_zero_point_used", true};
    // fp32 outputs of fixed widths: int64 sums, for calls whose sums may not fit int32.
    GeneratorParam<bool> wide_sums{"wide_sums", false};
    GeneratorParam<std::string> knobs{"knobs", ""};
    // For auto_schedule=true only: "MxNxKxABITSxWBITS".
    GeneratorParam<std::string> estimate{"estimate", ""};

    GeneratorInput<Buffer<uint64_t>> activations{"activations", 3};  // (kw, plane, m)
    GeneratorInput<Buffer<uint64_t>> weights{"weights", 3};          // (kw, plane, n)
    GeneratorInput<int32_t> k{"k"};                                  // real reduction length K
    GeneratorInput<int32_t> abits{"abits"};                          // activation planes, 1..8
    GeneratorInput<int32_t> wbits{"wbits"};                          // weight planes, 1..8
    GeneratorInput<int32_t> a_encoding{"a_encoding"};                // lpgen::Encoding
    GeneratorInput<int32_t> w_encoding{"w_encoding"};
    GeneratorInput<int32_t> a_zero_point{"a_zero_point"};            // subtracted from each a
    GeneratorInput<int32_t> w_zero_point{"w_zero_point"};            // subtracted from each w

protected:
    Var n{"n"}, m{"m"};
    Func a_in{"a_in"}, w_in{"w_in"};
    Func plane_dot{"plane_dot"}, core{"core"}, a_sum{"a_sum"}, w_sum{"w_sum"}, dot{"dot"};

    // The autoscheduler's view of one GEMM; returns the output's estimates to set.
    Region set_input_estimates() {
        const auto v = estimate_values(estimate, 5, "MxNxKxABITSxWBITS");
        set_exact_bounds(activations, {{0, (v[2] + 63) / 64}, {0, v[3]}, {0, v[0]}}, {0, 2});
        set_exact_bounds(weights, {{0, (v[2] + 63) / 64}, {0, v[4]}, {0, v[1]}}, {2});
        k.set_estimate(v[2]), abits.set_estimate(v[3]), wbits.set_estimate(v[4]);
        a_encoding.set_estimate(0), w_encoding.set_estimate(0);
        // Nonzero offsets: Adams2019 (Halide 14) fails an internal check on the empty
        // correction loops that zero offsets give; with them it schedules those loops too.
        a_zero_point.set_estimate(1), w_zero_point.set_estimate(1);
        return {{0, v[1]}, {0, v[0]}};
    }

    Expr a_planes() const { return fixed_abits > 0 ? Expr((int)fixed_abits) : Expr(abits); }
    Expr w_planes() const { return fixed_wbits > 0 ? Expr((int)fixed_wbits) : Expr(wbits); }
    Expr a_enc() const { return encoding_of(fixed_a_encoding, a_encoding); }
    Expr w_enc() const { return encoding_of(fixed_w_encoding, w_encoding); }
    Expr a_zp() const { return zero_point_of(a_zero_point_used, a_zero_point); }
    Expr w_zp() const { return zero_point_of(w_zero_point_used, w_zero_point); }
    // Whether the XOR form serves the kernel: XNOR's configuration fixed at generation, in a GEMV
    // (GEMV 1x4096x4096: 704 GOPS against the AND form's 318). A GEMM's register tile reuses
    // each activation word across its columns and sums the operands once per tile, so there the
    // XOR form's mask per word cost more than it saved (1024^3: 1699 against 1815).
    bool xnor_form() const {
        return gemv && fixed_a_encoding == EncodingChoice::Bipolar && fixed_w_encoding == EncodingChoice::Bipolar &&
               !a_zero_point_used && !w_zero_point_used;
    }
    // Fixed-width fp32 kernels sum in int32 unless built with wide_sums.
    bool narrow_sums() const { return fixed_abits > 0 && fixed_wbits > 0 && !wide_sums; }

    // dot(n, m): the dot product of the decoded, zero-point-corrected rows, in `acc`.
    void define_dot(Type acc) {
        auto wide = [&](Expr e) { return cast(acc, e); };
        Var ap{"ap"}, wp{"wp"};
        Expr kw_count = activations.dim(0).extent();
        // Rows past M or N read as zero words, so schedules may round tiles up freely.
        a_in = BoundaryConditions::constant_exterior(activations, cast<uint64_t>(0),
                                                     {Range(), Range(), {0, activations.dim(2).extent()}});
        w_in = BoundaryConditions::constant_exterior(weights, cast<uint64_t>(0),
                                                     {Range(), Range(), {0, weights.dim(2).extent()}});
        RDom rk(0, kw_count, "rk");
        // Per-lane uint64 sums: popcount's own width, so the inner loop never narrows.
        plane_dot(ap, wp, n, m) = cast<uint64_t>(0);
        RDom rp(0, a_planes(), 0, w_planes(), "rp");
        core(n, m) = wide(0);
        if (xnor_form()) {
            // Bipolar x bipolar without zero points, fixed at generation: a b-bit bipolar value
            // is sum_i 2^i (2 bit_i - 1) and (2x - 1)(2y - 1) = 1 - 2 (x XOR y), so each plane pair
            // adds 2^(i+j) (K - 2 popcount(a_i ^ w_j)) over the valid bits: one popcount a word
            // and no operand sums (the AND form needs a second popcount of every weight word).
            // Activation bits past K are masked; the weights' are zero, as lpgen packs them.
            plane_dot(ap, wp, n, m) += popcount((a_in(rk, ap, m) & value_bits(rk, k)) ^ w_in(rk, wp, n));
            Expr magnitude = (cast<int32_t>(1) << rp.x) * (cast<int32_t>(1) << rp.y);
            core(n, m) += wide(magnitude) * (wide(k) - wide(2) * wide(plane_dot(rp.x, rp.y, n, m)));
        } else {
            plane_dot(ap, wp, n, m) += popcount(a_in(rk, ap, m) & w_in(rk, wp, n));
            Expr pair_weight = plane_weight(rp.x, a_planes(), a_enc()) * plane_weight(rp.y, w_planes(), w_enc());
            core(n, m) += wide(pair_weight) * wide(plane_dot(rp.x, rp.y, n, m));
        }

        // Correction terms, needed only when an operand has a nonzero offset (bipolar or zero
        // point); their loops are empty otherwise so plain unsigned/signed kernels pay nothing.
        Expr a_offset = operand_offset(a_planes(), a_enc(), a_zp());
        Expr w_offset = operand_offset(w_planes(), w_enc(), w_zp());
        RDom ra(0, kw_count, 0, select(w_offset != 0, a_planes(), 0), "ra");
        a_sum(m) = wide(0);
        a_sum(m) += wide(plane_weight(ra.y, a_planes(), a_enc()) *
                                  cast<int32_t>(popcount(a_in(ra.x, ra.y, m) & value_bits(ra.x, k))));
        RDom rw(0, kw_count, 0, select(a_offset != 0, w_planes(), 0), "rw");
        w_sum(n) = wide(0);
        w_sum(n) += wide(plane_weight(rw.y, w_planes(), w_enc()) *
                                  cast<int32_t>(popcount(w_in(rw.x, rw.y, n))));
        // A kernel whose encodings and zero points are fixed knows which offsets are 0 and
        // leaves their terms (and the sums they read) out of the pipeline; the XOR form has none.
        if (xnor_form()) {
            dot(n, m) = core(n, m);
            return;
        }
        Expr sum = core(n, m);
        if (!is_zero_offset(w_offset)) sum += wide(w_offset) * a_sum(m);
        if (!is_zero_offset(a_offset)) sum += wide(a_offset) * w_sum(n);
        if (!is_zero_offset(a_offset) && !is_zero_offset(w_offset)) sum += wide(a_offset) * wide(w_offset) * wide(k);
        dot(n, m) = sum;
    }

    void require_bit_widths() {
        // Fixed-width kernels reject calls with other widths instead of computing garbage.
        if (fixed_abits > 0) activations.dim(1).set_extent(fixed_abits);
        if (fixed_wbits > 0) weights.dim(1).set_extent(fixed_wbits);
        weights.dim(0).set_bounds(0, activations.dim(0).extent());
    }

    BitserialGemmFuncs funcs(Func output, Func requant, Func groups) {
        return BitserialGemmFuncs{output, dot, core, plane_dot, a_sum, w_sum, w_in, requant, groups,
                                  weights.dim(2).extent(), activations.dim(2).extent(),
                                  fixed_abits > 0 && fixed_wbits > 0, fixed_abits, fixed_wbits};
    }

    // The schedule of this kernel: the GEMM template, or the GEMV one.
    void apply_schedule(Func output, Func requant, Func groups) {
        if (gemv) {
            apply_bitserial_gemv_schedule(funcs(output, requant, groups),
                                          parse_knobs(bitserial_gemv_knob_space(), knobs, this->get_target()),
                                          this->get_target());
        } else {
            apply_bitserial_gemm_schedule(funcs(output, requant, groups),
                                          parse_knobs(bitserial_gemm_knob_space(), knobs, this->get_target()),
                                          this->get_target());
        }
    }
};

class BitserialGemmI32 : public BitserialGemmBase<BitserialGemmI32> {
public:
    Output<Buffer<int32_t>> output{"output", 2};  // (n, m)

    void generate() {
        define_dot(kModular32);
        require_bit_widths();
        output(n, m) = reinterpret<int32_t>(dot(n, m));
    }
    void schedule() { apply_schedule(output, Func(), Func()); }
};

class BitserialGemmF32 : public BitserialGemmBase<BitserialGemmF32> {
public:
    Input<Buffer<float>> scale{"scale", 1};  // per output channel n (stride 0 for per-tensor)
    Input<Buffer<float>> bias{"bias", 1};    // per output channel n
    Input<float> clamp_min{"clamp_min"};     // 0 for ReLU, -inf for none
    Input<float> clamp_max{"clamp_max"};
    Output<Buffer<float>> output{"output", 2};  // (n, m)

    void generate() {
        // Fixed widths accumulate in 32 bits (the runtime sends them only calls whose sums fit
        // int32): AVX2 has no int64 -> fp32 conversion, which made the epilogue cost more than
        // the dot products on short rows. The generic kernel keeps int64 for any K.
        const bool narrow = narrow_sums();
        define_dot(narrow ? kModular32 : Int(64));
        require_bit_widths();
        allow_broadcast(scale, bias);
        output(n, m) = fp32_epilogue(narrow ? reinterpret<int32_t>(dot(n, m)) : Expr(dot(n, m)), scale(n), bias(n), clamp_min, clamp_max);
    }
    void schedule() {
        if (get_auto_schedule()) {  // Adams2019 schedules it, for comparison
            set_epilogue_estimates(scale, bias, clamp_min, clamp_max, output, set_input_estimates());
            return;
        }
        apply_schedule(output, Func(), Func());
    }
};

// Requantize-and-pack: the fp32 epilogue divided by out_scale, rounded to out_bits codes of
// out_encoding, packed along N into words: output[M][out_bits][ceil(N/64)].
class BitserialGemmPacked : public BitserialGemmBase<BitserialGemmPacked> {
public:
    Input<Buffer<float>> scale{"scale", 1};
    Input<Buffer<float>> bias{"bias", 1};
    Input<float> clamp_min{"clamp_min"};
    Input<float> clamp_max{"clamp_max"};
    Input<float> out_scale{"out_scale"};           // real value of one output step
    Input<int32_t> out_zero_point{"out_zero_point"};
    Input<int32_t> out_bits{"out_bits"};
    Input<int32_t> out_encoding{"out_encoding"};
    Input<int32_t> n_out{"n_out"};                 // real N (the packed axis)
    Output<Buffer<uint64_t>> output{"output", 3};  // (nw, plane, m)

    void generate() {
        define_dot(Int(64));
        require_bit_widths();
        allow_broadcast(scale, bias);
        Expr real = fp32_epilogue(dot(n, m), scale(n), bias(n), clamp_min, clamp_max);
        codes(n, m) = requantize_code(strict_float(real / out_scale), out_bits, out_encoding, out_zero_point);
        BitPlanePacking planes = pack_bit_planes(codes, n_out, "packed_planes");
        groups = planes.groups;
        output = planes.packed;
    }
    void schedule() { apply_schedule(output, codes, groups); }

private:
    Func codes{"codes"}, groups;
};

}  // namespace
}  // namespace lpgen

HALIDE_REGISTER_GENERATOR(lpgen::BitserialGemmI32, bitserial_gemm_i32)
HALIDE_REGISTER_GENERATOR(lpgen::BitserialGemmF32, bitserial_gemm_f32)
HALIDE_REGISTER_GENERATOR(lpgen::BitserialGemmPacked, bitserial_gemm_packed)
