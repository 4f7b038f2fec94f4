// Scalar reference for the low-bit LLM operator: plain loops over the numbers lpgen/lowbit.hpp
// states, sharing no code with the runtime.
#pragma once

#include <cstdint>
#include <vector>

#include "lpgen/lowbit.hpp"

namespace lpgen::ref {

struct LowbitOperands {
    int m = 1, n = 1, k = 1;
    LowbitFormat format;
    ActivationScaling scaling = ActivationScaling::PerRow;
    std::vector<float> a;          // [m][k]
    std::vector<uint8_t> codes;    // [n][k]
    std::vector<float> scales;     // [n][groups]
    std::vector<uint8_t> zero_points;  // [n][groups], unsigned only
    std::vector<float> bias;       // [n] or empty
};

// The weight's integer value, and the quantized activations: q[m][k] and s[m][k] (the scale of
// the row or block each element belongs to).
int lowbit_value(const LowbitOperands &o, int n, int k);
void quantize_activations(const LowbitOperands &o, std::vector<int> &q, std::vector<float> &s);

// The operator's result, bit for bit.
std::vector<float> lowbit_gemm(const LowbitOperands &o);
// The exact product of the quantized operands in fp64 (what the fp32 roundings approximate),
// and the sum of the magnitudes of its terms (for an error bound).
std::vector<double> lowbit_gemm_exact(const LowbitOperands &o, std::vector<double> &magnitudes);

}  // namespace lpgen::ref
