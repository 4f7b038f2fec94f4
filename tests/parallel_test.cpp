// set_num_threads: calls split their outputs between threads and give the same bits as one
// thread, for every kernel family; more threads than rows and bad counts are handled.
#include <cstring>

#include "mx_test_support.h"
#include "parallel.h"
#include "test_support.h"

namespace lpgen {
namespace {

using test::MxMatrix;
using test::random_codes;

// Restores one thread when a test ends, whatever happens in it. Small test shapes are split
// too: the work threshold that keeps real calls from paying for threads they cannot use is off.
struct ThreadCount {
    explicit ThreadCount(int n) {
        set_num_threads(n);
        set_min_slice_work(1);
    }
    ~ThreadCount() {
        set_num_threads(1);
        set_min_slice_work(0);
    }
};

// Runs `call(out)` with 1 thread and with `threads`, and expects the same bytes.
template <typename T, typename Call>
void expect_same_with_threads(size_t count, int threads, Call call) {
    std::vector<T> one(count, T(-7)), many(count, T(-9));
    {
        ThreadCount t(1);
        call(one.data());
    }
    {
        ThreadCount t(threads);
        call(many.data());
    }
    EXPECT_EQ(0, std::memcmp(one.data(), many.data(), count * sizeof(T))) << threads << " threads";
}

std::vector<uint64_t> packed(int rows, int k, int bits, std::mt19937 &rng) {
    const std::vector<uint8_t> codes = random_codes(size_t(rows) * k, bits, rng);
    std::vector<uint64_t> out(packed_words(rows, k, bits));
    pack_bits(codes.data(), codes.size(), rows, k, bits, out.data(), out.size());
    return out;
}

Conv2dShape conv_3x3(int h, int w, int c, int oc, int stride) {
    Conv2dShape s;
    s.height = h, s.width = w, s.channels = c, s.out_channels = oc, s.kernel_h = s.kernel_w = 3;
    s.stride_h = s.stride_w = stride;
    s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = 1;
    return s;
}

const float kOne = 1.0f;
const Fp32Epilogue kIdentity{&kOne, 1};

TEST(Threads, bitserial_gemm_and_conv2d_give_the_same_bits) {
    std::mt19937 rng(70);
    const GemmShape g{77, 40, 200};
    const auto a = packed(g.m, g.k, 2, rng), w = packed(g.n, g.k, 1, rng);
    for (int threads : {2, 3, 100}) {
        expect_same_with_threads<int32_t>(size_t(g.m) * g.n, threads, [&](int32_t *out) {
            bitserial_gemm(g, a.data(), a.size(), {2}, w.data(), w.size(), {1}, out, size_t(g.m) * g.n);
        });
        expect_same_with_threads<float>(size_t(g.m) * g.n, threads, [&](float *out) {
            bitserial_gemm(g, a.data(), a.size(), {2}, w.data(), w.size(), {1}, kIdentity, out, size_t(g.m) * g.n);
        });
    }
    const Conv2dShape s = conv_3x3(13, 11, 70, 9, 1);
    const auto ca = packed(s.height * s.width, s.channels, 2, rng);
    const auto cw = packed(s.out_channels * 9, s.channels, 2, rng);
    const size_t count = size_t(s.out_height()) * s.out_width() * s.out_channels;
    for (int threads : {2, 5}) {
        expect_same_with_threads<int32_t>(count, threads, [&](int32_t *out) {
            bitserial_conv2d(s, ca.data(), ca.size(), {2}, cw.data(), cw.size(), {2}, out, count);
        });
        expect_same_with_threads<float>(count, threads, [&](float *out) {
            bitserial_conv2d(s, ca.data(), ca.size(), {2}, cw.data(), cw.size(), {2}, kIdentity, out, count);
        });
    }
}

TEST(Threads, baselines_give_the_same_bits) {
    std::mt19937 rng(71);
    const GemmShape g{45, 33, 70};
    std::vector<int8_t> a(size_t(g.m) * g.k), w(size_t(g.n) * g.k);
    for (auto &v : a) v = int8_t(rng());
    for (auto &v : w) v = int8_t(rng());
    expect_same_with_threads<int32_t>(size_t(g.m) * g.n, 2, [&](int32_t *out) {
        baseline_gemm(g, a.data(), a.size(), w.data(), w.size(), out, size_t(g.m) * g.n);
    });
    const Conv2dShape s = conv_3x3(9, 7, 16, 5, 2);
    std::vector<float> ca(size_t(s.height) * s.width * s.channels), cw(size_t(s.out_channels) * 9 * s.channels);
    for (auto &v : ca) v = float(int(rng() % 17) - 8);
    for (auto &v : cw) v = float(int(rng() % 17) - 8);
    const size_t count = size_t(s.out_height()) * s.out_width() * s.out_channels;
    expect_same_with_threads<float>(count, 2, [&](float *out) {
        baseline_conv2d(s, ca.data(), ca.size(), cw.data(), cw.size(), out, count);
    });
}

TEST(Threads, mx_gemm_gemv_and_conv2d_give_the_same_bits) {
    std::mt19937 rng(72);
    // int8 GEMM rows, int8 GEMV columns, the int16 path (narrow, GEMV, wide; one and
    // two activation planes), the generic path.
    for (auto [shape, af, wf] : {std::tuple{GemmShape{37, 70, 96}, MxFormat::Fp4E2M1, MxFormat::Fp4E2M1},
                                 std::tuple{GemmShape{1, 300, 128}, MxFormat::Int8, MxFormat::Fp4E2M1},
                                 std::tuple{GemmShape{40, 20, 64}, MxFormat::Fp6E3M2, MxFormat::Fp4E2M1},
                                 std::tuple{GemmShape{2, 300, 128}, MxFormat::Fp6E3M2, MxFormat::Fp6E3M2},
                                 std::tuple{GemmShape{70, 130, 64}, MxFormat::Int8, MxFormat::Fp6E3M2},
                                 std::tuple{GemmShape{3, 300, 96}, MxFormat::Fp8E4M3, MxFormat::Fp4E2M1},
                                 std::tuple{GemmShape{50, 70, 64}, MxFormat::Fp8E4M3, MxFormat::Fp6E2M3},
                                 std::tuple{GemmShape{40, 20, 64}, MxFormat::Fp8E4M3, MxFormat::Fp8E5M2}}) {
        const MxMatrix a(shape.m, shape.k, af, rng), w(shape.n, shape.k, wf, rng);
        const MxWeights weights(shape.n, shape.k, wf, w.codes.data(), w.codes.size(), w.scales.data(), w.scales.size());
        const size_t count = size_t(shape.m) * shape.n;
        const GemmShape gemm = shape;  // structured bindings cannot be captured before C++20
        const MxFormat a_format = af;
        expect_same_with_threads<float>(count, 3, [&](float *out) {
            mx_gemm(gemm, a.codes.data(), a.codes.size(), a.scales.data(), a.scales.size(), a_format, weights,
                    kIdentity, out, count);
        });
    }
    const Conv2dShape s = conv_3x3(10, 9, 40, 6, 1);
    const MxMatrix a(s.height * s.width, s.channels, MxFormat::Fp4E2M1, rng), w(6 * 9, s.channels, MxFormat::Int8, rng);
    const MxWeights weights = MxWeights::conv2d(6, 3, 3, s.channels, MxFormat::Int8, w.codes.data(), w.codes.size(),
                                                w.scales.data(), w.scales.size());
    const size_t count = size_t(s.out_height()) * s.out_width() * s.out_channels;
    expect_same_with_threads<float>(count, 2, [&](float *out) {
        mx_conv2d(s, a.codes.data(), a.codes.size(), a.scales.data(), a.scales.size(), MxFormat::Fp4E2M1, weights,
                  kIdentity, out, count);
    });
}

TEST(Threads, mx_quantize_and_dequantize_give_the_same_bits) {
    std::mt19937 rng(73);
    const int rows = 37, k = 70;  // K not a multiple of the block
    for (MxFormat f : {MxFormat::Fp4E2M1, MxFormat::Fp6E3M2, MxFormat::Fp8E4M3}) {
        const MxMatrix a(rows, k, f, rng);
        const size_t code_bytes = a.codes.size(), scale_count = a.scales.size();
        // Codes, then scales, in one array.
        expect_same_with_threads<uint8_t>(code_bytes + scale_count, 3, [&](uint8_t *out) {
            mx_quantize(a.source.data(), a.source.size(), rows, k, f, out, code_bytes, out + code_bytes, scale_count);
        });
        expect_same_with_threads<float>(size_t(rows) * k, 3, [&](float *out) {
            mx_dequantize(a.codes.data(), code_bytes, a.scales.data(), scale_count, rows, k, f, out, size_t(rows) * k);
        });
    }
}

TEST(Threads, counts_are_checked_and_zero_means_every_hardware_thread) {
    EXPECT_THROW(set_num_threads(-1), Error);
    {
        ThreadCount t(0);
        EXPECT_GE(num_threads(), 1);
    }
    EXPECT_EQ(num_threads(), 1);
}

}  // namespace
}  // namespace lpgen
