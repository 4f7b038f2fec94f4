// Precisions a command can run, by name:
//   bit-serial  "<a>A<w>W" (1..8 bits each; unsigned activations and weights), e.g. 1A1W, 2A1W, or
//               "<a>A<w>W:<a enc>x<w enc>" with encodings u, s, b (unsigned, signed, bipolar), each
//               followed by z for a zero point: 3A5W:sxb, 8A4W:uzxs; "xnor" is 1A1W:bxb
//   MX          "mxfp4" (FP4 x FP4), "mxfp6" (E2M3 x E2M3), "mxfp8" (E4M3 x E4M3), "mxint8",
//               or "mx:<activation format>x<weight format>", e.g. mx:fp8_e4m3xfp4_e2m1
//   baselines   "int8", "int16", "fp32" (lpgen's generated dense kernels); "onednn-int8" (oneDNN's
//               u8 x s8 convolution: what a user would pick instead; host builds)
#pragma once

#include <string>
#include <vector>

#include "bitserial_config.h"
#include "lpgen/lpgen.h"

namespace lpgen::cli {

struct Precision {
    enum class Kind { Bitserial, Mx, Int8, Int16, Fp32, OneDnnInt8 };
    std::string name;
    Kind kind = Kind::Fp32;
    int abits = 0, wbits = 0;                                          // bit-serial
    BitserialConfig bitserial;                                         // bit-serial: widths, encodings, zero points
    lpgen_mx_format a_format = LPGEN_MX_FP4_E2M1, w_format = LPGEN_MX_FP4_E2M1;  // MX
    bool is_baseline() const {
        return kind == Kind::Int8 || kind == Kind::Int16 || kind == Kind::Fp32 || kind == Kind::OneDnnInt8;
    }
};

Precision parse_precision(const std::string &name);         // throws lpgen::Error
std::vector<Precision> parse_precisions(const std::string &comma_separated);

}  // namespace lpgen::cli
