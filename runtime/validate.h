// Argument checks shared by the entry points. Each throws lpgen::Error naming the argument;
// sizes are computed with overflow checks so a huge shape cannot wrap into a small buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "lpgen/bitserial.hpp"

namespace lpgen {

[[noreturn]] inline void fail(const std::string &message) { throw Error("lpgen: " + message); }
[[noreturn]] inline void fail_unsupported(const std::string &message) { throw Unsupported("lpgen: " + message); }

// Checks a condition; the message is only built when the check fails (calls stay cheap).
#define LPGEN_REQUIRE(condition, message)          \
    do {                                           \
        if (!(condition)) ::lpgen::fail(message);  \
    } while (0)

// a * b, or an error if it overflows what a Halide buffer (32-bit extents) can address.
size_t checked_mul(size_t a, size_t b, const char *what);
size_t checked_product(std::initializer_list<size_t> factors, const char *what);

void check_positive(int value, const char *name);
void check_operand(const Operand &op, const char *name);
void check_quantization(const Quantization &q, const char *name);
void check_epilogue(const Fp32Epilogue &e, int channels);

// Non-null and at least `needed` elements.
template <typename T>
void check_buffer(const T *data, size_t have, size_t needed, const char *name) {
    LPGEN_REQUIRE(data != nullptr, std::string(name) + " is null");
    LPGEN_REQUIRE(have >= needed, std::string(name) + " holds " + std::to_string(have) + " elements, needs " +
                                std::to_string(needed));
}

inline int words_for(int k) { return static_cast<int>((int64_t(k) + 63) / 64); }

// Largest |decoded value - zero point| an operand can take.
int64_t max_magnitude(const Operand &op);

// Whether every sum of `terms` products at these widths fits int32 (so 32-bit accumulators
// are exact); check_int32_range throws when it does not.
bool fits_int32(int64_t terms, const Operand &a, const Operand &w);
void check_int32_range(int64_t terms, const Operand &a, const Operand &w);

}  // namespace lpgen
