// C structs of lpgen.h <-> the C++ runtime's structs (field for field; checks stay in the C++ layer).
#pragma once

#include <cstring>

#include "c_api_guard.h"
#include "lpgen/bitserial.hpp"
#include "lpgen/lpgen.h"
#include "lpgen/mx.hpp"

namespace lpgen::capi {

// A C enum argument as the int the caller passed. C callers may pass any int; in C++ loading an
// enum object whose value is outside its enumerators' range is undefined, so it is read as bytes.
template <typename CEnum>
int raw(const CEnum &value) {
    static_assert(sizeof(CEnum) == sizeof(int), "C enums are int-sized");
    int v;
    std::memcpy(&v, &value, sizeof v);
    return v;
}

inline GemmShape to_cpp(const lpgen_gemm_shape &s) { return {s.m, s.n, s.k}; }

inline Conv2dShape to_cpp(const lpgen_conv2d_shape &s) {
    Conv2dShape c;
    c.batch = s.batch, c.height = s.height, c.width = s.width, c.channels = s.channels;
    c.out_channels = s.out_channels, c.kernel_h = s.kernel_h, c.kernel_w = s.kernel_w;
    c.stride_h = s.stride_h, c.stride_w = s.stride_w, c.dilation_h = s.dilation_h, c.dilation_w = s.dilation_w;
    c.pad_top = s.pad_top, c.pad_left = s.pad_left, c.pad_bottom = s.pad_bottom, c.pad_right = s.pad_right;
    return c;
}

inline lpgen_conv2d_shape to_c(const Conv2dShape &s) {
    return {s.batch,    s.height,     s.width,      s.channels, s.out_channels, s.kernel_h,   s.kernel_w, s.stride_h,
            s.stride_w, s.dilation_h, s.dilation_w, s.pad_top,  s.pad_left,     s.pad_bottom, s.pad_right};
}

inline Operand to_cpp(const lpgen_operand &o) { return {o.bits, static_cast<Encoding>(raw(o.encoding)), o.zero_point}; }

inline Quantization to_cpp(const lpgen_quantization &q) {
    return {q.scale, q.zero_point, q.bits, static_cast<Encoding>(raw(q.encoding))};
}

inline Fp32Epilogue to_cpp(const lpgen_epilogue &e) {
    return {e.scale, e.scale_count, e.bias, e.bias_count, e.clamp_min, e.clamp_max};
}

inline MxFormat to_cpp(const lpgen_mx_format &f) {
    const auto format = static_cast<MxFormat>(raw(f));
    mx_format_name(format);  // throws Unsupported for a value that is no format
    return format;
}

}  // namespace lpgen::capi
