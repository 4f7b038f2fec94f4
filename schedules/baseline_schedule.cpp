// Baselines as dot-product micro-kernels: both operands are contiguous along the reduction
// (K, or input channels), so each output of a tile_cols x tile_rows register tile keeps a
// vector of vec_lanes int32 (or fp32) partial sums over the reduction, fed by widening
// multiply-accumulates; the lanes are summed once per output. No operand is copied per call.
#include "baseline_schedule.h"

namespace lpgen {

using namespace Halide;

namespace {

//                 name         allowed          avx512 avx2 a64 a32
const KnobSpace kSpace = {
    {"vec_lanes", {4, 8, 16}, {16, 8, 8, 8}, "32-bit partial-sum lanes per output"},
    {"pair_reduce", {1, 2}, {2, 2, 1, 1}, "integer products summed in pairs per lane (pmaddwd) or one per lane (smlal)"},
    {"tile_cols", {1, 2, 3, 4}, {3, 2, 2, 2}, "output columns (n, oc) per register tile"},
    {"tile_rows", {1, 2, 4, 6}, {4, 4, 2, 2}, "output rows (m, x) per register tile"},
    {"pad_once", {0, 1}, {1, 1, 1, 1}, "conv2d: copy the activations with their zero border once per call"},
    {"parallel", {0, 1}, {0, 0, 0, 0}, "parallelize over row tiles"},
};

// x86 sums integer products in pairs per 32-bit lane (vpdpwssd / vpmaddwd); the A53's NEON has
// no such instruction, and one widening multiply-accumulate per lane (smlal) is its fast form.
void schedule_dot_tiles(Func output, Func product, bool integer, const Knobs &knobs) {
    const int lanes = knobs.at("vec_lanes");
    const int pair = integer ? knobs.at("pair_reduce") : 1;
    std::vector<Var> v = output.args();
    Var co("co"), ro("ro"), ci("ci"), ri("ri"), u("u");
    const int cols = knobs.at("tile_cols"), rows = knobs.at("tile_rows");
    auto tile = [&](Stage stage, TailStrategy tail) {
        stage.tile(v[0], v[1], co, ro, ci, ri, cols, rows, tail).reorder(ci, ri, co, ro).unroll(ci).unroll(ri);
        if (knobs.at("parallel")) stage.parallel(v.back());
    };
    output.compute_root();
    // Whole tiles keep the partial sums a constant-sized block that LLVM holds in registers.
    OutputImageParam out = output.output_buffer();
    tile(output.specialize(out.dim(0).extent() >= cols && out.dim(1).extent() >= rows), TailStrategy::ShiftInwards);
    tile(output, TailStrategy::GuardWithIf);

    std::vector<Var> p = product.args();
    std::vector<RVar> r = product.rvars(0);
    RVar ko("ko"), ki("ki"), kp("kp"), kk("kk");
    product.compute_at(output, co).unroll(p[0]).unroll(p[1]);
    Stage reduce = product.update();
    reduce.split(r[0], ko, ki, lanes * pair, TailStrategy::GuardWithIf).split(ki, kp, kk, pair);
    Func partial = reduce.rfactor(kp, u);
    partial.compute_at(output, co).reorder_storage(u, p[0], p[1]).vectorize(u).unroll(p[0]).unroll(p[1]);
    std::vector<VarOrRVar> order{kk, u, p[0], p[1], ko};
    for (size_t i = 1; i < r.size(); ++i) order.push_back(r[i]);
    Stage accumulate = partial.update();
    accumulate.reorder(order).vectorize(u).unroll(p[0]).unroll(p[1]);
    if (pair > 1) accumulate.atomic().vectorize(kk);
    product.update().atomic().vectorize(kp).unroll(p[0]).unroll(p[1]);
}

}  // namespace

const KnobSpace &baseline_gemm_knob_space() { return kSpace; }
const KnobSpace &baseline_conv2d_knob_space() { return kSpace; }

void apply_baseline_gemm_schedule(BaselineGemmFuncs f, const Knobs &knobs, const Target &target) {
    schedule_dot_tiles(f.output, f.product, !f.product.value().type().is_float(), knobs);
    (void)target;
}

void apply_baseline_conv2d_schedule(BaselineConv2dFuncs f, const Knobs &knobs, const Target &target) {
    schedule_dot_tiles(f.output, f.product, !f.product.value().type().is_float(), knobs);
    if (knobs.at("pad_once")) f.activations.compute_root();  // as the bit-serial conv2d does
    (void)target;
}

bool baseline_knobs_fit(const Knobs &k, Profile profile) {
    return tile_fits(profile, k.at("tile_rows"), k.at("tile_cols"), 32 * k.at("vec_lanes"));
}

}  // namespace lpgen
