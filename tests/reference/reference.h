// Scalar reference for the bit-serial family and the baselines: plain loops over unpacked
// values, written from DESIGN.md alone and sharing no code with the generators or the runtime.
#pragma once

#include <cstdint>
#include <vector>

#include "lpgen/bitserial.hpp"

namespace lpgen::ref {

// The integer a code stands for (DESIGN.md, "Encodings").
int decode(int code, int bits, Encoding encoding);

// Bit-planes of codes[rows][k] as [rows][bits][ceil(k/64)] words.
std::vector<uint64_t> pack(const std::vector<uint8_t> &codes, int rows, int k, int bits);

// round(x / scale) + zero_point clamped to the encoding's codes (bipolar: nearest level).
uint8_t quantize(float x, const Quantization &q);

// sum_k (decode(a) - za) * (decode(w) - zw), exact, as [M][N].
std::vector<int64_t> gemm(const std::vector<uint8_t> &a, const std::vector<uint8_t> &w, const GemmShape &s,
                          const Operand &a_op, const Operand &w_op);

// NHWC codes a[N][H][W][C], weights w[OC][KH][KW][C] -> [N][OH][OW][OC]; padding is value 0.
std::vector<int64_t> conv2d(const std::vector<uint8_t> &a, const std::vector<uint8_t> &w, const Conv2dShape &s,
                            const Operand &a_op, const Operand &w_op);

// clamp(float(dot) * scale[c] + bias[c]) for c = index % channels.
std::vector<float> fp32_epilogue(const std::vector<int64_t> &dot, int channels, const Fp32Epilogue &e);

// The fp32 results requantized to `next` codes and packed along the channel axis.
std::vector<uint64_t> requantize_pack(const std::vector<float> &values, int rows, int channels,
                                      const Quantization &next);

// Plain integer / float GEMM and conv2d for the baselines.
template <typename T, typename Acc>
std::vector<Acc> dense_gemm(const std::vector<T> &a, const std::vector<T> &w, const GemmShape &s);
template <typename T, typename Acc>
std::vector<Acc> dense_conv2d(const std::vector<T> &a, const std::vector<T> &w, const Conv2dShape &s);

}  // namespace lpgen::ref
