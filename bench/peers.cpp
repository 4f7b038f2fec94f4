#include "peers.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "random_values.h"

namespace lpgen::bench {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine &cpu() {
    static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

class OneDnnMatmul : public Peer {
public:
    explicit OneDnnMatmul(const GemmShape &s)
        : a_(random_values<uint8_t>(size_t(s.m) * s.k, 0, 255, 1)),
          w_(random_values<int8_t>(size_t(s.k) * s.n, -127, 127, 2)),
          c_(size_t(s.m) * s.n),
          stream_(cpu()) {
        memory::desc a_md({s.m, s.k}, dt::u8, tag::ab), c_md({s.m, s.n}, dt::s32, tag::ab);
        memory::desc w_user({s.k, s.n}, dt::s8, tag::ba);  // W[N][K], as lpgen stores it
        dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, memory::desc({s.k, s.n}, dt::s8, tag::any), c_md),
                                        cpu());
        a_mem_ = memory(a_md, cpu(), a_.data());
        c_mem_ = memory(c_md, cpu(), c_.data());
        memory w_user_mem(w_user, cpu(), w_.data());
        w_mem_ = memory(pd.weights_desc(), cpu());
        dnnl::reorder(w_user_mem, w_mem_).execute(stream_, w_user_mem, w_mem_);
        stream_.wait();
        prim_ = dnnl::matmul(pd);
        name_ = std::string("onednn:") + pd.impl_info_str();
    }
    void run() override {
        prim_.execute(stream_, {{DNNL_ARG_SRC, a_mem_}, {DNNL_ARG_WEIGHTS, w_mem_}, {DNNL_ARG_DST, c_mem_}});
        stream_.wait();
    }
    std::string name() const override { return name_; }

private:
    std::vector<uint8_t> a_;
    std::vector<int8_t> w_;
    std::vector<int32_t> c_;
    dnnl::stream stream_;
    memory a_mem_, w_mem_, c_mem_;
    dnnl::matmul prim_;
    std::string name_;
};

class OneDnnConv : public Peer {
public:
    OneDnnConv(const Conv2dShape &s, bool int8) : stream_(cpu()) {
        const memory::dims src{s.batch, s.channels, s.height, s.width};
        const memory::dims wei{s.out_channels, s.channels, s.kernel_h, s.kernel_w};
        const memory::dims dst{s.batch, s.out_channels, s.out_height(), s.out_width()};
        const dt src_t = int8 ? dt::u8 : dt::f32, wei_t = int8 ? dt::s8 : dt::f32, dst_t = int8 ? dt::s32 : dt::f32;
        dnnl::convolution_forward::desc desc(
            dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, memory::desc(src, src_t, tag::any),
            memory::desc(wei, wei_t, tag::any), memory::desc(dst, dst_t, tag::any), {s.stride_h, s.stride_w},
            {s.dilation_h - 1, s.dilation_w - 1}, {s.pad_top, s.pad_left}, {s.pad_bottom, s.pad_right});
        dnnl::convolution_forward::primitive_desc pd(desc, cpu());
        // Operands in the layouts oneDNN prefers (weights reordered once, as a framework would).
        src_ = memory(pd.src_desc(), cpu());
        wei_ = memory(pd.weights_desc(), cpu());
        dst_ = memory(pd.dst_desc(), cpu());
        fill(src_, 1);
        fill(wei_, 2);
        prim_ = dnnl::convolution_forward(pd);
        name_ = std::string("onednn:") + pd.impl_info_str();
    }
    void run() override {
        prim_.execute(stream_, {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, wei_}, {DNNL_ARG_DST, dst_}});
        stream_.wait();
    }
    std::string name() const override { return name_; }

private:
    static void fill(memory &m, uint32_t seed) {
        const size_t bytes = m.get_desc().get_size();
        auto v = random_values<uint8_t>(bytes, 0, 63, seed);  // small values: valid in every type
        std::copy(v.begin(), v.end(), static_cast<uint8_t *>(m.get_data_handle()));
    }
    dnnl::stream stream_;
    memory src_, wei_, dst_;
    dnnl::convolution_forward prim_;
    std::string name_;
};

class OpenBlasGemm : public Peer {
public:
    explicit OpenBlasGemm(const GemmShape &s)
        : s_(s), a_(random_values<float>(size_t(s.m) * s.k, -8, 8, 3)), w_(random_values<float>(size_t(s.n) * s.k, -8, 8, 4)),
          c_(size_t(s.m) * s.n) {}
    void run() override {
        if (s_.m == 1) {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, s_.n, s_.k, 1.0f, w_.data(), s_.k, a_.data(), 1, 0.0f, c_.data(), 1);
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s_.m, s_.n, s_.k, 1.0f, a_.data(), s_.k, w_.data(),
                        s_.k, 0.0f, c_.data(), s_.n);
        }
    }
    std::string name() const override { return s_.m == 1 ? "openblas:sgemv" : "openblas:sgemm"; }

private:
    GemmShape s_;
    std::vector<float> a_, w_, c_;
};

// im2col (NHWC, rows = output pixels, columns = (kh, kw, c) as the weights) + sgemm.
class OpenBlasConv : public Peer {
public:
    explicit OpenBlasConv(const Conv2dShape &s)
        : s_(s), k_(s.kernel_h * s.kernel_w * s.channels), rows_(s.batch * s.out_height() * s.out_width()),
          a_(random_values<float>(size_t(s.batch) * s.height * s.width * s.channels, -8, 8, 5)),
          w_(random_values<float>(size_t(s.out_channels) * k_, -8, 8, 6)), cols_(size_t(rows_) * k_),
          c_(size_t(rows_) * s.out_channels) {}
    void run() override {
        float *col = cols_.data();
        for (int n = 0; n < s_.batch; ++n)
            for (int oy = 0; oy < s_.out_height(); ++oy)
                for (int ox = 0; ox < s_.out_width(); ++ox)
                    for (int ky = 0; ky < s_.kernel_h; ++ky)
                        for (int kx = 0; kx < s_.kernel_w; ++kx, col += s_.channels) {
                            const int y = oy * s_.stride_h - s_.pad_top + ky * s_.dilation_h;
                            const int x = ox * s_.stride_w - s_.pad_left + kx * s_.dilation_w;
                            if (y < 0 || y >= s_.height || x < 0 || x >= s_.width) {
                                std::fill(col, col + s_.channels, 0.0f);
                            } else {
                                const float *src = &a_[((size_t(n) * s_.height + y) * s_.width + x) * s_.channels];
                                std::copy(src, src + s_.channels, col);
                            }
                        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows_, s_.out_channels, k_, 1.0f, cols_.data(), k_,
                    w_.data(), k_, 0.0f, c_.data(), s_.out_channels);
    }
    std::string name() const override { return "openblas:im2col+sgemm"; }

private:
    Conv2dShape s_;
    int k_, rows_;
    std::vector<float> a_, w_, cols_, c_;
};

}  // namespace

std::unique_ptr<Peer> onednn_int8_matmul(const GemmShape &shape) { return std::make_unique<OneDnnMatmul>(shape); }
std::unique_ptr<Peer> onednn_conv(const Conv2dShape &shape, bool int8) {
    return std::make_unique<OneDnnConv>(shape, int8);
}
std::unique_ptr<Peer> openblas_gemm(const GemmShape &shape) { return std::make_unique<OpenBlasGemm>(shape); }
std::unique_ptr<Peer> openblas_conv(const Conv2dShape &shape) { return std::make_unique<OpenBlasConv>(shape); }

void set_peer_threads(int count) {
    openblas_set_num_threads(count);
    omp_set_num_threads(count);  // oneDNN's OpenMP runtime
}

}  // namespace lpgen::bench
