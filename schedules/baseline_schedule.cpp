// Baselines use the same outer-product blocking as the bit-serial kernels: a register tile of
// rows x (tile_vecs * vec_lanes) output channels, one broadcast operand, one staged vector
// operand with the output channel innermost.
#include "baseline_schedule.h"

namespace lpgen {

using namespace Halide;

namespace {

//                 name         allowed          avx512 avx2 a64 a32
const KnobSpace kSpace = {
    {"vec_lanes", {4, 8, 16}, {16, 8, 4, 4}, "32-bit accumulator lanes per vector"},
    {"tile_vecs", {1, 2, 3, 4}, {2, 2, 2, 2}, "vectors of output channels per register tile"},
    {"tile_rows", {1, 2, 4, 6, 8}, {6, 4, 4, 2}, "rows (GEMM m, conv x) per register tile"},
    {"parallel", {0, 1}, {0, 0, 0, 0}, "parallelize over row tiles"},
};

void schedule_tile(Func output, Func product, const Knobs &knobs) {
    const int vec = knobs.at("vec_lanes");
    const int tile_cols = vec * knobs.at("tile_vecs");
    const int tile_rows = knobs.at("tile_rows");
    std::vector<Var> v = output.args();
    Var co("co"), ro("ro"), ci("ci"), ri("ri");
    output.compute_root()
        .tile(v[0], v[1], co, ro, ci, ri, tile_cols, tile_rows, TailStrategy::GuardWithIf)
        .vectorize(ci, vec)
        .unroll(ri);
    if (knobs.at("parallel")) output.parallel(v.back());

    std::vector<Var> p = product.args();
    product.compute_at(output, co).vectorize(p[0], vec).unroll(p[1]);
    Stage accumulate = product.update();
    std::vector<RVar> r = product.rvars(0);
    std::vector<VarOrRVar> order{p[0], p[1]};
    for (const RVar &rv : r) order.push_back(rv);
    accumulate.reorder(order);
    Var pco("pco");
    accumulate.split(p[0], pco, p[0], vec).vectorize(p[0]).unroll(pco).unroll(p[1]);
}

}  // namespace

const KnobSpace &baseline_gemm_knob_space() { return kSpace; }
const KnobSpace &baseline_conv2d_knob_space() { return kSpace; }

void apply_baseline_gemm_schedule(BaselineGemmFuncs f, const Knobs &knobs, const Target &target) {
    schedule_tile(f.output, f.product, knobs);
    std::vector<Var> w = f.weights.args();  // k, n
    f.weights.compute_root().reorder_storage(w[1], w[0]).reorder(w[1], w[0]);
    (void)target;
}

void apply_baseline_conv2d_schedule(BaselineConv2dFuncs f, const Knobs &knobs, const Target &target) {
    schedule_tile(f.output, f.product, knobs);
    std::vector<Var> w = f.weights.args();  // c, kx, ky, oc
    f.weights.compute_root().reorder_storage(w[3], w[0], w[1], w[2]).reorder(w[3], w[0], w[1], w[2]);
    (void)target;
}

}  // namespace lpgen
