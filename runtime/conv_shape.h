#pragma once

#include "lpgen/bitserial.hpp"

namespace lpgen {

// Positive sizes, strides and dilations, non-negative padding, a window that fits.
void check_conv_shape(const Conv2dShape &shape);

// batch * out_height * out_width * out_channels, overflow-checked.
size_t conv_output_count(const Conv2dShape &shape);

}  // namespace lpgen
