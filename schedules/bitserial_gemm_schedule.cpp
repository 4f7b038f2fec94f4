// Register-blocked outer-product schedule for bit-serial GEMM.
//
// Per tile of (tile_vecs * vec_words) output channels n by tile_m rows m, the inner loop over
// the packed words kw broadcasts one activation word per row and ANDs it with a vector of weight
// words of consecutive n, adding popcounts into per-lane accumulators: no horizontal add ever
// runs inside the reduction. The weights are staged once per call with n innermost so the
// vector load is contiguous.
#include "bitserial_gemm_schedule.h"

namespace lpgen {

using namespace Halide;

const KnobSpace &bitserial_gemm_knob_space() {
    //                 name         allowed             avx512 avx2 a64 a32
    static const KnobSpace space = {
        {"vec_words", {2, 4, 8, 16}, {8, 4, 2, 2}, "uint64 words per vector (lanes of n)"},
        {"tile_vecs", {1, 2, 3, 4, 6}, {3, 2, 2, 2}, "vectors of n per register tile"},
        {"tile_m", {1, 2, 4, 6, 8}, {4, 4, 4, 2}, "rows of m per register tile"},
        {"unroll_k", {1, 2, 4}, {1, 1, 2, 1}, "unroll of the packed-word reduction"},
        {"parallel", {0, 1}, {0, 0, 0, 0}, "parallelize over row tiles"},
    };
    return space;
}

void apply_bitserial_gemm_schedule(BitserialGemmFuncs f, const Knobs &knobs, const Target &target) {
    const int vec = knobs.at("vec_words");
    const int tile_n = vec * knobs.at("tile_vecs");
    const int tile_m = knobs.at("tile_m");

    // The Func that holds (n, m) results: the output itself, or the codes before packing.
    Func tiled = f.codes.defined() ? f.codes : f.output;
    Var n = tiled.args()[0], m = tiled.args()[1];
    Var no("no"), mo("mo"), ni("ni"), mi("mi");

    tiled.compute_root()
        .tile(n, m, no, mo, ni, mi, tile_n, tile_m, TailStrategy::GuardWithIf)
        .reorder(ni, mi, no, mo)
        .vectorize(ni, vec)
        .unroll(mi);
    if (knobs.at("parallel")) tiled.parallel(mo);

    f.core.compute_at(tiled, no).vectorize(n, vec).unroll(m);
    Stage combine = f.core.update();
    combine.reorder(n, m).vectorize(n, vec).unroll(m);

    Var ap = f.plane_dot.args()[0], wp = f.plane_dot.args()[1];
    Var pn = f.plane_dot.args()[2], pm = f.plane_dot.args()[3];
    f.plane_dot.compute_at(tiled, no).vectorize(pn, vec).unroll(pn).unroll(pm);
    Stage accumulate = f.plane_dot.update();
    RVar rk = f.plane_dot.rvars(0)[0];
    Var pno("pno");
    accumulate.reorder(pn, pm, ap, wp, rk).split(pn, pno, pn, vec).vectorize(pn).unroll(pno).unroll(pm);
    if (f.fixed_bits) accumulate.unroll(ap).unroll(wp);
    if (knobs.at("unroll_k") > 1) {
        RVar rko("rko"), rki("rki");
        accumulate.split(rk, rko, rki, knobs.at("unroll_k"), TailStrategy::GuardWithIf).unroll(rki);
    }

    // Weights staged with n innermost: one contiguous vector load per (kw, plane, n-vector).
    Func staged = f.weights;
    staged.compute_root()
        .reorder_storage(staged.args()[2], staged.args()[0], staged.args()[1])
        .reorder(staged.args()[2], staged.args()[0], staged.args()[1]);

    f.a_sum.compute_root();
    f.w_sum.compute_root();
    if (f.codes.defined()) f.output.compute_root();
    (void)target;
}

}  // namespace lpgen
