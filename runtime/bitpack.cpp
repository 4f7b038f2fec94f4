// Entry points of the bitpack kernels.
#include "halide_call.h"
#include "validate.h"

namespace lpgen {

size_t packed_words(int rows, int k, int bits) {
    check_positive(rows, "rows");
    check_positive(k, "k");
    check_positive(bits, "bits");
    return checked_product({size_t(rows), size_t(bits), size_t(words_for(k))}, "packed operand");
}

const char *pack_bits(const uint8_t *values, size_t value_count, int rows, int k, int bits, uint64_t *out,
                      size_t out_words) {
    check_operand(Operand{bits, Encoding::Unsigned, 0}, "pack");
    const size_t needed = checked_product({size_t(rows), size_t(k)}, "values");
    check_buffer(values, value_count, needed, "values");
    check_buffer(out, out_words, packed_words(rows, k, bits), "packed output");
    const unsigned limit = 1u << bits;
    for (size_t i = 0; i < needed; ++i) {
        LPGEN_REQUIRE(values[i] < limit, "values[" + std::to_string(i) + "] = " + std::to_string(values[i]) +
                                       " does not fit in " + std::to_string(bits) + " bits");
    }
    auto in = dense_view(values, {k, rows});
    auto packed = dense_view(out, {words_for(k), bits, rows});
    return run_kernel(kernels().bitpack_u8, in.raw_buffer(), packed.raw_buffer());
}

const char *quantize_pack(const float *values, size_t value_count, int rows, int k, const Quantization &q,
                          uint64_t *out, size_t out_words) {
    check_quantization(q, "quantization");
    const size_t needed = checked_product({size_t(rows), size_t(k)}, "values");
    check_buffer(values, value_count, needed, "values");
    check_buffer(out, out_words, packed_words(rows, k, q.bits), "packed output");
    auto in = dense_view(values, {k, rows});
    auto packed = dense_view(out, {words_for(k), q.bits, rows});
    return run_kernel(kernels().bitpack_f32, in.raw_buffer(), q.scale, q.zero_point, q.bits,
                      static_cast<int32_t>(q.encoding), packed.raw_buffer());
}

}  // namespace lpgen
