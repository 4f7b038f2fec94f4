// Shared by the MX GEMM and conv2d tests: a random MX-quantized operand with its dequantized
// values (from the scalar reference), and the error bound of an MX dot product.
#pragma once

#include <cmath>
#include <random>
#include <vector>

#include "lpgen/mx.hpp"
#include "reference/mx_reference.h"

namespace lpgen::test {

constexpr MxFormat kMxFormats[] = {MxFormat::Fp8E4M3, MxFormat::Fp8E5M2, MxFormat::Fp6E3M2,
                                   MxFormat::Fp6E2M3, MxFormat::Fp4E2M1, MxFormat::Int8};

// rows x k values quantized by the reference: packed codes and scales, and dequantized values.
struct MxMatrix {
    int rows, k;
    MxFormat format;
    std::vector<float> source;  // what was quantized
    std::vector<uint8_t> codes, scales;
    std::vector<double> values;  // rows x k

    MxMatrix(int rows_, int k_, MxFormat f, std::mt19937 &rng) : rows(rows_), k(k_), format(f) {
        std::normal_distribution<float> dist(0.0f, 1.0f);
        std::uniform_int_distribution<int> magnitude(-6, 6);
        source.resize(size_t(rows) * k);
        for (auto &v : source) v = std::ldexp(dist(rng), magnitude(rng));
        requantize();
    }
    // Quantizes `source` again (after a test edited it).
    void requantize() {
        ref::MxBlocks q = ref::mx_quantize(source, rows, k, format);
        codes = ref::mx_pack(q.codes, format);
        scales = q.scales;
        values = element_values(q, rows, k, format);
    }

    // Each element's exact value, rows x k, from the reference codec's blocks (padding dropped).
    static std::vector<double> element_values(const ref::MxBlocks &q, int rows, int k, MxFormat format) {
        const int blocks = (k + 31) / 32;
        std::vector<double> out;
        out.reserve(size_t(rows) * k);
        for (int r = 0; r < rows; ++r)
            for (int i = 0; i < k; ++i)
                out.push_back(ref::mx_dequantize(format, q.codes[size_t(r) * blocks * 32 + i],
                                                 q.scales[size_t(r) * blocks + i / 32]));
        return out;
    }
};

// The bound on |kernel - exact| for a dot product of `blocks` MX blocks whose products have
// absolute sum `magnitude`: fp32 rounding of each block and of the running sum.
inline double mx_dot_bound(double magnitude, int blocks) { return std::ldexp(magnitude, -23) * (blocks + 1) + 1e-37; }

}  // namespace lpgen::test
