// What the baseline kernels require of their callers, shared with the runtime that pads for
// them: the reduction axis (K for GEMM, input channels for conv2d) is a multiple of this, so the
// dot-product loops split into whole vectors with no tail.
#pragma once

namespace lpgen {

constexpr int kBaselineReductionMultiple = 32;

}  // namespace lpgen
