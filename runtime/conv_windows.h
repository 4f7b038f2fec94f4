// A conv2d as a GEMM: row (n, oy, ox) of the GEMM's activations holds the taps (ky, kx) of its
// window in order, each tap a copy of the pixel it reads (NHWC: pixel (n, y, x) is row
// (n * H + y) * W + x of the activations), or `fill` where the tap falls in the zero padding.
//
//   pixels: [pixel][pixel_stride]      rows: [row][row_stride]
//              |__ tap_count __|  -->           |_tap 0_|_tap 1_|...|_tap KH*KW-1_|
//
// One function for every per-pixel array the MX conv gathers: codes, E8M0 scales, decoded
// values (one int16 plane at a time: pixel_stride and row_stride then span every plane) and
// per-block scales or NaN flags.
#pragma once

#include <algorithm>
#include <cstddef>

#include "lpgen/bitserial.hpp"

namespace lpgen {

template <typename T>
void gather_windows(const Conv2dShape &s, const T *pixels, size_t pixel_stride, size_t tap_count, T fill, T *rows,
                    size_t row_stride, int row_begin, int row_end) {
    const int oh = s.out_height(), ow = s.out_width();
    for (int row = row_begin; row < row_end; ++row) {
        const int n = row / (oh * ow), oy = row / ow % oh, ox = row % ow;
        T *out = rows + size_t(row) * row_stride;
        for (int ky = 0; ky < s.kernel_h; ++ky)
            for (int kx = 0; kx < s.kernel_w; ++kx, out += tap_count) {
                const int y = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
                const int x = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
                if (y < 0 || y >= s.height || x < 0 || x >= s.width) {
                    std::fill(out, out + tap_count, fill);
                } else {
                    const T *pixel = pixels + ((size_t(n) * s.height + y) * s.width + x) * pixel_stride;
                    std::copy(pixel, pixel + tap_count, out);
                }
            }
    }
}

}  // namespace lpgen
