#include "mx_decode.h"

#include "halide_call.h"
#include "lpgen/mx.hpp"
#include "validate.h"

namespace lpgen {
namespace {

View<const uint8_t> code_view(const uint8_t *codes, MxFormat format, int rows, int blocks) {
    return dense_view(codes, {blocks * kMxBlock * mx_info(format).bits / 8, rows});
}

}  // namespace

void decode_int16(const uint8_t *codes, const uint8_t *scales, MxFormat format, int rows, int blocks, int planes,
                  int16_t *values, uint8_t *nan) {
    const int own = mx_tables(format).int16_planes;
    LPGEN_REQUIRE(own > 0 && (planes == own || planes == 2),
                  std::string("internal: ") + mx_format_name(format) + " does not decode to " +
                      std::to_string(planes) + " int16 planes");
    auto code = code_view(codes, format, rows, blocks);
    auto scale = dense_view(scales, {blocks, rows});
    auto value = dense_view(values, {blocks * kMxBlock, planes, rows});
    auto nan_view = dense_view(nan, {blocks, rows});
    run_kernel(kernels().mx_decode_i16, code.raw_buffer(), scale.raw_buffer(), int(format), value.raw_buffer(),
               nan_view.raw_buffer());
}

void decode_int8(const uint8_t *codes, const uint8_t *scales, MxFormat format, int rows, int blocks, int offset,
                 int scale_shift, uint8_t *values, float *block_scales) {
    auto code = code_view(codes, format, rows, blocks);
    auto scale = dense_view(scales, {blocks, rows});
    auto value = dense_view(values, {blocks * kMxBlock, rows});
    auto block_scale = dense_view(block_scales, {blocks, rows});
    run_kernel(kernels().mx_decode_i8, code.raw_buffer(), scale.raw_buffer(), int(format), offset, scale_shift,
               value.raw_buffer(), block_scale.raw_buffer());
}

}  // namespace lpgen
