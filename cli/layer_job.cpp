#include "layer_job.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <type_traits>
#include <vector>

#include "c_api_convert.h"
#ifdef LPGEN_WITH_PEERS
#include "peers.h"
#endif
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

// The lowest and highest value of a `bits`-bit code of encoding `e`, before the zero point.
std::pair<int, int> value_range(int bits, lpgen_encoding e) {
    if (e == LPGEN_SIGNED) return {-(1 << (bits - 1)), (1 << (bits - 1)) - 1};
    if (e == LPGEN_BIPOLAR) return {-((1 << bits) - 1), (1 << bits) - 1};
    return {0, (1 << bits) - 1};
}

// A zero point for an operand whose configuration has one (mid-range for unsigned, as an
// asymmetric quantizer would choose), else 0.
int zero_point_for(bool used, int bits, lpgen_encoding e) {
    if (!used) return 0;
    return e == LPGEN_UNSIGNED ? std::max(1, (1 << bits) / 2) : 1;
}

// Activations quantized from fp32 inside every call, packed weights, fp32 output with a
// per-channel scale, a bias and ReLU; widths, encodings and zero points as the precision says.
class BitserialJob : public LayerJob {
public:
    BitserialJob(const Conv2dShape &s, const Precision &p, unsigned seed) : s_(s), c_shape_(to_c(s)) {
        const BitserialConfig &c = p.bitserial;
        const auto a_enc = static_cast<lpgen_encoding>(c.a_encoding), w_enc = static_cast<lpgen_encoding>(c.w_encoding);
        const int a_zp = zero_point_for(c.a_zero_point, c.abits, a_enc);
        q_ = {0.125f, a_zp, c.abits, a_enc};
        a_op_ = {c.abits, a_enc, a_zp};
        w_op_ = {c.wbits, w_enc, zero_point_for(c.w_zero_point, c.wbits, w_enc)};
        std::mt19937 rng(seed);
        // fp32 activations over the codes' whole range, so every code occurs.
        const auto [lo, hi] = value_range(c.abits, a_enc);
        std::uniform_real_distribution<float> activation(0.125f * float(lo - a_zp), 0.125f * float(hi - a_zp));
        input_.resize(input_count(s));
        for (float &v : input_) v = activation(rng);
        std::uniform_int_distribution<int> code(0, (1 << c.wbits) - 1);  // any bit pattern is a code
        w_codes_.resize(weight_count(s));
        for (uint8_t &v : w_codes_) v = static_cast<uint8_t>(code(rng));
        weights_ = api::BitserialWeights::conv2d(w_codes_, s.out_channels, s.kernel_h, s.kernel_w, s.channels, w_op_);
        std::normal_distribution<float> gauss(0.0f, 1.0f);
        epilogue_.scale.resize(s.out_channels), epilogue_.bias.resize(s.out_channels);
        for (float &v : epilogue_.scale) v = 0.01f + 0.001f * std::fabs(gauss(rng));
        for (float &v : epilogue_.bias) v = gauss(rng);
        epilogue_.clamp_min = 0.0f;
        packed_.resize(lpgen_packed_words(rows(), s.channels, c.abits));
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
        const Quantization q{q_.scale, q_.zero_point, q_.bits, static_cast<Encoding>(q_.encoding)};
        std::vector<uint8_t> a_codes(input_.size());
        for (size_t i = 0; i < input_.size(); ++i) a_codes[i] = ref::quantize(input_[i], q);
        const auto dot = ref::conv2d(a_codes, w_codes_, s_, capi::to_cpp(a_op_), capi::to_cpp(w_op_));
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
    lpgen_operand a_op_, w_op_;
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

#ifdef LPGEN_WITH_PEERS
// oneDNN's int8 convolution (u8 x s8 -> s32, NHWC, weights reordered once): not lpgen's, so
// not checked against lpgen's reference; timed as a user would run it instead.
class PeerJob : public LayerJob {
public:
    explicit PeerJob(std::unique_ptr<bench::Peer> peer) : peer_(std::move(peer)) {}
    std::string run() override {
        peer_->run();
        return peer_->name();
    }
    Verdict verify() override { return {true, "a peer library (not lpgen's kernel): not checked"}; }

private:
    std::unique_ptr<bench::Peer> peer_;
};
#endif

}  // namespace

std::unique_ptr<LayerJob> make_job(const Layer &layer, const Precision &p, unsigned seed) {
    switch (p.kind) {
        case Precision::Kind::Bitserial: return std::make_unique<BitserialJob>(layer.shape, p, seed);
        case Precision::Kind::Mx: return std::make_unique<MxJob>(layer.shape, p, seed);
        case Precision::Kind::Int8: return std::make_unique<BaselineJob<int8_t, int32_t>>(layer.shape, seed);
        case Precision::Kind::Int16: return std::make_unique<BaselineJob<int16_t, int32_t>>(layer.shape, seed);
        case Precision::Kind::Fp32: return std::make_unique<BaselineJob<float, float>>(layer.shape, seed);
        case Precision::Kind::OneDnnInt8:
#ifdef LPGEN_WITH_PEERS
            return std::make_unique<PeerJob>(bench::onednn_conv(layer.shape, true));
#else
            throw Error("lpgen: this build has no oneDNN (onednn-int8 runs in the host build)");
#endif
    }
    throw Error("lpgen: unknown precision kind");
}

double layer_macs(const Conv2dShape &s) {
    return double(s.batch) * s.out_height() * s.out_width() * s.out_channels * s.kernel_h * s.kernel_w * s.channels;
}

}  // namespace lpgen::cli
