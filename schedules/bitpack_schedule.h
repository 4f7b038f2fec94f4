// Schedule template for the bitpack generators (bitpack_u8, bitpack_f32).
#pragma once

#include "Halide.h"
#include "knobs.h"

namespace lpgen {

struct BitpackFuncs {
    Halide::Func packed;  // (kw, plane, row) words
    Halide::Func groups;  // (g, row) 8 codes per uint64
    Halide::Func codes;   // (k, row) codes before packing
};

const KnobSpace &bitpack_knob_space();

void apply_bitpack_schedule(BitpackFuncs funcs, const Knobs &knobs, const Halide::Target &target);

// bitpack_groups: words vectorized along the row when a row has a vector of them, else across
// rows (small channel counts: one word per plane at C = 64).
void apply_bitpack_groups_schedule(Halide::Func packed, const Halide::Target &target);

// quantize_u8: codes vectorized along k (one vector of uint8 per step), rows sequential.
void apply_quantize_u8_schedule(Halide::Func codes, const Halide::Target &target);

}  // namespace lpgen
