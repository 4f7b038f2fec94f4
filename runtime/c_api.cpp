// lpgen.h, common part and the bit-serial family: C structs in, C++ entry points, status out.
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "bitserial_int8.h"
#include "c_api_convert.h"
#include "conv_shape.h"
#include "tuned_kernels.h"

namespace lpgen::capi {

namespace {
thread_local std::string t_last_error;
thread_local const char *t_last_kernel = "";
}  // namespace

void set_last_error(const std::string &message) { t_last_error = message; }
void set_last_kernel(const char *name) { t_last_kernel = name; }

}  // namespace lpgen::capi

using namespace lpgen;
using lpgen::capi::guarded;
using lpgen::capi::required;
using lpgen::capi::to_cpp;

namespace {

// A registry entry's check, its failure named by the entry's index.
template <typename Check>
void check_entry(size_t i, Check &&check) {
    try {
        check();
    } catch (const lpgen::Error &error) {
        std::string reason = error.what();
        if (reason.rfind("lpgen: ", 0) == 0) reason.erase(0, 7);
        lpgen::fail("entry " + std::to_string(i) + ": " + reason);
    }
}

}  // namespace

// Packed weight bit-planes and the geometry they were packed for, so a call with another
// shape is rejected instead of reading the wrong rows.
struct lpgen_bs_weights {
    bool conv2d = false;
    int rows = 0;  // N, or OC
    int k = 0;     // K, or C
    int kernel_h = 1, kernel_w = 1;
    Operand op;
    std::vector<uint64_t> words;
    // The int8 dot-product path's copy of the values, made on the first call that takes it.
    std::unique_ptr<lpgen::Int8DotCache> int8 = std::make_unique<lpgen::Int8DotCache>();
};

namespace {

// Sizes for functions that return a size: 0 instead of an exception.
template <typename Fn>
size_t size_or_zero(Fn &&fn) noexcept {
    try {
        return fn();
    } catch (...) {
        return 0;
    }
}

int conv_out_extent(const lpgen_conv2d_shape *shape, bool height) noexcept {
    if (shape == nullptr) return -1;
    try {
        const Conv2dShape s = to_cpp(*shape);
        check_conv_shape(s);
        return height ? s.out_height() : s.out_width();
    } catch (...) {
        return -1;
    }
}

// The handle of a call, checked to hold weights packed for this operator and shape.
const lpgen_bs_weights &matching_weights(const lpgen_bs_weights *w, const GemmShape &s) {
    const lpgen_bs_weights &h = required(w, "w (weights handle)");
    LPGEN_REQUIRE(!h.conv2d, "w holds conv2d weights; pack GEMM weights with lpgen_bs_weights_gemm");
    LPGEN_REQUIRE(h.rows == s.n && h.k == s.k, "w was packed for N=" + std::to_string(h.rows) + ", K=" +
                                                   std::to_string(h.k) + ", the call has N=" + std::to_string(s.n) +
                                                   ", K=" + std::to_string(s.k));
    return h;
}

const lpgen_bs_weights &matching_weights(const lpgen_bs_weights *w, const Conv2dShape &s) {
    const lpgen_bs_weights &h = required(w, "w (weights handle)");
    LPGEN_REQUIRE(h.conv2d, "w holds GEMM weights; pack conv2d weights with lpgen_bs_weights_conv2d");
    LPGEN_REQUIRE(h.rows == s.out_channels && h.kernel_h == s.kernel_h && h.kernel_w == s.kernel_w &&
                      h.k == s.channels,
                  "w was packed for OC=" + std::to_string(h.rows) + ", " + std::to_string(h.kernel_h) + "x" +
                      std::to_string(h.kernel_w) + ", C=" + std::to_string(h.k) + "; the call has OC=" +
                      std::to_string(s.out_channels) + ", " + std::to_string(s.kernel_h) + "x" +
                      std::to_string(s.kernel_w) + ", C=" + std::to_string(s.channels));
    return h;
}

// The shared steps of the GEMM and conv2d calls: the shape, the activation operand and the
// weights handle checked against each other, then `call` with them.
template <typename CShape, typename Call>
lpgen_status bitserial_call(const CShape *shape, const lpgen_operand *a_op, const lpgen_bs_weights *w, Call &&call) {
    return guarded([&] {
        const auto s = to_cpp(required(shape, "shape"));
        const lpgen_bs_weights &h = matching_weights(w, s);
        return call(s, to_cpp(required(a_op, "a_op")), h);
    });
}

lpgen_status make_weights(const uint8_t *codes, size_t code_count, int rows, int k, int kernel_h, int kernel_w,
                          bool conv2d, const lpgen_operand *op, lpgen_bs_weights **weights) {
    return guarded([&] {
        LPGEN_REQUIRE(weights != nullptr, "weights (the handle to fill) is null");
        const Operand w_op = to_cpp(required(op, "op"));
        check_operand(w_op, "op");
        check_positive(kernel_h, "kernel_h");
        check_positive(kernel_w, "kernel_w");
        check_positive(rows, conv2d ? "out_channels" : "n");
        check_positive(k, conv2d ? "channels" : "k");
        const int packed_rows = static_cast<int>(checked_product({size_t(rows), size_t(kernel_h), size_t(kernel_w)}, "weights"));
        // The codes first: a short buffer with a huge shape must fail before any allocation.
        check_buffer(codes, code_count, checked_product({size_t(packed_rows), size_t(k)}, "weights"), "codes");
        auto h = std::make_unique<lpgen_bs_weights>();
        h->conv2d = conv2d, h->rows = rows, h->k = k, h->kernel_h = kernel_h, h->kernel_w = kernel_w, h->op = w_op;
        h->words.resize(packed_words(packed_rows, k, w_op.bits));
        const char *kernel = pack_bits(codes, code_count, packed_rows, k, w_op.bits, h->words.data(), h->words.size());
        *weights = h.release();
        return kernel;
    });
}

}  // namespace

extern "C" {

const char *lpgen_last_error(void) { return lpgen::capi::t_last_error.c_str(); }
const char *lpgen_last_kernel(void) { return lpgen::capi::t_last_kernel; }
const char *lpgen_version(void) { return LPGEN_VERSION; }
const char *lpgen_active_isa(void) {
    try {
        return active_isa();
    } catch (...) {
        return "none";
    }
}

lpgen_status lpgen_set_num_threads(int count) {
    return guarded([&] {
        LPGEN_REQUIRE(count >= 0, "thread count must be 0 (all) or positive, got " + std::to_string(count));
        set_num_threads(count);
        return "";
    });
}

int lpgen_num_threads(void) { return num_threads(); }

lpgen_status lpgen_register_kernels(const lpgen_kernel_entry *entries, size_t count) {
    return guarded([&] {
        LPGEN_REQUIRE(count == 0 || entries != nullptr, "entries is null");
        auto text = [](const char *field, size_t i, const char *what) {
            LPGEN_REQUIRE(field != nullptr && *field != 0, "entry " + std::to_string(i) + ": " + what + " is null or empty");
            return std::string(field);
        };
        for (size_t i = 0; i < count; ++i) {
            const lpgen_kernel_entry &e = entries[i];
            const std::string family = text(e.family, i, "family");
            const std::string shape = text(e.shape, i, "shape");
            const std::string isa = text(e.isa, i, "isa");
            check_entry(i, [&] { lpgen::check_tuned_entry(family, shape, isa); });
            text(e.name, i, "name");
            LPGEN_REQUIRE(e.function != nullptr, "entry " + std::to_string(i) + ": function is null");
        }
        for (size_t i = 0; i < count; ++i) {
            const lpgen_kernel_entry &e = entries[i];
            lpgen::register_tuned_kernel(e.family, e.shape, e.isa, e.function, e.name);
        }
        return "";
    });
}

lpgen_status lpgen_register_algorithms(const lpgen_algorithm_entry *entries, size_t count) {
    return guarded([&] {
        LPGEN_REQUIRE(count == 0 || entries != nullptr, "entries is null");
        std::vector<lpgen::BitserialAlgorithm> chosen;
        for (size_t i = 0; i < count; ++i) {
            const lpgen_algorithm_entry &e = entries[i];
            const std::string at = "entry " + std::to_string(i) + ": ";
            for (const char *field : {e.family, e.shape, e.isa, e.algorithm}) {
                LPGEN_REQUIRE(field != nullptr && *field != 0, at + "a field is null or empty");
            }
            const auto algorithm = lpgen::parse_algorithm(e.algorithm);
            LPGEN_REQUIRE(algorithm && *algorithm != lpgen::BitserialAlgorithm::Auto,
                          at + "algorithm '" + std::string(e.algorithm).substr(0, 40) + "' is not popcount or int8-dot");
            check_entry(i, [&] { lpgen::check_algorithm_entry(e.family, e.shape, e.isa, *algorithm); });
            chosen.push_back(*algorithm);
        }
        for (size_t i = 0; i < count; ++i) {
            lpgen::register_algorithm(entries[i].family, entries[i].shape, entries[i].isa, chosen[i]);
        }
        return "";
    });
}

void lpgen_clear_kernels(void) { lpgen::clear_tuned_kernels(); }

int lpgen_conv2d_out_height(const lpgen_conv2d_shape *shape) { return conv_out_extent(shape, true); }
int lpgen_conv2d_out_width(const lpgen_conv2d_shape *shape) { return conv_out_extent(shape, false); }

lpgen_epilogue lpgen_epilogue_identity(const float *one) {
    return {one, 1, nullptr, 0, -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
}

size_t lpgen_packed_words(int rows, int k, int bits) {
    return size_or_zero([&] {
        check_operand(Operand{bits, Encoding::Unsigned, 0}, "bits");
        return packed_words(rows, k, bits);
    });
}

lpgen_status lpgen_pack_bits(const uint8_t *codes, size_t code_count, int rows, int k, int bits, uint64_t *out,
                             size_t out_words) {
    return guarded([&] { return pack_bits(codes, code_count, rows, k, bits, out, out_words); });
}

lpgen_status lpgen_quantize_pack(const float *values, size_t value_count, int rows, int k,
                                 const lpgen_quantization *q, uint64_t *out, size_t out_words) {
    return guarded([&] {
        return quantize_pack(values, value_count, rows, k, to_cpp(required(q, "q")), out, out_words);
    });
}

lpgen_status lpgen_bs_weights_gemm(const uint8_t *codes, size_t code_count, int n, int k, const lpgen_operand *op,
                                   lpgen_bs_weights **weights) {
    return make_weights(codes, code_count, n, k, 1, 1, false, op, weights);
}

lpgen_status lpgen_bs_weights_conv2d(const uint8_t *codes, size_t code_count, int out_channels, int kernel_h,
                                     int kernel_w, int channels, const lpgen_operand *op,
                                     lpgen_bs_weights **weights) {
    return make_weights(codes, code_count, out_channels, channels, kernel_h, kernel_w, true, op, weights);
}

void lpgen_bs_weights_free(lpgen_bs_weights *weights) { delete weights; }

lpgen_status lpgen_bs_gemm_i32(const lpgen_gemm_shape *shape, const uint64_t *a, size_t a_words,
                               const lpgen_operand *a_op, const lpgen_bs_weights *w, int32_t *out,
                               size_t out_count) {
    return bitserial_call(shape, a_op, w, [&](const GemmShape &s, const Operand &ao, const lpgen_bs_weights &h) {
        return bitserial_gemm(s, a, a_words, ao, h.words.data(), h.words.size(), h.op, out, out_count, h.int8.get());
    });
}

lpgen_status lpgen_bs_gemm_f32(const lpgen_gemm_shape *shape, const uint64_t *a, size_t a_words,
                               const lpgen_operand *a_op, const lpgen_bs_weights *w, const lpgen_epilogue *epilogue,
                               float *out, size_t out_count) {
    return bitserial_call(shape, a_op, w, [&](const GemmShape &s, const Operand &ao, const lpgen_bs_weights &h) {
        return bitserial_gemm(s, a, a_words, ao, h.words.data(), h.words.size(), h.op,
                              to_cpp(required(epilogue, "epilogue")), out, out_count, h.int8.get());
    });
}

lpgen_status lpgen_bs_gemm_packed(const lpgen_gemm_shape *shape, const uint64_t *a, size_t a_words,
                                  const lpgen_operand *a_op, const lpgen_bs_weights *w,
                                  const lpgen_epilogue *epilogue, const lpgen_quantization *next, uint64_t *out,
                                  size_t out_words) {
    return bitserial_call(shape, a_op, w, [&](const GemmShape &s, const Operand &ao, const lpgen_bs_weights &h) {
        return bitserial_gemm(s, a, a_words, ao, h.words.data(), h.words.size(), h.op,
                              to_cpp(required(epilogue, "epilogue")), to_cpp(required(next, "next")), out, out_words);
    });
}

lpgen_status lpgen_bs_conv2d_i32(const lpgen_conv2d_shape *shape, const uint64_t *a, size_t a_words,
                                 const lpgen_operand *a_op, const lpgen_bs_weights *w, int32_t *out,
                                 size_t out_count) {
    return bitserial_call(shape, a_op, w, [&](const Conv2dShape &s, const Operand &ao, const lpgen_bs_weights &h) {
        return bitserial_conv2d(s, a, a_words, ao, h.words.data(), h.words.size(), h.op, out, out_count, h.int8.get());
    });
}

lpgen_status lpgen_bs_conv2d_f32(const lpgen_conv2d_shape *shape, const uint64_t *a, size_t a_words,
                                 const lpgen_operand *a_op, const lpgen_bs_weights *w,
                                 const lpgen_epilogue *epilogue, float *out, size_t out_count) {
    return bitserial_call(shape, a_op, w, [&](const Conv2dShape &s, const Operand &ao, const lpgen_bs_weights &h) {
        return bitserial_conv2d(s, a, a_words, ao, h.words.data(), h.words.size(), h.op,
                                to_cpp(required(epilogue, "epilogue")), out, out_count, h.int8.get());
    });
}

lpgen_status lpgen_bs_conv2d_packed(const lpgen_conv2d_shape *shape, const uint64_t *a, size_t a_words,
                                    const lpgen_operand *a_op, const lpgen_bs_weights *w,
                                    const lpgen_epilogue *epilogue, const lpgen_quantization *next, uint64_t *out,
                                    size_t out_words) {
    return bitserial_call(shape, a_op, w, [&](const Conv2dShape &s, const Operand &ao, const lpgen_bs_weights &h) {
        return bitserial_conv2d(s, a, a_words, ao, h.words.data(), h.words.size(), h.op,
                                to_cpp(required(epilogue, "epilogue")), to_cpp(required(next, "next")), out,
                                out_words);
    });
}

}  // extern "C"
