#include "lowbit_reference.h"

#include <algorithm>
#include <cmath>

namespace lpgen::ref {
namespace {

constexpr int kBlock = 32;

int groups_of(const LowbitOperands &o) { return (o.k + o.format.group - 1) / o.format.group; }

}  // namespace

int lowbit_value(const LowbitOperands &o, int n, int k) {
    const int code = o.codes[size_t(n) * o.k + k];
    const int g = k / o.format.group;
    switch (o.format.kind) {
        case LowbitKind::Signed: {
            const int half = 1 << (o.format.bits - 1);
            return code < half ? code : code - 2 * half;
        }
        case LowbitKind::Unsigned: return code - o.zero_points[size_t(n) * groups_of(o) + g];
        case LowbitKind::Ternary: return code - 1;
    }
    return 0;
}

void quantize_activations(const LowbitOperands &o, std::vector<int> &q, std::vector<float> &s) {
    q.assign(size_t(o.m) * o.k, 0);
    s.assign(size_t(o.m) * o.k, 0.0f);
    const int span = o.scaling == ActivationScaling::PerRow ? o.k : kBlock;
    for (int m = 0; m < o.m; ++m) {
        for (int start = 0; start < o.k; start += span) {
            const int stop = std::min(o.k, start + span);
            float largest = 0;
            for (int i = start; i < stop; ++i) largest = std::max(largest, std::fabs(o.a[size_t(m) * o.k + i]));
            const float inverse = largest > 0 ? 127.0f / largest : 0.0f;
            for (int i = start; i < stop; ++i) {
                const long r = std::lrint(o.a[size_t(m) * o.k + i] * inverse);
                q[size_t(m) * o.k + i] = int(std::clamp<long>(r, -127, 127));
                s[size_t(m) * o.k + i] = largest / 127.0f;
            }
        }
    }
}

std::vector<float> lowbit_gemm(const LowbitOperands &o) {
    std::vector<int> q;
    std::vector<float> s;
    quantize_activations(o, q, s);
    std::vector<float> out(size_t(o.m) * o.n);
    for (int m = 0; m < o.m; ++m) {
        for (int n = 0; n < o.n; ++n) {
            float dot = 0;
            // Exact over a segment: a group where the activations have one scale per row, else a block.
            const int segment = o.scaling == ActivationScaling::PerRow ? o.format.group : kBlock;
            for (int b = 0; b * segment < o.k; ++b) {
                int64_t sum = 0;
                for (int k = b * segment; k < std::min(o.k, (b + 1) * segment); ++k) sum += int64_t(q[size_t(m) * o.k + k]) * lowbit_value(o, n, k);
                const float w_scale = o.scales[size_t(n) * groups_of(o) + b * segment / o.format.group];
                const float a_scale = s[size_t(m) * o.k + b * segment];
                const float scaled = float(sum) * w_scale;
                dot += scaled * a_scale;
            }
            out[size_t(m) * o.n + n] = dot + (o.bias.empty() ? 0.0f : o.bias[n]);
        }
    }
    return out;
}

std::vector<double> lowbit_gemm_exact(const LowbitOperands &o, std::vector<double> &magnitudes) {
    std::vector<int> q;
    std::vector<float> s;
    quantize_activations(o, q, s);
    std::vector<double> out(size_t(o.m) * o.n);
    magnitudes.assign(out.size(), 0.0);
    for (int m = 0; m < o.m; ++m)
        for (int n = 0; n < o.n; ++n) {
            double dot = o.bias.empty() ? 0.0 : o.bias[n];
            for (int k = 0; k < o.k; ++k) {
                const double term = double(q[size_t(m) * o.k + k]) * s[size_t(m) * o.k + k] * lowbit_value(o, n, k) *
                                    o.scales[size_t(n) * groups_of(o) + k / o.format.group];
                dot += term;
                magnitudes[size_t(m) * o.n + n] += std::fabs(term);
            }
            out[size_t(m) * o.n + n] = dot;
        }
    return out;
}

}  // namespace lpgen::ref
