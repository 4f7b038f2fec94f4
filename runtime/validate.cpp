#include "validate.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lpgen {

namespace {
// Halide buffers without the large_buffers feature address at most 2^31 - 1 elements.
constexpr size_t kMaxElements = static_cast<size_t>(std::numeric_limits<int32_t>::max());
}  // namespace

size_t checked_mul(size_t a, size_t b, const char *what) {
    LPGEN_REQUIRE(b == 0 || a <= kMaxElements / b, std::string(what) + " is too large (over 2^31 - 1 elements)");
    return a * b;
}

size_t checked_product(std::initializer_list<size_t> factors, const char *what) {
    size_t product = 1;
    for (size_t f : factors) product = checked_mul(product, f, what);
    return product;
}

void check_positive(int value, const char *name) {
    LPGEN_REQUIRE(value >= 1, std::string(name) + " must be at least 1, got " + std::to_string(value));
}

static void check_encoding(Encoding e, const char *name) {
    const int v = static_cast<int>(e);
    if (v < 0 || v > 2) {
        fail_unsupported(std::string(name) + ".encoding " + std::to_string(v) +
                         " is not unsigned (0), signed (1) or bipolar (2)");
    }
}

void check_operand(const Operand &op, const char *name) {
    if (op.bits < 1 || op.bits > 8) {
        fail_unsupported(std::string(name) + ".bits is " + std::to_string(op.bits) +
                         "; bit-serial operands have 1 to 8 bits");
    }
    check_encoding(op.encoding, name);
    LPGEN_REQUIRE(op.zero_point >= -256 && op.zero_point <= 256,
            std::string(name) + ".zero_point " + std::to_string(op.zero_point) + " is outside [-256, 256]");
}

void check_quantization(const Quantization &q, const char *name) {
    check_operand(Operand{q.bits, q.encoding, q.zero_point}, name);
    LPGEN_REQUIRE(std::isfinite(q.scale) && q.scale > 0.0f, std::string(name) + ".scale must be finite and positive");
    // Bipolar levels are the odd integers, symmetric about 0: there is nothing to shift.
    LPGEN_REQUIRE(q.encoding != Encoding::Bipolar || q.zero_point == 0,
                  std::string(name) + ".zero_point must be 0 for a bipolar encoding, got " +
                      std::to_string(q.zero_point));
}

void check_epilogue(const Fp32Epilogue &e, int channels) {
    LPGEN_REQUIRE(e.scale != nullptr, "epilogue.scale is null");
    LPGEN_REQUIRE(e.scale_count == 1 || e.scale_count == static_cast<size_t>(channels),
            "epilogue.scale_count must be 1 (per tensor) or " + std::to_string(channels) + " (per channel), got " +
                std::to_string(e.scale_count));
    if (e.bias != nullptr) {
        LPGEN_REQUIRE(e.bias_count == 1 || e.bias_count == static_cast<size_t>(channels),
                "epilogue.bias_count must be 1 or " + std::to_string(channels) + ", got " +
                    std::to_string(e.bias_count));
    }
    LPGEN_REQUIRE(!std::isnan(e.clamp_min) && !std::isnan(e.clamp_max) && e.clamp_min <= e.clamp_max,
            "epilogue clamp range is empty or NaN");
}

int64_t max_magnitude(const Operand &op) {
    const int64_t levels = (int64_t{1} << op.bits) - 1;
    int64_t lo = 0, hi = levels;
    if (op.encoding == Encoding::Signed) {
        lo = -(int64_t{1} << (op.bits - 1));
        hi = (int64_t{1} << (op.bits - 1)) - 1;
    } else if (op.encoding == Encoding::Bipolar) {
        lo = -levels;
    }
    return std::max(std::abs(lo - op.zero_point), std::abs(hi - op.zero_point));
}

bool fits_int32(int64_t terms, const Operand &a, const Operand &w) {
    const long double bound = static_cast<long double>(terms) * max_magnitude(a) * max_magnitude(w);
    return bound <= std::numeric_limits<int32_t>::max();
}

void check_int32_range(int64_t terms, const Operand &a, const Operand &w) {
    LPGEN_REQUIRE(fits_int32(terms, a, w),
            "int32 output could overflow: " + std::to_string(terms) + " products of " + std::to_string(a.bits) +
                "-bit by " + std::to_string(w.bits) + "-bit values; use the fp32 epilogue");
}

}  // namespace lpgen
