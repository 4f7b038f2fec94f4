// Bitpack schedule: one word per (kw, plane, row), its 64 bits gathered by an unrolled loop.
// (Halide 14 crashes on atomic().vectorize() of this reduction, so the bits stay scalar.)
#include "bitpack_schedule.h"

namespace lpgen {

using namespace Halide;

const KnobSpace &bitpack_knob_space() {
    //                 name              allowed   avx512 avx2 a64 a32
    static const KnobSpace space = {
        {"unroll_bits", {1, 8, 64}, {8, 8, 8, 8}, "unroll of the 64-bit gather loop"},
        {"parallel", {0, 1}, {0, 0, 0, 0}, "parallelize over rows"},
    };
    return space;
}

void apply_bitpack_schedule(BitpackFuncs f, const Knobs &knobs, const Target &target) {
    Var kw = f.packed.args()[0], plane = f.packed.args()[1], row = f.packed.args()[2];
    f.packed.compute_root();
    if (knobs.at("parallel")) f.packed.parallel(row);
    Stage gather = f.packed.update();
    RVar bit = f.packed.rvars(0)[0];
    gather.reorder(bit, plane, kw, row);
    if (knobs.at("unroll_bits") > 1) {
        RVar bo("bo"), bi("bi");
        gather.split(bit, bo, bi, knobs.at("unroll_bits")).unroll(bi);
    }
    (void)target;
}

}  // namespace lpgen
