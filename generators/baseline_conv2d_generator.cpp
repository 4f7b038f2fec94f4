// Baseline conv2d, NHWC, through the same machinery: int8 / int16 operands with int32
// accumulation, or fp32. Zero padding, stride and dilation as in the bit-serial conv2d.
#include "Halide.h"
#include "baseline_contract.h"
#include "schedules/baseline_schedule.h"

namespace lpgen {
namespace {

using namespace Halide;

class BaselineConv2d : public Generator<BaselineConv2d> {
public:
    GeneratorParam<Type> element{"element", Int(8)};  // int8, int16 or float32
    GeneratorParam<std::string> knobs{"knobs", ""};

    Input<Buffer<>> activations{"activations", 4};  // (c, x, y, batch)
    Input<Buffer<>> weights{"weights", 4};          // (c, kx, ky, oc)
    Input<int32_t> stride_x{"stride_x"}, stride_y{"stride_y"};
    Input<int32_t> dilation_x{"dilation_x"}, dilation_y{"dilation_y"};
    Input<int32_t> pad_left{"pad_left"}, pad_top{"pad_top"};
    Output<Buffer<>> output{"output", 4};           // (oc, x, y, batch)

    Type accumulator() const { return Type(element).is_float() ? Float(32) : Int(32); }

    void configure() {
        activations.set_type(element);
        weights.set_type(element);
        output.set_type(accumulator());
    }

    void generate() {
        Var oc("oc"), x("x"), y("y"), b("b");
        Expr width = activations.dim(1).extent(), height = activations.dim(2).extent();
        a_in = BoundaryConditions::constant_exterior(activations, cast(element, 0),
                                                     {Range(), {0, width}, {0, height}, Range()});
        // Written as a multiple of kBaselineReductionMultiple so the schedule's split is provably exact.
        Expr channels = (activations.dim(0).extent() / kBaselineReductionMultiple) * kBaselineReductionMultiple;
        RDom r(0, channels, 0, weights.dim(1).extent(), 0, weights.dim(2).extent(), "r");
        Expr ix = x * stride_x - pad_left + r.y * dilation_x;
        Expr iy = y * stride_y - pad_top + r.z * dilation_y;
        product(oc, x, y, b) = cast(accumulator(), 0);
        product(oc, x, y, b) += cast(accumulator(), a_in(r.x, ix, iy, b)) * cast(accumulator(), weights(r.x, r.y, r.z, oc));
        output(oc, x, y, b) = product(oc, x, y, b);
        // Channels are a whole number of vectors (the caller pads): no tail in the split reduction.
        activations.dim(0).set_bounds(0, channels);
        weights.dim(0).set_bounds(0, channels);
    }

    void schedule() {
        apply_baseline_conv2d_schedule(BaselineConv2dFuncs{output, product, a_in},
                                       parse_knobs(baseline_conv2d_knob_space(), knobs, get_target()), get_target());
    }

private:
    Func product{"product"}, a_in{"a_in"};
};

}  // namespace
}  // namespace lpgen

HALIDE_REGISTER_GENERATOR(lpgen::BaselineConv2d, baseline_conv2d)
