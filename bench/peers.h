// The libraries a user would pick instead of lpgen, each prepared once (weights reordered or
// packed outside the timed loop): oneDNN int8 and fp32, OpenBLAS fp32. The benchmarks and
// `lpgen bench`/`demo` (its onednn-int8 baseline) time them beside lpgen's kernels.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lpgen/bitserial.hpp"

namespace lpgen::bench {

class Peer {
public:
    virtual ~Peer() = default;
    virtual void run() = 0;               // one call on the prepared operands
    virtual std::string name() const = 0;  // what ran, e.g. oneDNN's implementation string
};

// oneDNN u8 x s8 -> s32 matmul with weights reordered once to its preferred layout.
std::unique_ptr<Peer> onednn_int8_matmul(const GemmShape &shape);
// oneDNN convolution, NHWC, u8 x s8 -> s32 (int8) or fp32, weights reordered once.
std::unique_ptr<Peer> onednn_conv(const Conv2dShape &shape, bool int8);
// OpenBLAS sgemm (sgemv for M = 1); conv2d as im2col + sgemm, im2col inside every call.
std::unique_ptr<Peer> openblas_gemm(const GemmShape &shape);
std::unique_ptr<Peer> openblas_conv(const Conv2dShape &shape);

// Threads the peers use (OpenBLAS, oneDNN's OpenMP); run_with_ratios and lpgen bench set it.
void set_peer_threads(int count);

}  // namespace lpgen::bench
