#include "reference/reference.h"
#include "test_support.h"

namespace lpgen {
namespace {

using test::PerIsa;

template <typename T>
std::vector<T> random_values(size_t count, std::mt19937 &rng) {
    std::vector<T> v(count);
    if constexpr (std::is_floating_point_v<T>) {
        std::uniform_int_distribution<int> dist(-8, 8);  // small integers: fp32 sums are exact
        for (auto &x : v) x = static_cast<T>(dist(rng));
    } else {
        std::uniform_int_distribution<int> dist(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
        for (auto &x : v) x = static_cast<T>(dist(rng));
    }
    return v;
}

class Baseline : public PerIsa {};

template <typename T, typename Acc>
void check_gemm(const GemmShape &s, std::mt19937 &rng) {
    auto a = random_values<T>(size_t(s.m) * s.k, rng);
    auto w = random_values<T>(size_t(s.n) * s.k, rng);
    std::vector<Acc> out(size_t(s.m) * s.n);
    baseline_gemm(s, a.data(), a.size(), w.data(), w.size(), out.data(), out.size());
    EXPECT_EQ(out, (ref::dense_gemm<T, Acc>(a, w, s))) << s.m << "x" << s.n << "x" << s.k;
}

template <typename T, typename Acc>
void check_conv(const Conv2dShape &s, std::mt19937 &rng) {
    auto a = random_values<T>(size_t(s.batch) * s.height * s.width * s.channels, rng);
    auto w = random_values<T>(size_t(s.out_channels) * s.kernel_h * s.kernel_w * s.channels, rng);
    std::vector<Acc> out(size_t(s.batch) * s.out_height() * s.out_width() * s.out_channels);
    baseline_conv2d(s, a.data(), a.size(), w.data(), w.size(), out.data(), out.size());
    EXPECT_EQ(out, (ref::dense_conv2d<T, Acc>(a, w, s)));
}

TEST_P(Baseline, gemm_matches_reference_for_int8_int16_fp32) {
    std::mt19937 rng(20);
    for (GemmShape s : {GemmShape{1, 1, 1}, GemmShape{5, 33, 70}, GemmShape{17, 9, 129}}) {
        check_gemm<int8_t, int32_t>(s, rng);
        check_gemm<int16_t, int32_t>(s, rng);
        check_gemm<float, float>(s, rng);
    }
}

TEST_P(Baseline, conv2d_matches_reference_for_int8_int16_fp32) {
    std::mt19937 rng(21);
    Conv2dShape s;
    s.batch = 2, s.height = 7, s.width = 6, s.channels = 13, s.out_channels = 21, s.kernel_h = s.kernel_w = 3;
    s.stride_h = 2, s.pad_top = 1, s.pad_left = 0, s.pad_bottom = 2, s.pad_right = 1, s.dilation_w = 2;
    check_conv<int8_t, int32_t>(s, rng);
    check_conv<int16_t, int32_t>(s, rng);
    check_conv<float, float>(s, rng);
}

LPGEN_INSTANTIATE_PER_ISA(Baseline);

}  // namespace
}  // namespace lpgen
