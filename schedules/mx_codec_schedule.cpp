// MX codec schedules: per row, block statistics first (one max per 32 elements), then the
// element codes vectorized across elements; dequantize is one vectorized pass.
#include "mx_codec_schedule.h"

#include "generators/mx_formats.h"

namespace lpgen {

using namespace Halide;

const KnobSpace &mx_codec_knob_space() {
    //                 name         allowed          avx512 avx2 a64 a32
    static const KnobSpace space = {
        {"vec_lanes", {1, 4, 8, 16}, {16, 8, 4, 4}, "32-bit lanes per vector"},
        {"parallel", {0, 1}, {0, 0, 0, 0}, "parallelize over rows"},
    };
    return space;
}

void apply_mx_quantize_schedule(MxQuantizeFuncs f, const Knobs &knobs, const Target &target) {
    const int lanes = knobs.at("vec_lanes");
    Var row = f.scales.args()[1];
    // Block exponents are shared by the scales and the codes: one small array, computed first.
    f.scale_exp.compute_root();
    if (knobs.at("parallel")) f.scale_exp.parallel(f.scale_exp.args()[1]);
    // Each block's maximum as one vector reduction over its 32 elements.
    f.amax.compute_at(f.scale_exp, f.scale_exp.args()[1]);
    f.amax.update().atomic().vectorize(f.amax.rvars(0)[0]);
    f.scales.compute_root();
    if (knobs.at("parallel")) f.scales.parallel(row);
    f.codes.compute_root().vectorize(f.codes.args()[0], target.natural_vector_size<uint8_t>(), TailStrategy::GuardWithIf);
    if (knobs.at("parallel")) f.codes.parallel(f.codes.args()[1]);
    // Elements a block at a time, so each vector reads its block's exponent as one scalar (over
    // k it was a gather of scale_exp(k / 32)); rows hold whole blocks, so nothing is rounded up.
    Var k = f.element.args()[0], block("block"), in_block("in_block");
    f.element.compute_at(f.codes, f.codes.args()[1])
        .split(k, block, in_block, kMxBlock, TailStrategy::RoundUp)
        .vectorize(in_block, lanes);
}

void apply_mx_dequantize_schedule(Func values, const Knobs &knobs, const Target &target) {
    values.compute_root().vectorize(values.args()[0], knobs.at("vec_lanes"), TailStrategy::GuardWithIf);
    if (knobs.at("parallel")) values.parallel(values.args()[1]);
    (void)target;
}

}  // namespace lpgen
