// Bit-serial conv2d, NHWC (DESIGN.md):
//   activations [N][H][W][abits][Cw], weights [OC][KH][KW][wbits][Cw], Cw = ceil(C/64),
//   stride, dilation, asymmetric padding (bottom/right follow from the output size).
// Spatial padding contributes exactly zero, whatever the encodings and zero points.
#include "Halide.h"
#include "bitplane_pack.h"
#include "bitserial_encoding.h"
#include "epilogue.h"
#include "estimates.h"
#include "schedules/bitserial_conv2d_schedule.h"

namespace lpgen {
namespace {

using namespace Halide;

// Accumulator types. int32 outputs accumulate in uint32, which wraps by definition: the sum
// mod 2^32 is exact whenever the true result fits in int32, which the entry point checks.
// fp32 and packed outputs may exceed int32 (8-bit x 8-bit at K = 65536) and use int64.
const Type kModular32 = UInt(32);

template <typename Self>
class BitserialConv2dBase : public Generator<Self> {
public:
    GeneratorParam<int> fixed_abits{"fixed_abits", 0, 0, 8};  // 0: runtime bit width
    GeneratorParam<int> fixed_wbits{"fixed_wbits", 0, 0, 8};
    // Encodings and zero-point presence fixed at generation ("any" / true: runtime inputs).
    GeneratorParam<EncodingChoice> fixed_a_encoding{"fixed_a_encoding", EncodingChoice::Any, kEncodingChoices};
    GeneratorParam<EncodingChoice> fixed_w_encoding{"fixed_w_encoding", EncodingChoice::Any, kEncodingChoices};
    GeneratorParam<bool> a_zero_point_used{"a_zero_point_used", true};
    GeneratorParam<bool> w_zero_point_used{"w_zero_point_used", true};
    // fp32 outputs of fixed widths: int64 sums, for calls whose sums may not fit int32.
    GeneratorParam<bool> wide_sums{"wide_sums", false};
    GeneratorParam<std::string> knobs{"knobs", ""};
    // For auto_schedule=true only: "HxWxCxOCxKxSTRIDExPADxABITSxWBITS".
    GeneratorParam<std::string> estimate{"estimate", ""};

    GeneratorInput<Buffer<uint64_t>> activations{"activations", 5};  // (cw, plane, x, y, batch)
    GeneratorInput<Buffer<uint64_t>> weights{"weights", 5};          // (cw, plane, kx, ky, oc)
    GeneratorInput<int32_t> channels{"channels"};                    // real input channels C
    GeneratorInput<int32_t> stride_x{"stride_x"}, stride_y{"stride_y"};
    GeneratorInput<int32_t> dilation_x{"dilation_x"}, dilation_y{"dilation_y"};
    GeneratorInput<int32_t> pad_left{"pad_left"}, pad_top{"pad_top"};
    GeneratorInput<int32_t> abits{"abits"}, wbits{"wbits"};          // planes, 1..8
    GeneratorInput<int32_t> a_encoding{"a_encoding"}, w_encoding{"w_encoding"};
    GeneratorInput<int32_t> a_zero_point{"a_zero_point"}, w_zero_point{"w_zero_point"};

protected:
    Var oc{"oc"}, x{"x"}, y{"y"}, b{"b"};
    Func a_in{"a_in"}, w_in{"w_in"};
    Func plane_dot{"plane_dot"}, core{"core"}, a_sum{"a_sum"}, w_tap{"w_tap"}, offsets{"offsets"}, dot{"dot"};
    std::pair<Expr, Expr> offsets_classes;  // extents of offsets' class dimensions

    // The autoscheduler's view of one layer; returns the output's estimates to set.
    Region set_input_estimates() {
        const auto v = estimate_values(estimate, 9, "HxWxCxOCxKxSTRIDExPADxABITSxWBITS");
        const int h = v[0], w = v[1], c = v[2], oc = v[3], k = v[4], stride = v[5], pad = v[6];
        set_exact_bounds(activations, {{0, (c + 63) / 64}, {0, v[7]}, {0, w}, {0, h}, {0, 1}}, {0, 2, 3});
        set_exact_bounds(weights, {{0, (c + 63) / 64}, {0, v[8]}, {0, k}, {0, k}, {0, oc}}, {2, 3, 4});
        channels.set_estimate(c);
        stride_x.set_estimate(stride), stride_y.set_estimate(stride);
        dilation_x.set_estimate(1), dilation_y.set_estimate(1);
        pad_left.set_estimate(pad), pad_top.set_estimate(pad);
        abits.set_estimate(v[7]), wbits.set_estimate(v[8]);
        a_encoding.set_estimate(0), w_encoding.set_estimate(0);
        // Nonzero offsets: Adams2019 (Halide 14) fails an internal check on the empty
        // correction loops that zero offsets give; with them it schedules those loops too.
        a_zero_point.set_estimate(1), w_zero_point.set_estimate(1);
        return {{0, oc}, {0, (w + 2 * pad - k) / stride + 1}, {0, (h + 2 * pad - k) / stride + 1}, {0, 1}};
    }

    Expr a_planes() const { return fixed_abits > 0 ? Expr((int)fixed_abits) : Expr(abits); }
    Expr w_planes() const { return fixed_wbits > 0 ? Expr((int)fixed_wbits) : Expr(wbits); }
    Expr a_enc() const { return encoding_of(fixed_a_encoding, a_encoding); }
    Expr w_enc() const { return encoding_of(fixed_w_encoding, w_encoding); }
    Expr a_zp() const { return zero_point_of(a_zero_point_used, a_zero_point); }
    Expr w_zp() const { return zero_point_of(w_zero_point_used, w_zero_point); }
    // Fixed-width fp32 kernels sum in int32 unless built with wide_sums.
    bool narrow_sums() const { return fixed_abits > 0 && fixed_wbits > 0 && !wide_sums; }

    void define_dot(Type acc) {
        auto wide = [&](Expr e) { return cast(acc, e); };
        Var ap{"ap"}, wp{"wp"}, kx{"kx"}, ky{"ky"};
        Expr cw_count = activations.dim(0).extent();
        Expr width = activations.dim(2).extent(), height = activations.dim(3).extent();
        Expr kernel_w = weights.dim(2).extent(), kernel_h = weights.dim(3).extent();
        // Pixels outside the image read as zero words: they add nothing to any popcount.
        a_in = BoundaryConditions::constant_exterior(
            activations, cast<uint64_t>(0), {Range(), Range(), {0, width}, {0, height}, Range()});
        w_in = BoundaryConditions::constant_exterior(
            weights, cast<uint64_t>(0), {Range(), Range(), Range(), Range(), {0, weights.dim(4).extent()}});

        auto in_x = [&](Expr out_x, Expr tap) { return out_x * stride_x - pad_left + tap * dilation_x; };
        auto in_y = [&](Expr out_y, Expr tap) { return out_y * stride_y - pad_top + tap * dilation_y; };

        RDom r(0, cw_count, 0, kernel_w, 0, kernel_h, "r");  // cw, kx, ky
        // Per-lane uint64 sums: popcount's own width, so the inner loop never narrows.
        plane_dot(ap, wp, oc, x, y, b) = cast<uint64_t>(0);
        plane_dot(ap, wp, oc, x, y, b) +=
            popcount(a_in(r.x, ap, in_x(x, r.y), in_y(y, r.z), b) & w_in(r.x, wp, r.y, r.z, oc));

        RDom rp(0, a_planes(), 0, w_planes(), "rp");
        Expr pair_weight = plane_weight(rp.x, a_planes(), a_enc()) * plane_weight(rp.y, w_planes(), w_enc());
        core(oc, x, y, b) = wide(0);
        core(oc, x, y, b) += wide(pair_weight) * wide(plane_dot(rp.x, rp.y, oc, x, y, b));

        // Offset corrections (bipolar operands, zero points); empty loops when the offset is 0.
        Expr a_offset = operand_offset(a_planes(), a_enc(), a_zp());
        Expr w_offset = operand_offset(w_planes(), w_enc(), w_zp());

        // a_sum: plane-weighted popcount of the window; padded pixels are zero words already,
        // and bits past C are masked.
        RDom ra(0, cw_count, 0, select(w_offset != 0, a_planes(), 0), 0, kernel_w, 0, kernel_h, "ra");
        a_sum(x, y, b) = wide(0);
        a_sum(x, y, b) += wide(plane_weight(ra.y, a_planes(), a_enc()) *
                                        cast<int32_t>(popcount(a_in(ra.x, ra.y, in_x(x, ra.z), in_y(y, ra.w), b) &
                                                               value_bits(ra.x, channels))));

        // The weight-side corrections depend on the output pixel only through which kernel taps
        // land inside the image: a function of where its window starts, and the same for every
        // start of the interior. So window starts fall into a few classes along each axis
        // (start_classes), and a small per-call table offsets(oc, class_x, class_y) holds
        //     off_a * S_w(taps inside) + off_a * off_w * n_valid
        // for each: one load per output, where a loop over the taps ran per output before.
        RDom rt(0, cw_count, 0, select(a_offset != 0, w_planes(), 0), "rt");
        w_tap(kx, ky, oc) = cast<int32_t>(0);
        w_tap(kx, ky, oc) += plane_weight(rt.y, w_planes(), w_enc()) * cast<int32_t>(popcount(w_in(rt.x, rt.y, kx, ky, oc)));

        const StartClasses cx = start_classes(width, kernel_w, dilation_x);
        const StartClasses cy = start_classes(height, kernel_h, dilation_y);
        Var class_x{"class_x"}, class_y{"class_y"};
        Expr sx = cx.start(class_x), sy = cy.start(class_y);
        RDom rv(0, select(a_offset != 0, kernel_w, 0), 0, kernel_h, "rv");
        Expr tap_x = sx + rv.x * dilation_x, tap_y = sy + rv.y * dilation_y;
        Expr tap_inside = tap_x >= 0 && tap_x < width && tap_y >= 0 && tap_y < height;
        // Valid (pixel, channel) pairs in the window, for the offset x offset term.
        auto taps_inside = [](Expr start, Expr extent, Expr dilation, Expr taps) {
            return max(0, min(taps, (extent - start + dilation - 1) / dilation) - max(0, (-start + dilation - 1) / dilation));
        };
        Expr valid = wide(taps_inside(sx, width, dilation_x, kernel_w)) * wide(taps_inside(sy, height, dilation_y, kernel_h));
        offsets(oc, class_x, class_y) = wide(a_offset) * wide(w_offset) * valid * wide(channels);
        offsets(oc, class_x, class_y) += wide(a_offset) * wide(select(tap_inside, w_tap(rv.x, rv.y, oc), 0));
        offsets_classes = {cx.count, cy.count};

        // Terms of offsets fixed at 0 (encodings and zero points fixed at generation) are left
        // out of the pipeline, with the sums they read.
        Expr sum = core(oc, x, y, b);
        if (!is_zero_offset(w_offset)) sum += wide(w_offset) * a_sum(x, y, b);
        if (!is_zero_offset(a_offset)) sum += offsets(oc, cx.of(in_x(x, 0)), cy.of(in_y(y, 0)));
        dot(oc, x, y, b) = sum;
    }

    // Window starts along one axis of `extent` pixels, for a kernel of `taps` taps `dilation`
    // apart (span D = (taps - 1) * dilation). Starts below -D or past the image see no pixel and
    // share a class with -D - 1 or `extent`; starts in [0, extent - D - 1] see every tap (the
    // interior class); every other start is a class of its own: 2D + 3 classes for an image
    // wider than the kernel, whatever its size.
    struct StartClasses {
        Expr span, gap, count;  // D; interior starts past 0; classes
        Expr of(Expr start) const {
            Expr s = clamp(start, -span - 1, count + gap - span - 2);
            return clamp(s + span + 1 - clamp(s, 0, gap), 0, count - 1);
        }
        Expr start(Expr c) const { return c - span - 1 + select(c > span + 1, gap, 0); }
    };
    static StartClasses start_classes(Expr extent, Expr taps, Expr dilation) {
        Expr span = (taps - 1) * dilation;
        Expr gap = max(extent - span - 1, 0);
        return {span, gap, extent + span + 2 - gap};
    }

    void require_shapes() {
        if (fixed_abits > 0) activations.dim(1).set_extent(fixed_abits);
        if (fixed_wbits > 0) weights.dim(1).set_extent(fixed_wbits);
        weights.dim(0).set_bounds(0, activations.dim(0).extent());
    }

    BitserialConv2dFuncs funcs(Func output, Func codes, Func groups, Expr out_width) {
        return BitserialConv2dFuncs{output, core, plane_dot, a_sum, w_tap, offsets, offsets_classes.first,
                                    offsets_classes.second, a_in, w_in, codes, groups,
                                    weights.dim(4).extent(), out_width,
                                    fixed_abits > 0 && fixed_wbits > 0, fixed_abits, fixed_wbits};
    }
};

class BitserialConv2dI32 : public BitserialConv2dBase<BitserialConv2dI32> {
public:
    Output<Buffer<int32_t>> output{"output", 4};  // (oc, x, y, batch)

    void generate() {
        define_dot(kModular32);
        require_shapes();
        output(oc, x, y, b) = reinterpret<int32_t>(dot(oc, x, y, b));
    }
    void schedule() {
        apply_bitserial_conv2d_schedule(funcs(output, Func(), Func(), output.dim(1).extent()),
                                        parse_knobs(bitserial_conv2d_knob_space(), knobs, get_target()), get_target());
    }
};

class BitserialConv2dF32 : public BitserialConv2dBase<BitserialConv2dF32> {
public:
    Input<Buffer<float>> scale{"scale", 1};  // per output channel (stride 0 for per-tensor)
    Input<Buffer<float>> bias{"bias", 1};    // per output channel
    Input<float> clamp_min{"clamp_min"}, clamp_max{"clamp_max"};
    Output<Buffer<float>> output{"output", 4};  // (oc, x, y, batch)

    void generate() {
        // Fixed widths accumulate in 32 bits (the runtime sends them only calls whose sums fit
        // int32): AVX2 has no int64 -> fp32 conversion, which made the epilogue cost more than
        // the dot products on short rows. The generic kernel keeps int64 for any K.
        const bool narrow = narrow_sums();
        define_dot(narrow ? kModular32 : Int(64));
        require_shapes();
        allow_broadcast(scale, bias);
        output(oc, x, y, b) = fp32_epilogue(narrow ? reinterpret<int32_t>(dot(oc, x, y, b)) : Expr(dot(oc, x, y, b)), scale(oc), bias(oc), clamp_min, clamp_max);
    }
    void schedule() {
        if (get_auto_schedule()) {  // Adams2019 schedules it, for comparison
            set_epilogue_estimates(scale, bias, clamp_min, clamp_max, output, set_input_estimates());
            return;
        }
        apply_bitserial_conv2d_schedule(funcs(output, Func(), Func(), output.dim(1).extent()),
                                        parse_knobs(bitserial_conv2d_knob_space(), knobs, get_target()), get_target());
    }
};

// Requantize-and-pack: output is the next layer's packed activations [N][OH][OW][out_bits][OCw].
class BitserialConv2dPacked : public BitserialConv2dBase<BitserialConv2dPacked> {
public:
    Input<Buffer<float>> scale{"scale", 1};
    Input<Buffer<float>> bias{"bias", 1};
    Input<float> clamp_min{"clamp_min"}, clamp_max{"clamp_max"};
    Input<float> out_scale{"out_scale"};
    Input<int32_t> out_zero_point{"out_zero_point"};
    Input<int32_t> out_bits{"out_bits"};
    Input<int32_t> out_encoding{"out_encoding"};
    Input<int32_t> out_channels{"out_channels"};   // real OC (the packed axis)
    Output<Buffer<uint64_t>> output{"output", 5};  // (ocw, plane, x, y, batch)

    void generate() {
        define_dot(Int(64));
        require_shapes();
        allow_broadcast(scale, bias);
        Expr real = fp32_epilogue(dot(oc, x, y, b), scale(oc), bias(oc), clamp_min, clamp_max);
        codes(oc, x, y, b) = requantize_code(strict_float(real / out_scale), out_bits, out_encoding, out_zero_point);
        BitPlanePacking planes = pack_bit_planes(codes, out_channels, "packed_planes");
        groups = planes.groups;
        output = planes.packed;
    }
    void schedule() {
        apply_bitserial_conv2d_schedule(funcs(output, codes, groups, output.dim(2).extent()),
                                        parse_knobs(bitserial_conv2d_knob_space(), knobs, get_target()), get_target());
    }

private:
    Func codes{"codes"}, groups;
};

}  // namespace
}  // namespace lpgen

HALIDE_REGISTER_GENERATOR(lpgen::BitserialConv2dI32, bitserial_conv2d_i32)
HALIDE_REGISTER_GENERATOR(lpgen::BitserialConv2dF32, bitserial_conv2d_f32)
HALIDE_REGISTER_GENERATOR(lpgen::BitserialConv2dPacked, bitserial_conv2d_packed)
