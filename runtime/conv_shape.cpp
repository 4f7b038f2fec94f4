// Conv2dShape: output size and the checks every conv2d entry point shares.
#include "conv_shape.h"

#include <limits>
#include <string>

#include "validate.h"

namespace lpgen {

namespace {

// Everything in 64 bits: int arithmetic wrapped on huge padding (INT_MAX pads gave height 1).
long long padded_extent(int in, int pad_before, int pad_after) {
    return static_cast<long long>(in) + pad_before + pad_after;
}

// 0 when the window does not fit, -1 when the extent does not fit in an int.
int out_extent(int in, int pad_before, int pad_after, int kernel, int dilation, int stride) {
    if (stride < 1) return -1;
    const long long span = padded_extent(in, pad_before, pad_after) - static_cast<long long>(dilation) * (kernel - 1) - 1;
    if (span < 0) return 0;
    const long long extent = span / stride + 1;
    return extent > std::numeric_limits<int>::max() ? -1 : static_cast<int>(extent);
}

// Every index a kernel forms (output * stride - pad + tap * dilation) stays inside the padded
// input, so a padded input that fits in int32 keeps the generated kernels' arithmetic exact.
void check_padded_extent(int in, int pad_before, int pad_after, const char *what) {
    const long long padded = padded_extent(in, pad_before, pad_after);
    LPGEN_REQUIRE(padded <= std::numeric_limits<int32_t>::max(),
                  std::string("shape.") + what + " is " + std::to_string(padded) +
                      "; the padded input must be at most 2^31 - 1 long");
}

}  // namespace

int Conv2dShape::out_height() const {
    return out_extent(height, pad_top, pad_bottom, kernel_h, dilation_h, stride_h);
}

int Conv2dShape::out_width() const {
    return out_extent(width, pad_left, pad_right, kernel_w, dilation_w, stride_w);
}

void check_conv_shape(const Conv2dShape &s) {
    check_positive(s.batch, "shape.batch");
    check_positive(s.height, "shape.height");
    check_positive(s.width, "shape.width");
    check_positive(s.channels, "shape.channels");
    check_positive(s.out_channels, "shape.out_channels");
    check_positive(s.kernel_h, "shape.kernel_h");
    check_positive(s.kernel_w, "shape.kernel_w");
    check_positive(s.stride_h, "shape.stride_h");
    check_positive(s.stride_w, "shape.stride_w");
    check_positive(s.dilation_h, "shape.dilation_h");
    check_positive(s.dilation_w, "shape.dilation_w");
    LPGEN_REQUIRE(s.pad_top >= 0 && s.pad_left >= 0 && s.pad_bottom >= 0 && s.pad_right >= 0, "padding must not be negative");
    check_padded_extent(s.height, s.pad_top, s.pad_bottom, "height + pad_top + pad_bottom");
    check_padded_extent(s.width, s.pad_left, s.pad_right, "width + pad_left + pad_right");
    LPGEN_REQUIRE(s.out_height() >= 1 && s.out_width() >= 1, "the kernel window (with dilation) is larger than the padded input");
}

size_t conv_output_count(const Conv2dShape &s) {
    return checked_product({size_t(s.batch), size_t(s.out_height()), size_t(s.out_width()), size_t(s.out_channels)},
                           "output");
}

}  // namespace lpgen
