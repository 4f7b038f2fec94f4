// Entry points of the bitpack kernels.
#include <vector>

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
    // OR of every code first (a loop the compiler vectorizes); the offending index only on failure.
    uint8_t all = 0;
    for (size_t i = 0; i < needed; ++i) all |= values[i];
    if (all >> bits) {
        for (size_t i = 0; i < needed; ++i) {
            LPGEN_REQUIRE(values[i] >> bits == 0, "values[" + std::to_string(i) + "] = " + std::to_string(values[i]) +
                                                     " does not fit in " + std::to_string(bits) + " bits");
        }
    }
    auto packed = dense_view(out, {words_for(k), bits, rows});
    // Rows of whole 8-code groups, 8-byte aligned: read them as uint64 groups.
    if (k % 8 == 0 && reinterpret_cast<uintptr_t>(values) % alignof(uint64_t) == 0) {
        auto groups = dense_view(reinterpret_cast<const uint64_t *>(values), {k / 8, rows});
        return run_kernel(kernels().bitpack_groups, groups.raw_buffer(), packed.raw_buffer());
    }
    auto in = dense_view(values, {k, rows});
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
    const KernelSet &set = kernels();
    if (k % 8 == 0) {
        // Quantize into uint8 codes, then pack them as 8-code groups: 5-10x faster than
        // assembling the groups byte by byte inside bitpack_f32 (C3: 504 -> about 60 us at 2 bits).
        thread_local std::vector<uint64_t> scratch;
        scratch.resize(needed / 8);
        auto codes = dense_view(reinterpret_cast<uint8_t *>(scratch.data()), {k, rows});
        const char *name = run_kernel(set.quantize_u8, in.raw_buffer(), q.scale, q.zero_point, q.bits,
                                      static_cast<int32_t>(q.encoding), codes.raw_buffer());
        auto groups = dense_view(static_cast<const uint64_t *>(scratch.data()), {k / 8, rows});
        run_kernel(set.bitpack_groups, groups.raw_buffer(), packed.raw_buffer());
        return name;
    }
    return run_kernel(set.bitpack_f32, in.raw_buffer(), q.scale, q.zero_point, q.bits,
                      static_cast<int32_t>(q.encoding), packed.raw_buffer());
}

}  // namespace lpgen
