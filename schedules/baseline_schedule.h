// Schedule templates for the baseline (int8 / int16 / fp32) GEMM and conv2d generators.
#pragma once

#include "Halide.h"
#include "knobs.h"

namespace lpgen {

struct BaselineGemmFuncs {
    Halide::Func output;   // (n, m)
    Halide::Func product;  // (n, m) accumulation over k
};

struct BaselineConv2dFuncs {
    Halide::Func output;   // (oc, x, y, b)
    Halide::Func product;  // (oc, x, y, b) accumulation over (c, kx, ky)
    Halide::Func activations;  // (c, x, y, b) input, zero outside the image
};

// Knobs: vec_lanes (partial-sum lanes), tile_cols, tile_rows, parallel.
const KnobSpace &baseline_gemm_knob_space();
const KnobSpace &baseline_conv2d_knob_space();
// The int32/fp32 register tile fits the profile.
bool baseline_knobs_fit(const Knobs &knobs, Profile profile);

void apply_baseline_gemm_schedule(BaselineGemmFuncs funcs, const Knobs &knobs, const Halide::Target &target);
void apply_baseline_conv2d_schedule(BaselineConv2dFuncs funcs, const Knobs &knobs,
                                    const Halide::Target &target);

}  // namespace lpgen
