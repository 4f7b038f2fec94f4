// Schedule templates for mx_quantize and mx_dequantize.
#pragma once

#include "Halide.h"
#include "knobs.h"

namespace lpgen {

struct MxQuantizeFuncs {
    Halide::Func codes;      // (byte, row) packed codes
    Halide::Func scales;     // (block, row) E8M0
    Halide::Func element;    // (k, row) one code per element
    Halide::Func scale_exp;  // (block, row) shared exponent
    Halide::Func amax;       // (block, row) largest magnitude's bits
};

// Knobs: vec_lanes, parallel.
const KnobSpace &mx_codec_knob_space();

void apply_mx_quantize_schedule(MxQuantizeFuncs funcs, const Knobs &knobs, const Halide::Target &target);
void apply_mx_dequantize_schedule(Halide::Func values, const Knobs &knobs, const Halide::Target &target);

}  // namespace lpgen
