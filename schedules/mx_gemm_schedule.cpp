// Generic MX GEMM schedule: codes unpacked once per call; outputs vectorized across n (each
// lane one output, so the fixed summation order of every output is kept).
#include "mx_gemm_schedule.h"

namespace lpgen {

using namespace Halide;

const KnobSpace &mx_gemm_knob_space() {
    //                 name         allowed           avx512 avx2 a64 a32
    static const KnobSpace space = {
        {"vec_lanes", {1, 4, 8, 16}, {16, 8, 4, 4}, "outputs (lanes of n) per vector"},
        {"tile_n", {16, 32, 64, 128}, {64, 64, 32, 32}, "output channels per tile"},
        {"parallel", {0, 1}, {0, 0, 0, 0}, "parallelize over rows m"},
    };
    return space;
}

void apply_mx_gemm_schedule(MxGemmFuncs f, const Knobs &knobs, const Target &target) {
    const int lanes = knobs.at("vec_lanes");
    Var n = f.output.args()[0], m = f.output.args()[1], no("no"), ni("ni");
    f.output.compute_root().split(n, no, ni, knobs.at("tile_n"), TailStrategy::GuardWithIf).reorder(ni, no, m);
    f.output.vectorize(ni, lanes, TailStrategy::GuardWithIf);
    if (knobs.at("parallel")) f.output.parallel(m);
    f.dot.compute_at(f.output, no).vectorize(f.dot.args()[0], lanes, TailStrategy::GuardWithIf);
    f.dot.update().vectorize(f.dot.args()[0], lanes, TailStrategy::GuardWithIf);
    f.block_sum.compute_at(f.output, no).reorder_storage(f.block_sum.args()[1], f.block_sum.args()[0], f.block_sum.args()[2]);
    f.block_sum.update().reorder(f.block_sum.args()[1], f.block_sum.rvars(0)[0], f.block_sum.args()[0])
        .vectorize(f.block_sum.args()[1], lanes, TailStrategy::GuardWithIf);
    f.a_code.compute_root();
    f.w_code.compute_root();
    f.a_nan.compute_root();
    f.w_nan.compute_root();
    (void)target;
}

}  // namespace lpgen
