#include "lowbit_gemv_schedule.h"

#include <algorithm>

#include "mx_gemm_schedule.h"

namespace lpgen {

using namespace Halide;

const KnobSpace &lowbit_gemv_knob_space() {
    //                 name         allowed           avx512 avx2 a64 a32
    static const KnobSpace space = {
        {"vec_lanes", {4, 8, 16}, {16, 8, 4, 4}, "int32 lanes (outputs along n) per vector"},
        {"tile_vecs", {1, 2, 4}, {4, 4, 4, 2}, "vectors of n computed together (at most the 64 of a tile)"},
    };
    return space;
}

namespace {

// Per segment: each vector of packed bytes loaded once, every field position's AND and
// vpdpbusd on it (fours of k innermost, atomic), one accumulator per position and vector. At
// most 16 accumulators at a time (half the AVX-512 registers): 1-bit fields, 8 positions, take
// the columns two vectors at a time (all 4 at once spilled 30 registers per block).
void schedule_place_sums(Func place_sum, const LoopLevel &at, int lanes, int width, int positions) {
    Var n = place_sum.args()[0], p = place_sum.args()[1], m = place_sum.args()[3], no("no"), nc("nc");
    const std::vector<RVar> r = place_sum.rvars(0);  // k in a four, bytes of a block, blocks
    const int chunk = std::min(width, lanes * std::max(1, 16 / positions));
    place_sum.compute_at(at).vectorize(n, lanes).unroll(p).unroll(m);
    place_sum.update()
        .split(n, nc, n, chunk)
        .split(n, no, n, lanes)
        .reorder(r[0], n, no, p, m, r[1], r[2], nc)
        .atomic()
        .vectorize(r[0])
        .vectorize(n)
        .unroll(no)
        .unroll(p)
        .unroll(m)
        .unroll(r[1]);
}

}  // namespace

void apply_lowbit_gemv_schedule(LowbitGemvFuncs f, const Knobs &knobs, const Target &target) {
    const int lanes = knobs.at("vec_lanes"), width = lanes * knobs.at("tile_vecs");
    Var n = f.output.args()[0], m = f.output.args()[1], no("no"), ni("ni");
    // Rows outermost (a few), then tiles; the last tile guarded (the runtime pads the weights
    // to whole tiles, not the output).
    f.output.compute_root()
        .split(n, no, ni, kLowbitGemvTile, TailStrategy::GuardWithIf)
        .reorder(ni, no, m)
        .vectorize(ni, lanes, TailStrategy::GuardWithIf);

    // Per tile: `width` columns at a time, blocks in order inside, the sums in registers.
    Var dn = f.dot.args()[0], dm = f.dot.args()[1], dw("dw"), dv("dv");
    RVar rb = f.dot.rvars(0)[0];
    f.dot.compute_at(f.output, no).vectorize(dn, lanes);
    f.dot.update()
        .split(dn, dw, dn, width)
        .split(dn, dv, dn, lanes)
        .reorder(dn, dv, dm, rb, dw)
        .vectorize(dn)
        .unroll(dv);
    // The block sums as the MX int8 kernels schedule theirs: fours of k innermost (vpdpbusd),
    // or AVX2's pair sums and ARM's lane sums.
    if (f.place_sum.defined()) {
        schedule_place_sums(f.place_sum, LoopLevel(f.dot, rb), lanes, width, f.fields_per_byte);
    } else {
        MxBlockFuncs sums{f.output, f.dot, f.block_sum, f.pair_sum, f.lane_sum, Halide::Func(), {}};
        schedule_block_sums(sums, LoopLevel(f.dot, rb), 4, lanes);
    }
    Var ab = f.a_sum.args()[0];
    f.a_sum.compute_root().vectorize(ab, 8, TailStrategy::GuardWithIf);
    f.a_sum.update().unscheduled();  // serial over each segment's k: about 1% of a GEMV's time
    (void)target;
}

}  // namespace lpgen
