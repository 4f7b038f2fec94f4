// Conv2dShape: output size and the checks every conv2d entry point shares.
#include "conv_shape.h"

#include "validate.h"

namespace lpgen {

static int out_extent(int in, int pad_before, int pad_after, int kernel, int dilation, int stride) {
    const long long span = static_cast<long long>(in) + pad_before + pad_after - static_cast<long long>(dilation) * (kernel - 1) - 1;
    return span < 0 ? 0 : static_cast<int>(span / stride + 1);
}

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
    LPGEN_REQUIRE(s.out_height() >= 1 && s.out_width() >= 1, "the kernel window (with dilation) is larger than the padded input");
}

size_t conv_output_count(const Conv2dShape &s) {
    return checked_product({size_t(s.batch), size_t(s.out_height()), size_t(s.out_width()), size_t(s.out_channels)},
                           "output");
}

}  // namespace lpgen
