// GEMV schedule for bit-serial GEMM (M = 1, the decode step of a language model or a fully
// connected layer): the weights are read once per call, as packed.
//
// The GEMM template stages the weights with n innermost (a copy of the whole matrix every call)
// so one vector holds words of consecutive outputs; a GEMV has one activation row to reuse
// against them, so that copy was most of its time. Here each output row's packed words lie along
// the vector lanes instead (contiguous in the packed layout): per step of vec_words words the
// activation vector is loaded once and ANDed with the same words of tile_n weight rows, the
// popcounts adding into tile_n x planes lane accumulators (rfactor of the word reduction); each
// row's lanes are summed once at the end.
#include "bitserial_gemm_schedule.h"

namespace lpgen {

using namespace Halide;

const KnobSpace &bitserial_gemv_knob_space() {
    //                 name         allowed          avx512 avx2 a64 a32
    static const KnobSpace space = {
        {"vec_words", {2, 4, 8}, {8, 4, 2, 2}, "uint64 words of one row per vector (lanes along K)"},
        {"tile_n", {1, 2, 4, 6, 8}, {4, 4, 4, 2}, "weight rows (outputs n) sharing one activation load"},
        {"unroll_k", {1, 2, 4}, {2, 2, 2, 1}, "unroll of the vector steps along K"},
        {"parallel", {0, 1}, {0, 0, 0, 0}, "parallelize over row tiles"},
    };
    return space;
}

namespace {

// `stage`'s reduction `r` split into vector lanes and folded through an intermediate (rfactor):
// the intermediate, whose update the caller schedules, and its reduction over the steps. Lanes
// past the reduction's extent are predicated off.
struct LanePartials {
    Func partial;
    RVar steps;
    Var lane;  // the intermediate's lane dimension
};
LanePartials lane_partials(Stage stage, RVar r, int lanes, const std::string &name) {
    RVar outer(name + "_ko"), lane(name + "_lane");
    Var u(name + "_u");
    stage.split(r, outer, lane, lanes, TailStrategy::GuardWithIf);
    return {stage.rfactor(lane, u), outer, u};
}

}  // namespace

void apply_bitserial_gemv_schedule(BitserialGemmFuncs f, const Knobs &knobs, const Target &target) {
    const int vec = knobs.at("vec_words");
    const int rows = knobs.at("tile_n");

    Func tiled = f.codes.defined() ? f.codes : f.output;
    Var n = tiled.args()[0], m = tiled.args()[1];
    Var no("no"), ni("ni");
    tiled.compute_root();
    auto tile = [&](Stage stage, TailStrategy tail) {
        stage.split(n, no, ni, rows, tail).reorder(ni, no, m).unroll(ni);
        if (knobs.at("parallel")) stage.parallel(no);
    };
    tile(tiled.specialize(f.n_extent >= rows), TailStrategy::ShiftInwards);
    tile(tiled, TailStrategy::GuardWithIf);

    f.core.compute_at(tiled, no).unroll(f.core.args()[0]);
    f.core.update().unroll(f.core.args()[0]);

    // plane_dot(ap, wp, n, m): each tile's rows and planes, from lane partials over the words.
    Var ap = f.plane_dot.args()[0], wp = f.plane_dot.args()[1], pn = f.plane_dot.args()[2];
    f.plane_dot.compute_at(tiled, no).unroll(pn);
    Stage fold = f.plane_dot.update();
    const LanePartials pd = lane_partials(fold, f.plane_dot.rvars(0)[0], vec, "pd");
    Func partial = pd.partial;
    fold.unroll(pn);
    const std::vector<Var> pv = {pd.lane, ap, wp, pn};
    const std::vector<RVar> pr = {pd.steps};  // the vector steps along K
    // Lanes innermost in storage too, so each accumulator is one whole vector (a register).
    partial.compute_at(tiled, no).reorder_storage(pd.lane, ap, wp, pn).vectorize(pv[0]).unroll(pv[3]);
    Stage steps = partial.update();
    if (f.fixed_bits) {
        // Every plane pair of every row in registers: one activation load per plane and step.
        steps.reorder(pv[0], pv[1], pv[2], pv[3], pr[0]).unroll(pv[1]).unroll(pv[2]);
    } else {
        // Runtime plane counts: one pass along K per plane pair, the tile's rows in registers
        // (each weight plane is read once per activation plane, from cache after the first).
        steps.reorder(pv[0], pv[3], pr[0], pv[2], pv[1]);
    }
    steps.vectorize(pv[0]).unroll(pv[3]);
    if (knobs.at("unroll_k") > 1) {
        RVar ko("pd_koo"), ki("pd_koi");
        steps.split(pr[0], ko, ki, knobs.at("unroll_k"), TailStrategy::GuardWithIf).unroll(ki);
    }

    // Offset corrections. w_sum (bipolar weights or a weight zero point) reads the tile's rows
    // right after plane_dot did, from cache, in lanes like plane_dot.
    f.w_sum.compute_at(tiled, no);
    LanePartials ws = lane_partials(f.w_sum.update(), f.w_sum.rvars(0)[0], vec, "ws");
    ws.partial.compute_at(tiled, no).reorder_storage(ws.lane, f.w_sum.args()[0]).vectorize(ws.lane);
    ws.partial.update().reorder(ws.lane, f.w_sum.args()[0]).vectorize(ws.lane);
    f.a_sum.compute_root();  // one row
    // The weights are read where they lie (no staging).
    if (f.codes.defined()) {
        f.output.compute_root();
        f.groups.compute_at(f.output, f.output.args().back()).vectorize(f.groups.args()[0], 8, TailStrategy::GuardWithIf);
    }
    (void)target;
}

}  // namespace lpgen
