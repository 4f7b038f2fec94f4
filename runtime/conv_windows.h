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
    // Where pixels are dense and the window's taps along x are adjacent pixels, a row of taps that
    // lies inside the image is one copy (a 3x3 window: 3 copies instead of 9).
    const bool dense_rows = pixel_stride == tap_count && s.dilation_w == 1;
    for (int row = row_begin; row < row_end; ++row) {
        const int n = row / (oh * ow), oy = row / ow % oh, ox = row % ow;
        const int x0 = ox * s.stride_w - s.pad_left;
        T *out = rows + size_t(row) * row_stride;
        for (int ky = 0; ky < s.kernel_h; ++ky) {
            const int y = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
            const bool y_inside = y >= 0 && y < s.height;
            const T *image_row = y_inside ? pixels + (size_t(n) * s.height + y) * s.width * pixel_stride : nullptr;
            if (dense_rows && y_inside && x0 >= 0 && x0 + s.kernel_w <= s.width) {
                out = std::copy_n(image_row + size_t(x0) * pixel_stride, s.kernel_w * tap_count, out);
                continue;
            }
            for (int kx = 0; kx < s.kernel_w; ++kx, out += tap_count) {
                const int x = x0 + kx * s.dilation_w;
                if (!y_inside || x < 0 || x >= s.width) {
                    std::fill_n(out, tap_count, fill);
                } else {
                    std::copy_n(image_row + size_t(x) * pixel_stride, tap_count, out);
                }
            }
        }
    }
}

}  // namespace lpgen
