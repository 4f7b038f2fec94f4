#include "layer_job.h"

#include <cmath>
#include <random>
#include <sstream>
#include <type_traits>
#include <vector>

#include "c_api_convert.h"
#include "lpgen/lpgen.hpp"
#include "lpgen/mx.hpp"
#include "mx_test_support.h"
#include "reference/mx_reference.h"
#include "reference/reference.h"

namespace lpgen::cli {
namespace {

using capi::to_c;

size_t input_count(const Conv2dShape &s) { return size_t(s.batch) * s.height * s.width * s.channels; }
size_t weight_count(const Conv2dShape &s) { return size_t(s.out_channels) * s.kernel_h * s.kernel_w * s.channels; }
size_t output_count(const Conv2dShape &s) { return size_t(s.batch) * s.out_height() * s.out_width() * s.out_channels; }

std::string mismatch(size_t index, double got, double want) {
    std::ostringstream out;
    out << "output[" << index << "] = " << got << ", reference " << want;
    return out.str();
}

// Unsigned activations quantized from fp32 inside every call, unsigned weights, fp32 output
// with a per-channel scale, a bias and ReLU.
class BitserialJob : public LayerJob {
public:
    BitserialJob(const Conv2dShape &s, const Precision &p, unsigned seed)
        : s_(s), c_shape_(to_c(s)), q_{0.125f, 0, p.abits, LPGEN_UNSIGNED}, a_op_{p.abits, LPGEN_UNSIGNED, 0}, wbits_(p.wbits) {
        std::mt19937 rng(seed);
        const float top = 0.125f * float((1 << p.abits) - 1);
        std::uniform_real_distribution<float> activation(0.0f, top);
        input_.resize(input_count(s));
        for (float &v : input_) v = activation(rng);
        std::uniform_int_distribution<int> code(0, (1 << p.wbits) - 1);
        w_codes_.resize(weight_count(s));
        for (uint8_t &c : w_codes_) c = static_cast<uint8_t>(code(rng));
        weights_ = api::BitserialWeights::conv2d(w_codes_, s.out_channels, s.kernel_h, s.kernel_w, s.channels,
                                                 {p.wbits, LPGEN_UNSIGNED, 0});
        std::normal_distribution<float> gauss(0.0f, 1.0f);
        epilogue_.scale.resize(s.out_channels), epilogue_.bias.resize(s.out_channels);
        for (float &v : epilogue_.scale) v = 0.01f + 0.001f * std::fabs(gauss(rng));
        for (float &v : epilogue_.bias) v = gauss(rng);
        epilogue_.clamp_min = 0.0f;
        packed_.resize(lpgen_packed_words(rows(), s.channels, p.abits));
        out_.resize(output_count(s));
    }

    std::string run() override {
        api::check(lpgen_quantize_pack(input_.data(), input_.size(), rows(), s_.channels, &q_, packed_.data(),
                                       packed_.size()));
        return run_operator();
    }

    std::string run_operator() override { return api::conv2d(c_shape_, packed_, a_op_, weights_, epilogue_, out_); }

    Verdict verify() override {
        run();
        const Quantization q{q_.scale, q_.zero_point, q_.bits, Encoding::Unsigned};
        std::vector<uint8_t> a_codes(input_.size());
        for (size_t i = 0; i < input_.size(); ++i) a_codes[i] = ref::quantize(input_[i], q);
        const auto dot = ref::conv2d(a_codes, w_codes_, s_, {q_.bits}, {wbits_});
        const Fp32Epilogue e{epilogue_.scale.data(), epilogue_.scale.size(), epilogue_.bias.data(),
                             epilogue_.bias.size(), epilogue_.clamp_min, epilogue_.clamp_max};
        const auto want = ref::fp32_epilogue(dot, s_.out_channels, e);
        for (size_t i = 0; i < want.size(); ++i) {
            if (!(out_[i] == want[i])) return {false, mismatch(i, out_[i], want[i])};
        }
        return {true, "bit-exact"};
    }

private:
    int rows() const { return s_.batch * s_.height * s_.width; }

    Conv2dShape s_;
    lpgen_conv2d_shape c_shape_;
    lpgen_quantization q_;
    lpgen_operand a_op_;
    int wbits_;
    std::vector<float> input_;
    std::vector<uint8_t> w_codes_;
    api::BitserialWeights weights_;
    api::Epilogue epilogue_;
    std::vector<uint64_t> packed_;
    std::vector<float> out_;
};

// fp32 activations quantized to the activation format inside the call (drop-in mode), weights
// quantized once; checked against fp64 over the reference codec's dequantized operands.
class MxJob : public LayerJob {
public:
    MxJob(const Conv2dShape &s, const Precision &p, unsigned seed) : s_(s), c_shape_(to_c(s)), p_(p) {
        std::mt19937 rng(seed);
        std::normal_distribution<float> gauss(0.0f, 1.0f);
        input_.resize(input_count(s)), w_values_.resize(weight_count(s));
        for (float &v : input_) v = gauss(rng);
        for (float &v : w_values_) v = 0.05f * gauss(rng);
        weights_ = api::MxWeights::conv2d(w_values_, s.out_channels, s.kernel_h, s.kernel_w, s.channels, p.w_format);
        out_.resize(output_count(s));
    }

    std::string run() override { return api::conv2d(c_shape_, input_, p_.a_format, weights_, identity_, out_); }

    Verdict verify() override {
        run();
        const std::vector<double> a = dequantized(input_, s_.batch * s_.height * s_.width, p_.a_format);
        const std::vector<double> w = dequantized(w_values_, s_.out_channels * s_.kernel_h * s_.kernel_w, p_.w_format);
        std::vector<double> a_abs(a.size()), w_abs(w.size());
        for (size_t i = 0; i < a.size(); ++i) a_abs[i] = std::fabs(a[i]);
        for (size_t i = 0; i < w.size(); ++i) w_abs[i] = std::fabs(w[i]);
        const auto want = ref::dense_conv2d<double, double>(a, w, s_);
        const auto magnitude = ref::dense_conv2d<double, double>(a_abs, w_abs, s_);
        const int blocks = s_.kernel_h * s_.kernel_w * ((s_.channels + 31) / 32);
        double worst = 0;
        for (size_t i = 0; i < want.size(); ++i) {
            const double bound = test::mx_dot_bound(magnitude[i], blocks);
            const double error = std::fabs(double(out_[i]) - want[i]);
            if (!(error <= bound)) return {false, mismatch(i, out_[i], want[i]) + ", bound " + std::to_string(bound)};
            if (magnitude[i] > 0) worst = std::max(worst, error / magnitude[i]);
        }
        std::ostringstream detail;
        detail << "within bound; worst |error| / sum|products| = " << worst;
        return {true, detail.str()};
    }

private:
    // rows x C values through the reference codec: quantize, then each element's exact value.
    std::vector<double> dequantized(const std::vector<float> &values, int rows, lpgen_mx_format f) const {
        const auto format = static_cast<MxFormat>(f);
        return test::MxMatrix::element_values(ref::mx_quantize(values, rows, s_.channels, format), rows, s_.channels,
                                              format);
    }

    Conv2dShape s_;
    lpgen_conv2d_shape c_shape_;
    Precision p_;
    std::vector<float> input_, w_values_;
    api::MxWeights weights_;
    api::Epilogue identity_;
    std::vector<float> out_;
};

// lpgen's generated dense kernels (int8, int16 -> int32; fp32) on prepared operands.
template <typename T, typename Acc>
class BaselineJob : public LayerJob {
public:
    BaselineJob(const Conv2dShape &s, unsigned seed) : s_(s) {
        std::mt19937 rng(seed);
        // fp32: small integers, so every partial sum is exact and any summation order agrees.
        const int range = std::is_floating_point_v<T> ? 8 : 100;
        std::uniform_int_distribution<int> value(-range, range);
        a_.resize(input_count(s)), w_.resize(weight_count(s)), out_.resize(output_count(s));
        for (T &v : a_) v = static_cast<T>(value(rng));
        for (T &v : w_) v = static_cast<T>(value(rng));
    }

    std::string run() override {
        return baseline_conv2d(s_, a_.data(), a_.size(), w_.data(), w_.size(), out_.data(), out_.size());
    }

    Verdict verify() override {
        run();
        const auto want = ref::dense_conv2d<T, Acc>(a_, w_, s_);
        for (size_t i = 0; i < want.size(); ++i) {
            // fp32 sums of integers below 2^24 are exact in any order.
            if (!(out_[i] == want[i])) return {false, mismatch(i, double(out_[i]), double(want[i]))};
        }
        return {true, "exact"};
    }

private:
    Conv2dShape s_;
    std::vector<T> a_, w_;
    std::vector<Acc> out_;
};

}  // namespace

std::unique_ptr<LayerJob> make_job(const Layer &layer, const Precision &p, unsigned seed) {
    switch (p.kind) {
        case Precision::Kind::Bitserial: return std::make_unique<BitserialJob>(layer.shape, p, seed);
        case Precision::Kind::Mx: return std::make_unique<MxJob>(layer.shape, p, seed);
        case Precision::Kind::Int8: return std::make_unique<BaselineJob<int8_t, int32_t>>(layer.shape, seed);
        case Precision::Kind::Int16: return std::make_unique<BaselineJob<int16_t, int32_t>>(layer.shape, seed);
        case Precision::Kind::Fp32: return std::make_unique<BaselineJob<float, float>>(layer.shape, seed);
    }
    throw Error("lpgen: unknown precision kind");
}

double layer_macs(const Conv2dShape &s) {
    return double(s.batch) * s.out_height() * s.out_width() * s.out_channels * s.kernel_h * s.kernel_w * s.channels;
}

}  // namespace lpgen::cli
