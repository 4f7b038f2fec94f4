// Bitpack schedule: per row, the 8-code groups are built as vectors (byte loads combined into
// uint64 lanes), then each word of each plane takes 8 multiply-trick bytes.
#include "bitpack_schedule.h"

namespace lpgen {

using namespace Halide;

const KnobSpace &bitpack_knob_space() {
    //                 name          allowed         avx512 avx2 a64 a32
    static const KnobSpace space = {
        {"group_lanes", {1, 2, 4, 8, 16}, {8, 4, 2, 2}, "8-code groups built per vector"},
        {"word_lanes", {1, 2, 4, 8}, {8, 4, 2, 2}, "packed words computed per vector"},
        {"parallel", {0, 1}, {0, 0, 0, 0}, "parallelize over rows"},
    };
    return space;
}

void apply_bitpack_schedule(BitpackFuncs f, const Knobs &knobs, const Target &target) {
    Var kw = f.packed.args()[0], plane = f.packed.args()[1], row = f.packed.args()[2];
    f.packed.compute_root().reorder(kw, plane, row);
    if (knobs.at("word_lanes") > 1) f.packed.vectorize(kw, knobs.at("word_lanes"), TailStrategy::GuardWithIf);
    if (knobs.at("parallel")) f.packed.parallel(row);
    f.groups.compute_at(f.packed, row);
    if (knobs.at("group_lanes") > 1) f.groups.vectorize(f.groups.args()[0], knobs.at("group_lanes"), TailStrategy::GuardWithIf);
    (void)target;
}

void apply_bitpack_groups_schedule(Func packed, const Target &target) {
    const int lanes = target.natural_vector_size<uint64_t>();
    Var kw = packed.args()[0], plane = packed.args()[1], row = packed.args()[2];
    OutputImageParam out = packed.output_buffer();
    packed.compute_root().reorder(kw, plane, row);
    packed.specialize(out.dim(0).extent() >= lanes).vectorize(kw, lanes, TailStrategy::ShiftInwards);
    packed.reorder(row, kw, plane).vectorize(row, lanes, TailStrategy::GuardWithIf);
}

void apply_quantize_u8_schedule(Func codes, const Target &target) {
    const int lanes = target.natural_vector_size<uint8_t>();
    Var k = codes.args()[0], row = codes.args()[1];
    OutputImageParam out = codes.output_buffer();
    codes.specialize(out.dim(0).extent() >= lanes).vectorize(k, lanes, TailStrategy::ShiftInwards);
    // Rows shorter than a vector: vectorize across rows instead (the whole tensor is dense).
    codes.vectorize(row, target.natural_vector_size<float>(), TailStrategy::GuardWithIf);
}

}  // namespace lpgen
