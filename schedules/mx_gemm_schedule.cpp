// Generic MX GEMM schedule: elements decoded once per call; outputs in register tiles of
// (vec_lanes * tile_vecs) n by tile_m m, vectorized across n (each lane one output, so the
// fixed summation order of every output is kept). Per tile, the fp32 sums stay in registers
// across the blocks, and each block's 32 products run unrolled into the tile's block sums, also
// in registers: one broadcast activation and one vector of weights per product row.
#include "mx_gemm_schedule.h"

namespace lpgen {

using namespace Halide;

const KnobSpace &mx_gemm_knob_space() {
    //                 name         allowed           avx512 avx2 a64 a32
    static const KnobSpace space = {
        {"vec_lanes", {4, 8, 16}, {16, 8, 4, 4}, "outputs (lanes of n) per vector"},
        {"tile_vecs", {1, 2}, {1, 1, 2, 1}, "vectors of n per register tile"},
        {"tile_m", {1, 2, 4, 6, 8}, {4, 4, 2, 2}, "rows of m per register tile"},
        {"parallel", {0, 1}, {0, 0, 0, 0}, "parallelize over row tiles"},
    };
    return space;
}

void apply_mx_gemm_schedule(MxGemmFuncs f, const Knobs &knobs, const Target &target) {
    const int lanes = knobs.at("vec_lanes"), vecs = knobs.at("tile_vecs"), rows = knobs.at("tile_m");
    const int tile_n = lanes * vecs;
    Var n = f.output.args()[0], m = f.output.args()[1], no("no"), mo("mo"), ni("ni"), mi("mi");
    OutputImageParam out = f.output.output_buffer();
    auto tile = [&](Stage stage, int tile_rows, TailStrategy tail) {
        stage.tile(n, m, no, mo, ni, mi, tile_n, tile_rows, tail).reorder(ni, mi, no, mo);
        stage.vectorize(ni, lanes, TailStrategy::GuardWithIf).unroll(mi);
        if (knobs.at("parallel")) stage.parallel(mo);
    };
    f.output.compute_root();
    // Whole tiles (the last shifted inwards) where the output has them; else guarded ones.
    tile(f.output.specialize(out.dim(0).extent() >= tile_n && out.dim(1).extent() >= rows), rows,
         TailStrategy::ShiftInwards);
    if (rows > 1) tile(f.output.specialize(out.dim(0).extent() >= tile_n), 1, TailStrategy::ShiftInwards);
    tile(f.output, 1, TailStrategy::GuardWithIf);

    // Each block's sums are computed right where they are added: n-vectors x m rows, the
    // block's 32 products unrolled inside. (Computing every block's sums of the tile first kept
    // them in a stack array; MXFP8 1024^3 on a Zen 4 ran 1.05-1.17x slower.)
    Var dn = f.dot.args()[0], dm = f.dot.args()[1];
    RVar rb = f.dot.rvars(0)[0];
    f.dot.compute_at(f.output, no).vectorize(dn, lanes, TailStrategy::GuardWithIf);
    f.dot.update()
        .reorder(dn, dm, rb)
        .vectorize(dn, lanes, TailStrategy::GuardWithIf)
        .unroll(dn, vecs, TailStrategy::GuardWithIf)
        .unroll(dm, rows, TailStrategy::GuardWithIf);
    Var bb = f.block_sum.args()[0], bn = f.block_sum.args()[1], bm = f.block_sum.args()[2];
    RVar i = f.block_sum.rvars(0)[0];
    f.block_sum.compute_at(f.dot, rb).reorder_storage(bn, bm, bb);
    f.block_sum.reorder(bn, bm, bb).vectorize(bn, lanes, TailStrategy::GuardWithIf);
    f.block_sum.update()
        .reorder(bn, bm, i, bb)
        .vectorize(bn, lanes, TailStrategy::GuardWithIf)
        .unroll(bn, vecs, TailStrategy::GuardWithIf)
        .unroll(bm, rows, TailStrategy::GuardWithIf)
        .unroll(i);
    f.a_value.compute_root();
    f.a_nan.compute_root();
    // w_value and w_nan stay inline: the runtime's decoded weights are n-innermost already.
    (void)target;
}

namespace {

// The register-tile space both fast paths share (their tiles differ only in the dot width).
// On ARM the sums of a tile vector are two vectors of lanes (schedule_lane_sums). arm64: llvm-mca's
// A53 model puts 4 vectors x 2 rows at 3.1 products per cycle for int8 (2.4 at 2 x 2) and 1.28
// for int16 (1.02). ARMv7 has 16 NEON registers: 2 vectors x 1 row is the int16 tile that
// does not spill (0.32 instructions per product; 2 x 2: 0.69, with 373 stack accesses per block).
const KnobSpace &block_tile_knob_space() {
    //                 name         allowed           avx512 avx2 a64 a32
    static const KnobSpace space = {
        {"vec_lanes", {4, 8, 16}, {16, 8, 4, 4}, "int32 lanes (outputs along n) per vector"},
        {"tile_vecs", {1, 2, 3, 4}, {2, 2, 4, 2}, "vectors of n per register tile"},
        {"tile_m", {1, 2, 4, 6}, {4, 4, 2, 1}, "rows of m per register tile"},
        {"parallel", {0, 1}, {0, 0, 0, 0}, "parallelize over column tiles"},
        {"pack_weights", {0, 1}, {1, 1, 1, 1}, "copy each column tile's weights to a dense buffer first"},
    };
    return space;
}

// The same with activations in two int16 planes, each a row of the tile: half the rows of m
// (and on ARMv7 one vector: 0.60 instructions per product, 2 vectors 0.86).
const KnobSpace &split_block_tile_knob_space() {
    static const KnobSpace space = [] {
        KnobSpace s = block_tile_knob_space();
        for (KnobSpec &spec : s) {
            //                                 allowed    avx512 avx2 a64 a32
            if (spec.name == "tile_m") spec = {"tile_m", {1, 2, 3}, {2, 2, 1, 1},
                                               "rows of m per register tile (two rows of planes each)"};
            if (spec.name == "tile_vecs") spec.defaults[static_cast<int>(Profile::Arm32A53)] = 1;
        }
        return s;
    }();
    return space;
}

// Both operands as lo and hi, the kernel adding lo + hi: three rows of planes per row of m.
// AVX2 takes two rows of two vectors: Zen 3, MXFP8 1024^3, tuned over 24 tiles, 95 ms, against
// 109 for one row (it spills either way; 16 registers); ARM two vectors of n (each two vectors
// of lane sums per plane row).
const KnobSpace &fp8_block_tile_knob_space() {
    static const KnobSpace space = [] {
        KnobSpace s = block_tile_knob_space();
        for (KnobSpec &spec : s) {
            //                                 allowed    avx512 avx2 a64 a32
            if (spec.name == "tile_m") spec = {"tile_m", {1, 2}, {2, 2, 1, 1},
                                               "rows of m per register tile (three rows of planes each)"};
            if (spec.name == "tile_vecs") {
                spec.defaults[static_cast<int>(Profile::Arm64A53)] = 2;
                spec.defaults[static_cast<int>(Profile::Arm32A53)] = 1;
            }
        }
        return s;
    }();
    return space;
}

// vpmaddubsw pair sums (n, p, m), each computed where it is added (`at`: per vector and row)
// and kept in a register, k-pairs innermost so the reduction reads whole vectors.
void schedule_pair_sums(Func pair_sum, const LoopLevel &at, int lanes) {
    Var pn = pair_sum.args()[0], pp = pair_sum.args()[1], pm = pair_sum.args()[2], pno("pno");
    RVar k2 = pair_sum.rvars(0)[0];
    pair_sum.compute_at(at).reorder_storage(pp, pn, pm).store_in(MemoryType::Register);
    pair_sum.reorder(pp, pn, pm).vectorize(pp).split(pn, pno, pn, lanes).vectorize(pn).unroll(pno).unroll(pm);
    // The saturating sum is exact here (see the generator), so its order may change.
    pair_sum.update()
        .reorder(k2, pp, pn, pm)
        .atomic(true)
        .vectorize(k2)
        .vectorize(pp)
        .split(pn, pno, pn, lanes)
        .vectorize(pn)
        .unroll(pno)
        .unroll(pm);
}

// Block sums from int16 lane sums (ARM's smlal; x86's narrow pairs16): per block, each lane
// adds its products (or vpmaddubsw pair sums, computed right where they are added) at one
// position of the groups of k for the whole tile, groups outermost so that one activation load
// serves every vector of a row and one weight load every row; then the lanes of each output are
// added (saddlp/addp; vpmaddwd).
void schedule_lane_sums(Func block_sum, Func lane_sum, Func pair_sum, const LoopLevel &at, int lanes) {
    Var bn = block_sum.args()[0], bm = block_sum.args()[2], bno("bno");
    const std::vector<RVar> r = block_sum.rvars(0);  // the lanes, then a segment's blocks if any
    block_sum.compute_at(at).vectorize(bn, lanes).unroll(bm);
    Stage sum = block_sum.update();
    if (r.size() > 1) sum.reorder(r[0], bn, bm, r[1]);
    else sum.reorder(r[0], bn, bm);
    sum.split(bn, bno, bn, lanes).atomic().vectorize(r[0]).vectorize(bn).unroll(bno).unroll(bm);
    Var ln = lane_sum.args()[0], lk = lane_sum.args()[1], lb = lane_sum.args()[2], lm = lane_sum.args()[3];
    Var lno("lno");
    RVar g = lane_sum.rvars(0)[0];
    // One block's lane sums at a time: per block of a segment where the sums have them.
    lane_sum.compute_at(r.size() > 1 ? LoopLevel(block_sum, r[1]) : at).reorder_storage(lk, ln, lm, lb);
    lane_sum.reorder(lk, ln, lm, lb).vectorize(lk).split(ln, lno, ln, lanes).vectorize(ln).unroll(lno).unroll(lm);
    lane_sum.update()
        .reorder(lk, ln, lm, lb, g)
        .vectorize(lk)
        .split(ln, lno, ln, lanes)
        .vectorize(ln)
        .unroll(lno)
        .unroll(lm)
        .unroll(g);
    if (pair_sum.defined()) schedule_pair_sums(pair_sum, LoopLevel(lane_sum, lno), lanes);
}

}  // namespace

// One block's integer dot products, computed at `at`: lanes along n, `group` products per
// 32-bit lane (pairs: vpdpwssd/pmaddwd; quads: vpdpbusd), the 32 elements unrolled. With
// `pair_sum` defined, each group of four is two int16 pair sums (vpmaddubsw) added in pairs
// (vpmaddwd); each is computed right where it is added (per group, row and vector of the tile:
// computing a group's pair sums for the whole tile first held 8 more registers than AVX2 has,
// and spilled the int32 sums 32 times per block), k-pairs innermost so both reductions read
// whole vectors, and kept in registers. ARM's lane sums where the funcs have them.
void schedule_block_sums(const MxBlockFuncs &f, const LoopLevel &at, int group, int lanes) {
    if (f.lane_sum.defined()) return schedule_lane_sums(f.block_sum, f.lane_sum, f.pair_sum, at, lanes);
    Func block_sum = f.block_sum, pair_sum = f.pair_sum;
    Var bn = block_sum.args()[0], bb = block_sum.args()[1], bm = block_sum.args()[2], bno("bno");
    const std::vector<RVar> r = block_sum.rvars(0);  // k in a block, then a segment's blocks if any
    RVar i = r[0], ig("ig"), kk("kk");
    if (pair_sum.defined()) group = 2;  // the block sum adds pairs of pair sums
    block_sum.compute_at(at).vectorize(bn, lanes).unroll(bm);
    Stage sum = block_sum.update();
    sum.split(i, ig, kk, group);
    if (r.size() > 1) sum.reorder(kk, bn, bm, bb, ig, r[1]);  // a segment's blocks outermost
    else sum.reorder(kk, bn, bm, bb, ig);
    sum.split(bn, bno, bn, lanes)
        .atomic()
        .vectorize(kk)
        .vectorize(bn)
        .unroll(bno)
        .unroll(bm)
        .unroll(ig);
    if (!pair_sum.defined()) return;
    schedule_pair_sums(pair_sum, LoopLevel(block_sum, bno), lanes);
}

namespace {

// Copies a column tile's weights, and their per-block data, into dense buffers before its rows
// run (the packed B panel of BLIS-style GEMMs). In the runtime's layout the tile's rows of k lie
// N * 4 bytes apart: at N = 1024 all of them fall into one L1 set, so the tile, which fits L1,
// is fetched again for every row tile. MXFP4 1024^3 on a Zen 3: 1.2 to 1.4 times as fast.
void pack_column_tile(const MxBlockFuncs &f, const LoopLevel &at, int lanes) {
    Func weights = Func(f.weights).in();
    weights.compute_at(at).vectorize(weights.args()[0]).vectorize(weights.args()[1], lanes);
    for (Func per_block : f.weight_blocks) {
        Func packed = per_block.in();
        packed.compute_at(at).vectorize(packed.args()[0], lanes);
    }
}

// Register tiles of tile_m rows x tile_vecs vectors of n; per tile the fp32 sums stay in
// registers, blocks in order, and each block's integer dot products are computed right where
// they are added, `group` products per 32-bit lane (pairs: vpdpwssd/pmaddwd; quads: vpdpbusd).
void schedule_block_tiles(const MxBlockFuncs &f, int group, const Knobs &knobs) {
    Func output = f.output, dot = f.dot;
    const int lanes = knobs.at("vec_lanes"), tile_n = lanes * knobs.at("tile_vecs"), tile_m = knobs.at("tile_m");
    Var n = output.args()[0], m = output.args()[1], no("no"), mo("mo"), ni("ni"), mi("mi");
    OutputImageParam out = output.output_buffer();
    auto tile = [&](Stage stage, int rows, TailStrategy tail) {
        // Rows innermost: one column tile of weights (tile_n x K) stays in cache while every row
        // tile streams past it; with n innermost all of W is re-read per row tile and the kernel
        // runs at L3 bandwidth (int16: 140 GOPS at 1024^3 here, against 164).
        stage.tile(n, m, no, mo, ni, mi, tile_n, rows, tail).reorder(ni, mi, mo, no).vectorize(ni, lanes).unroll(mi);
        if (knobs.at("parallel")) stage.parallel(no);
    };
    Var dn = dot.args()[0], dm = dot.args()[1], dno("dno");
    RVar rb = dot.rvars(0)[0];
    output.compute_root();
    // Whole tiles keep the per-tile regions constant-sized (accumulators in registers): the
    // caller never passes fewer than 64 columns (it pads), and one-row whole tiles serve fewer
    // rows than a tile.
    Expr wide = out.dim(0).extent() >= tile_n;
    tile(output.specialize(wide && out.dim(1).extent() >= tile_m), tile_m, TailStrategy::ShiftInwards);
    tile(output.specialize(wide), 1, TailStrategy::ShiftInwards);
    output.specialize_fail("this MX kernel needs at least 64 output columns (the runtime pads)");

    if (knobs.at("pack_weights")) pack_column_tile(f, LoopLevel(output, no), lanes);
    dot.compute_at(output, mo).vectorize(dn, lanes).unroll(dm);
    dot.update().reorder(dn, dm, rb).split(dn, dno, dn, lanes).vectorize(dn).unroll(dno).unroll(dm);
    schedule_block_sums(f, LoopLevel(dot, rb), group, lanes);
}

// Per column tile of the GEMV: one block's sums for every row, `group` products per lane.
void schedule_block_gemv(MxBlockFuncs f, int group, const Knobs &knobs) {
    const int lanes = knobs.at("vec_lanes"), tile_n = lanes * knobs.at("tile_vecs");
    Var n = f.output.args()[0];
    f.output.compute_root().vectorize(n, lanes, TailStrategy::GuardWithIf);
    // The sums are rounded up to whole tiles (the runtime pads the weights' columns), so every
    // step has the same shape.
    Var dn = f.dot.args()[0], dm = f.dot.args()[1], no("no"), ni("ni"), nv("nv");
    RVar rb = f.dot.rvars(0)[0];
    f.dot.compute_root().vectorize(dn, lanes, TailStrategy::RoundUp);
    f.dot.update()
        .split(dn, no, ni, tile_n, TailStrategy::RoundUp)
        .reorder(ni, no, dm, rb)
        .split(ni, nv, ni, lanes)
        .vectorize(ni)
        .unroll(nv);
    schedule_block_sums(f, LoopLevel(f.dot, no), group, lanes);
}

}  // namespace

const KnobSpace &mx_gemm_i16_knob_space() { return block_tile_knob_space(); }
const KnobSpace &mx_gemm_i16_split_knob_space() { return split_block_tile_knob_space(); }
const KnobSpace &mx_gemm_i16_fp8_knob_space() { return fp8_block_tile_knob_space(); }

void apply_mx_gemm_i16_schedule(MxGemmI16Funcs f, const Knobs &knobs, const Target &target) {
    schedule_block_tiles(f.tile, 2, knobs);
    f.a_scale.compute_root();
    (void)target;
}

// The int8 tiles take 6 rows on AVX-512: 12 accumulators, each broadcast activation feeding two
// vpdpbusd. Zen 4, 1024^3, one thread, kernel alone: 2 x 6 at 775 GOPS with a whole row as one
// segment (the bit-serial int8 path), 729 with segments of 4 blocks (low-bit, group 128), 607
// per block (MX); 2 x 4 at 668 / 657 / 600; 4 x 6 at 677 / 617 / 487 (vpdpbusd peak 897).
const KnobSpace &mx_gemm_i8_knob_space() {
    static const KnobSpace space = [] {
        KnobSpace s = block_tile_knob_space();
        for (KnobSpec &spec : s) {
            if (spec.name == "tile_m") spec.defaults[static_cast<int>(Profile::X86Avx512)] = 6;
        }
        return s;
    }();
    return space;
}

void apply_mx_gemm_i8_schedule(MxBlockFuncs f, const Knobs &knobs, const Target &target) {
    schedule_block_tiles(f, 4, knobs);
    (void)target;
}

// ARMv7 GEMVs take one vector per step: the int16 GEMV's block loop then runs without stack
// accesses (0.30 instructions per product; 4 vectors: 0.75, with 373 stack accesses per block).
const KnobSpace &mx_gemv_knob_space() {
    //                 name         allowed           avx512 avx2 a64 a32
    static const KnobSpace space = {
        {"vec_lanes", {4, 8, 16}, {16, 8, 4, 4}, "int32 lanes (outputs along n) per vector"},
        {"tile_vecs", {1, 2, 4}, {4, 4, 4, 1}, "vectors of n per step (at most 64 outputs: the padding)"},
    };
    return space;
}

void apply_mx_gemv_i8_schedule(MxBlockFuncs f, const Knobs &knobs, const Target &target) {
    schedule_block_gemv(f, 4, knobs);
    (void)target;
}

void apply_mx_gemv_i16_schedule(MxGemmI16Funcs f, const Knobs &knobs, const Target &target) {
    schedule_block_gemv(f.tile, 2, knobs);
    f.a_scale.compute_root();
    (void)target;
}

void apply_mx_decode_schedule(Func values, Func per_block, const Expr &format, const std::vector<int> &formats,
                              const Target &target) {
    // Whole vectors of the output type: the code arithmetic runs in those lanes, and an FP4 byte's
    // two nibbles land in one vector (Halide interleaves the low and high halves).
    const int lanes = target.natural_vector_size(values.output_types()[0]);
    values.compute_root();
    per_block.compute_root();
    for (int f : formats) {
        values.specialize(format == f).vectorize(values.args()[0], lanes, TailStrategy::GuardWithIf);
        per_block.specialize(format == f);
    }
    values.specialize_fail("this MX format has no decoding of this width");
    per_block.specialize_fail("this MX format has no decoding of this width");
}

bool mx_gemm_knobs_fit(const Knobs &k, Profile profile) {
    return tile_fits(profile, k.at("tile_m"), k.at("tile_vecs"), 64 * k.at("vec_lanes"));
}

bool mx_block_tile_knobs_fit(const Knobs &k, Profile profile) {
    return tile_fits(profile, k.at("tile_m"), k.at("tile_vecs"), 32 * k.at("vec_lanes"));
}

bool mx_split_block_tile_knobs_fit(const Knobs &k, Profile profile) {
    return tile_fits(profile, 2 * k.at("tile_m"), k.at("tile_vecs"), 32 * k.at("vec_lanes"));
}

bool mx_fp8_block_tile_knobs_fit(const Knobs &k, Profile profile) {
    return tile_fits(profile, 3 * k.at("tile_m"), k.at("tile_vecs"), 32 * k.at("vec_lanes"));
}

}  // namespace lpgen
