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

const KnobSpace &mx_gemm_i16_knob_space() {
    //                 name         allowed           avx512 avx2 a64 a32
    static const KnobSpace space = {
        {"vec_lanes", {4, 8, 16}, {16, 8, 4, 4}, "int32 lanes (outputs along n) per vector"},
        {"tile_vecs", {1, 2, 3, 4}, {3, 2, 2, 2}, "vectors of n per register tile"},
        {"tile_m", {1, 2, 4, 6}, {4, 4, 2, 2}, "rows of m per register tile"},
        {"parallel", {0, 1}, {0, 0, 0, 0}, "parallelize over column tiles"},
    };
    return space;
}

void apply_mx_gemm_i16_schedule(MxGemmI16Funcs f, const Knobs &knobs, const Target &target) {
    const int lanes = knobs.at("vec_lanes"), tile_n = lanes * knobs.at("tile_vecs"), tile_m = knobs.at("tile_m");
    Var n = f.output.args()[0], m = f.output.args()[1], no("no"), mo("mo"), ni("ni"), mi("mi");
    OutputImageParam out = f.output.output_buffer();
    auto tile = [&](Stage stage, int rows, TailStrategy tail) {
        // Rows innermost: one column tile of weights (tile_n x K int16) stays in cache while every
        // row tile streams past it; with n innermost all of W is re-read per row tile and the
        // kernel runs at L3 bandwidth (140 GOPS at 1024^3 here).
        stage.tile(n, m, no, mo, ni, mi, tile_n, rows, tail).reorder(ni, mi, mo, no).vectorize(ni, lanes).unroll(mi);
        if (knobs.at("parallel")) stage.parallel(no);
    };
    f.output.compute_root();
    // Whole tiles keep the per-tile regions constant-sized (accumulators in registers); other
    // shapes, GEMV among them, take one-row guarded tiles.
    tile(f.output.specialize(out.dim(0).extent() >= tile_n && out.dim(1).extent() >= tile_m), tile_m,
         TailStrategy::ShiftInwards);
    tile(f.output, 1, TailStrategy::GuardWithIf);

    // Per tile: the fp32 sums in registers, blocks in order; each block's int32 dot products
    // computed right where they are added.
    Var dn = f.dot.args()[0], dm = f.dot.args()[1], dno("dno");
    f.dot.compute_at(f.output, mo).vectorize(dn, lanes).unroll(dm);
    RVar rb = f.dot.rvars(0)[0];
    f.dot.update().reorder(dn, dm, rb).split(dn, dno, dn, lanes).vectorize(dn).unroll(dno).unroll(dm);

    Var bn = f.block_sum.args()[0], bb = f.block_sum.args()[1], bm = f.block_sum.args()[2], bno("bno");
    RVar i = f.block_sum.rvars(0)[0], ip("ip"), kk("kk");
    f.block_sum.compute_at(f.dot, rb).vectorize(bn, lanes).unroll(bm);
    f.block_sum.update()
        .split(i, ip, kk, 2)
        .reorder(kk, bn, bm, bb, ip)
        .split(bn, bno, bn, lanes)
        .atomic()
        .vectorize(kk)
        .vectorize(bn)
        .unroll(bno)
        .unroll(bm)
        .unroll(ip);
    f.w_pairs.compute_root();
    f.a_exp.compute_root();
    f.w_exp.compute_root().vectorize(f.w_exp.args()[0], lanes, TailStrategy::GuardWithIf);
    (void)target;
}

void apply_mx_decode_i16_schedule(Func values, Func nan, Func code, const Expr &bits, const Target &target) {
    // One code path per element width: the unpacking simplifies to plain shifts of dense loads.
    const int lanes = target.natural_vector_size<int16_t>();
    values.compute_root();
    nan.compute_root();
    for (int width : {4, 6, 8}) {
        values.specialize(bits == width).vectorize(values.args()[0], lanes, TailStrategy::GuardWithIf);
        nan.specialize(bits == width);
    }
    values.specialize_fail("MX element width must be 4, 6 or 8 bits");
    nan.specialize_fail("MX element width must be 4, 6 or 8 bits");
    (void)code;  // inline: both outputs read it
}

}  // namespace lpgen
