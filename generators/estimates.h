// Size estimates for Halide's autoschedulers (used only to compare lpgen's schedules with
// Adams2019's, `lpgen tune --compare-adams2019`): the generator param "estimate" holds the
// problem's sizes as "AxBxC..." (GenGen reserves '='), in an order each generator documents.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "Halide.h"

namespace lpgen {

inline std::vector<int> estimate_values(const std::string &text, size_t count, const char *order) {
    std::vector<int> values;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, 'x');) values.push_back(std::stoi(item));
    if (values.size() != count) {
        throw Halide::CompileError("estimate '" + text + "' must give " + std::to_string(count) + " sizes: " + order);
    }
    return values;
}

// Estimates, and for the dimensions in `exact` also the buffer's bounds: Halide 14's Adams2019
// unrolls loops whose estimated extent is small, which fails unless the extent is a constant.
// The kernel it makes serves that one shape, which is what it is compared on. (Dimensions that
// the generator already constrains, such as fixed plane counts, stay as they are.)
template <typename BufferInput>
void set_exact_bounds(BufferInput &buffer, const Halide::Region &region, std::initializer_list<int> exact) {
    buffer.set_estimates(region);
    for (int d : exact) buffer.dim(d).set_bounds(region[d].min, region[d].extent);
}

// The fp32 epilogue's inputs and the output over `out` (output channels first).
template <typename ChannelInput, typename ScalarInput, typename Output>
void set_epilogue_estimates(ChannelInput &scale, ChannelInput &bias, ScalarInput &clamp_min, ScalarInput &clamp_max,
                            Output &output, const Halide::Region &out) {
    scale.set_estimates({out[0]}), bias.set_estimates({out[0]});
    clamp_min.set_estimate(0.0f), clamp_max.set_estimate(1e30f);
    output.set_estimates(out);
}

}  // namespace lpgen
