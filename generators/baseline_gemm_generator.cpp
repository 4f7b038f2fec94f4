// Baseline GEMM through the same machinery: C[m][n] = sum_k A[m][k] * W[n][k] with int8 or
// int16 operands (int32 accumulation; int16 is the paper's baseline) or fp32.
#include "Halide.h"
#include "baseline_contract.h"
#include "schedules/baseline_schedule.h"

namespace lpgen {
namespace {

using namespace Halide;

class BaselineGemm : public Generator<BaselineGemm> {
public:
    GeneratorParam<Type> element{"element", Int(8)};  // int8, int16 or float32
    GeneratorParam<std::string> knobs{"knobs", ""};

    Input<Buffer<>> activations{"activations", 2};  // (k, m), type `element`
    Input<Buffer<>> weights{"weights", 2};          // (k, n), type `element`
    Output<Buffer<>> output{"output", 2};           // (n, m): int32, or float32 for fp32

    Type accumulator() const { return Type(element).is_float() ? Float(32) : Int(32); }

    void configure() {
        activations.set_type(element);
        weights.set_type(element);
        output.set_type(accumulator());
    }

    void generate() {
        Var n("n"), m("m");
        // Written as a multiple of kBaselineReductionMultiple so the schedule's split is provably exact.
        Expr k_extent = (activations.dim(0).extent() / kBaselineReductionMultiple) * kBaselineReductionMultiple;
        RDom rk(0, k_extent, "rk");
        product(n, m) = cast(accumulator(), 0);
        product(n, m) += cast(accumulator(), activations(rk, m)) * cast(accumulator(), weights(rk, n));
        output(n, m) = product(n, m);
        // K is a whole number of vectors (the caller pads): the split reduction needs no tail.
        activations.dim(0).set_bounds(0, k_extent);
        weights.dim(0).set_bounds(0, k_extent);
    }

    void schedule() {
        apply_baseline_gemm_schedule(BaselineGemmFuncs{output, product},
                                     parse_knobs(baseline_gemm_knob_space(), knobs, get_target()), get_target());
    }

private:
    Func product{"product"};
};

}  // namespace
}  // namespace lpgen

HALIDE_REGISTER_GENERATOR(lpgen::BaselineGemm, baseline_gemm)
