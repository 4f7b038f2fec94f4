// Register-blocked schedule for bit-serial conv2d: a tile of tile_x output pixels by
// (tile_vecs * vec_words) output channels keeps its popcount accumulators in registers while the
// window (ky, kx, cw) streams by. Each activation word is broadcast once and reused for every
// channel vector; the weights are staged once per call with oc innermost.
#include "bitserial_conv2d_schedule.h"

#include <algorithm>

#include "register_tile.h"

namespace lpgen {

using namespace Halide;

const KnobSpace &bitserial_conv2d_knob_space() {
    //                 name         allowed             avx512 avx2 a64 a32
    static const KnobSpace space = {
        {"vec_words", {2, 4, 8, 16}, {8, 4, 2, 2}, "uint64 words per vector (lanes of oc)"},
        {"tile_vecs", {1, 2, 3, 4, 6, 8}, {4, 2, 2, 2}, "weight plane-vectors (oc-vectors x wbits) per register tile"},
        {"tile_x", {1, 2, 4, 6, 8}, {4, 4, 4, 2}, "activation plane-pixels (x x abits) per register tile"},
        {"unroll_c", {1, 2}, {1, 1, 1, 1}, "unroll of the channel-word reduction"},
        {"pixels_inner", {0, 1}, {0, 0, 0, 0}, "tile loop order: 0 walks channels within a pixel tile, 1 walks pixels within a channel tile"},
        {"pad_once", {0, 1}, {1, 1, 1, 1}, "copy the activations with their zero border once per call (1) or test the border on every load (0)"},
        {"parallel", {0, 1}, {0, 0, 0, 0}, "parallelize over output rows"},
    };
    return space;
}

void apply_bitserial_conv2d_schedule(BitserialConv2dFuncs f, const Knobs &knobs, const Target &target) {
    // As in the GEMM schedule, the tile counts accumulator vectors: fixed-width kernels unroll
    // their planes inside it and so span fewer pixels and channels.
    const int vec = knobs.at("vec_words");
    const int a_planes = f.fixed_bits ? f.a_planes : 1, w_planes = f.fixed_bits ? f.w_planes : 1;
    const RegisterTile fit = fit_register_tile(knobs.at("tile_x"), knobs.at("tile_vecs"), a_planes, w_planes);
    const int tile_oc = vec * fit.vecs;
    const int tile_x = fit.rows;

    Func tiled = f.codes.defined() ? f.codes : f.output;
    Var oc = tiled.args()[0], x = tiled.args()[1], y = tiled.args()[2], b = tiled.args()[3];
    Var oco("oco"), xo("xo"), oci("oci"), xi("xi");
    auto tile = [&](Stage stage, TailStrategy tail) {
        stage.tile(oc, x, oco, xo, oci, xi, tile_oc, tile_x, tail).vectorize(oci, vec).unroll(xi);
        if (knobs.at("pixels_inner")) {
            stage.reorder(oci, xi, xo, oco, y, b);
        } else {
            stage.reorder(oci, xi, oco, xo, y, b);
        }
        if (knobs.at("parallel")) stage.parallel(y);
    };
    Var innermost_tile = knobs.at("pixels_inner") ? xo : oco;  // the per-tile producers live here
    tiled.compute_root();
    // Whole tiles keep producer regions constant-sized (accumulators stay in registers); only
    // outputs narrower than a tile take the guarded path.
    tile(tiled.specialize(f.oc_extent >= tile_oc && f.x_extent >= tile_x), TailStrategy::ShiftInwards);
    tile(tiled, TailStrategy::GuardWithIf);

    f.core.compute_at(tiled, innermost_tile).vectorize(f.core.args()[0], vec);
    f.core.update().vectorize(f.core.args()[0], vec);

    Var ap = f.plane_dot.args()[0], wp = f.plane_dot.args()[1];
    Var poc = f.plane_dot.args()[2], px = f.plane_dot.args()[3];
    f.plane_dot.compute_at(tiled, innermost_tile).reorder_storage(poc, px, ap, wp).vectorize(poc, vec);
    Stage accumulate = f.plane_dot.update();
    std::vector<RVar> r = f.plane_dot.rvars(0);  // cw, kx, ky
    Var poco("poco");
    if (f.fixed_bits) {
        accumulate.reorder(poc, px, ap, wp, r[0], r[1], r[2]).unroll(ap).unroll(wp);
    } else {
        accumulate.reorder(poc, px, r[0], r[1], r[2], ap, wp);
    }
    accumulate.split(poc, poco, poc, vec).vectorize(poc).unroll(poco).unroll(px);
    if (knobs.at("unroll_c") > 1) {
        RVar co("co"), ci("ci");
        accumulate.split(r[0], co, ci, knobs.at("unroll_c"), TailStrategy::GuardWithIf).unroll(ci);
    }

    // A padded copy costs one pass over the packed activations (a few words per pixel) and
    // takes the border test out of the inner loop.
    if (knobs.at("pad_once")) f.activations.compute_root();

    Func staged = f.weights;
    std::vector<Var> w = staged.args();  // cw, plane, kx, ky, oc
    staged.compute_root().reorder_storage(w[4], w[0], w[1], w[2], w[3]).reorder(w[4], w[0], w[1], w[2], w[3]);

    // Offset corrections: the activations' window sums once per output row (every channel
    // tile reuses them), the weights' per-class table once per call. Empty loops when the
    // offsets are 0.
    Var ax = f.a_sum.args()[0];
    f.a_sum.compute_at(tiled, y).vectorize(ax, vec, TailStrategy::GuardWithIf);
    std::vector<RVar> ra = f.a_sum.rvars(0);  // cw, plane, kx, ky: outside the pixels, vectorized
    f.a_sum.update().reorder(ax, ra[0], ra[1], ra[2], ra[3]).vectorize(ax, vec, TailStrategy::GuardWithIf);
    // Per-tap weight sums with the channels innermost, as the table that reads them is vectorized.
    std::vector<Var> wt = f.w_tap.args();  // kx, ky, oc
    f.w_tap.compute_root().reorder_storage(wt[2], wt[0], wt[1]).reorder(wt[2], wt[0], wt[1]);
    f.w_tap.vectorize(wt[2], vec * 2, TailStrategy::GuardWithIf);
    std::vector<RVar> rt = f.w_tap.rvars(0);  // cw, plane
    f.w_tap.update().reorder(wt[2], rt[0], rt[1], wt[0], wt[1]).vectorize(wt[2], vec * 2, TailStrategy::GuardWithIf);
    std::vector<Var> t = f.offsets.args();  // oc, class_x, class_y
    f.offsets.compute_root().bound(t[1], 0, f.x_classes).bound(t[2], 0, f.y_classes);
    f.offsets.vectorize(t[0], vec * 2, TailStrategy::GuardWithIf);
    f.offsets.update().vectorize(t[0], vec * 2, TailStrategy::GuardWithIf);
    if (f.codes.defined()) {
        f.output.compute_root();
        f.groups.compute_at(f.output, f.output.args().back()).vectorize(f.groups.args()[0], 8, TailStrategy::GuardWithIf);
    }
    (void)target;
}

bool bitserial_conv2d_knobs_fit(const Knobs &k, Profile profile) {
    return tile_fits(profile, k.at("tile_x"), k.at("tile_vecs"), 64 * k.at("vec_words"));
}

}  // namespace lpgen
