// Register-blocked outer-product schedule for bit-serial GEMM.
//
// Per tile of (tile_vecs * vec_words) output channels n by tile_m rows m, the inner loop over
// the packed words kw broadcasts one activation word per row and ANDs it with a vector of weight
// words of consecutive n, adding popcounts into per-lane accumulators: no horizontal add ever
// runs inside the reduction. The weights are staged once per call with n innermost so the
// vector load is contiguous.
#include "bitserial_gemm_schedule.h"

#include <algorithm>

#include "register_tile.h"

namespace lpgen {

using namespace Halide;

const KnobSpace &bitserial_gemm_knob_space() {
    //                 name         allowed             avx512 avx2 a64 a32
    static const KnobSpace space = {
        {"vec_words", {2, 4, 8, 16}, {8, 4, 2, 2}, "uint64 words per vector (lanes of n)"},
        {"tile_vecs", {1, 2, 3, 4, 6, 8}, {4, 2, 2, 2}, "weight plane-vectors (n-vectors x wbits) per register tile"},
        {"tile_m", {1, 2, 4, 6, 8}, {4, 4, 4, 2}, "activation plane-rows (m x abits) per register tile"},
        {"unroll_k", {1, 2, 4}, {1, 1, 2, 1}, "unroll of the packed-word reduction"},
        {"rows_inner", {0, 1}, {0, 0, 0, 0}, "tile loop order: 0 walks n within a row tile (weights stream), 1 walks m within a column tile (activations stream)"},
        {"parallel", {0, 1}, {0, 0, 0, 0}, "parallelize over the outer tile loop"},
    };
    return space;
}

void apply_bitserial_gemm_schedule(BitserialGemmFuncs f, const Knobs &knobs, const Target &target) {
    // The register tile holds tile_m x tile_vecs accumulator vectors whatever the bit widths:
    // a kernel with fixed widths unrolls its planes inside the tile, so it spans fewer m and n.
    const int vec = knobs.at("vec_words");
    const int a_planes = f.fixed_bits ? f.a_planes : 1, w_planes = f.fixed_bits ? f.w_planes : 1;
    const RegisterTile fit = fit_register_tile(knobs.at("tile_m"), knobs.at("tile_vecs"), a_planes, w_planes);
    const int tile_n = vec * fit.vecs;
    const int tile_m = fit.rows;

    // The Func that holds (n, m) results: the output itself, or the codes before packing.
    Func tiled = f.codes.defined() ? f.codes : f.output;
    Var n = tiled.args()[0], m = tiled.args()[1];
    Var no("no"), mo("mo"), ni("ni"), mi("mi");

    auto tile = [&](Stage stage, int rows, TailStrategy tail) {
        stage.tile(n, m, no, mo, ni, mi, tile_n, rows, tail).vectorize(ni, vec).unroll(mi);
        if (knobs.at("rows_inner")) {
            stage.reorder(ni, mi, mo, no);
            if (knobs.at("parallel")) stage.parallel(no);
        } else {
            stage.reorder(ni, mi, no, mo);
            if (knobs.at("parallel")) stage.parallel(mo);
        }
    };
    Var innermost_tile = knobs.at("rows_inner") ? mo : no;  // the per-tile producers live here
    tiled.compute_root();
    // Whole tiles (the last one shifted inwards) keep every producer region a constant size, so
    // LLVM can hold the accumulators in registers. Fewer rows than a tile (GEMV, M = 1) take
    // one-row tiles; only N below a tile takes the guarded path.
    tile(tiled.specialize(f.n_extent >= tile_n && f.m_extent >= tile_m), tile_m, TailStrategy::ShiftInwards);
    if (tile_m > 1) tile(tiled.specialize(f.n_extent >= tile_n), 1, TailStrategy::ShiftInwards);
    tile(tiled, tile_m, TailStrategy::GuardWithIf);

    f.core.compute_at(tiled, innermost_tile).vectorize(n, vec).unroll(m);
    Stage combine = f.core.update();
    combine.reorder(n, m).vectorize(n, vec).unroll(m);

    Var ap = f.plane_dot.args()[0], wp = f.plane_dot.args()[1];
    Var pn = f.plane_dot.args()[2], pm = f.plane_dot.args()[3];
    f.plane_dot.compute_at(tiled, innermost_tile).reorder_storage(pn, pm, ap, wp).vectorize(pn, vec).unroll(pn).unroll(pm);
    Stage accumulate = f.plane_dot.update();
    RVar rk = f.plane_dot.rvars(0)[0];
    Var pno("pno");
    if (f.fixed_bits) {
        // Planes unrolled inside the tile: one broadcast and one vector load serve every plane pair.
        accumulate.reorder(pn, pm, ap, wp, rk).unroll(ap).unroll(wp);
    } else {
        // Runtime widths: one pass over K per plane pair, each with the tile in registers.
        accumulate.reorder(pn, pm, rk, ap, wp);
    }
    accumulate.split(pn, pno, pn, vec).vectorize(pn).unroll(pno).unroll(pm);
    if (knobs.at("unroll_k") > 1) {
        RVar rko("rko"), rki("rki");
        accumulate.split(rk, rko, rki, knobs.at("unroll_k"), TailStrategy::GuardWithIf).unroll(rki);
    }

    // Weights staged with n innermost: one contiguous vector load per (kw, plane, n-vector).
    Func staged = f.weights;
    staged.compute_root()
        .reorder_storage(staged.args()[2], staged.args()[0], staged.args()[1])
        .reorder(staged.args()[2], staged.args()[0], staged.args()[1]);

    // Offset corrections, once per call, vectorized: over n (the staged weights' inner axis) and
    // over m (a strided read). On short calls (a 1x1 conv of a 7x7 image) a scalar w_sum cost a
    // quarter of the call.
    auto vectorized_sum = [&](Func sum, int lanes) {
        Var v = sum.args()[0];
        std::vector<RVar> r = sum.rvars(0);
        sum.compute_root().vectorize(v, lanes, TailStrategy::GuardWithIf);
        sum.update().reorder(v, r[0], r[1]).vectorize(v, lanes, TailStrategy::GuardWithIf);
    };
    vectorized_sum(f.a_sum, vec);
    vectorized_sum(f.w_sum, vec * 2);
    if (f.codes.defined()) {
        f.output.compute_root();
        f.groups.compute_at(f.output, f.output.args().back()).vectorize(f.groups.args()[0], 8, TailStrategy::GuardWithIf);
    }
    (void)target;
}

bool bitserial_gemm_knobs_fit(const Knobs &k, Profile profile) {
    return tile_fits(profile, k.at("tile_m"), k.at("tile_vecs"), 64 * k.at("vec_words"));
}

}  // namespace lpgen
