// A bundle's tuned choice of bit-serial algorithm (lpgen_register_algorithms): it overrides the
// measured rule for exactly its configuration and shape, both ways, for weights in a handle;
// bad entries are refused whole; and a planner can read which key a call consulted.
#include <random>

#include "bitserial_config.h"
#include "bitserial_int8.h"
#include "lpgen/lpgen.h"
#include "reference/reference.h"
#include "test_support.h"
#include "tuned_kernels.h"

namespace lpgen {
namespace {

class AlgorithmChoice : public test::PerIsa {
protected:
    void TearDown() override { lpgen_clear_kernels(); }
};

struct GemmCase {
    lpgen_gemm_shape shape;
    lpgen_operand op;
    std::vector<uint8_t> a, w;
    std::vector<uint64_t> a_packed;
};

GemmCase gemm_case(int m, int n, int k, int bits, lpgen_encoding encoding, unsigned seed) {
    std::mt19937 rng(seed);
    GemmCase c{{m, n, k}, {bits, encoding, 0}, test::random_codes(size_t(m) * k, bits, rng),
               test::random_codes(size_t(n) * k, bits, rng), {}};
    c.a_packed = ref::pack(c.a, m, k, bits);
    return c;
}

// The int32 GEMM through a weights handle: the kernel that ran, checked against the reference.
std::string run_with_handle(const GemmCase &c) {
    lpgen_bs_weights *handle = nullptr;
    EXPECT_EQ(lpgen_bs_weights_gemm(c.w.data(), c.w.size(), c.shape.n, c.shape.k, &c.op, &handle), LPGEN_OK);
    std::vector<int32_t> out(size_t(c.shape.m) * c.shape.n);
    EXPECT_EQ(lpgen_bs_gemm_i32(&c.shape, c.a_packed.data(), c.a_packed.size(), &c.op, handle, out.data(), out.size()),
              LPGEN_OK)
        << lpgen_last_error();
    const std::string ran = lpgen_last_kernel();
    lpgen_bs_weights_free(handle);
    const Operand op{c.op.bits, static_cast<Encoding>(c.op.encoding), 0};
    const std::vector<int64_t> expected = ref::gemm(c.a, c.w, {c.shape.m, c.shape.n, c.shape.k}, op, op);
    for (size_t i = 0; i < out.size(); ++i) {
        EXPECT_EQ(out[i], expected[i]) << "at " << i << " by " << ran;
        if (out[i] != expected[i]) break;
    }
    return ran;
}

bool is_int8_path(const std::string &kernel) { return kernel.rfind("lpgen_mx_", 0) == 0; }

lpgen_status register_one(const char *family, const char *shape, const char *algorithm) {
    const lpgen_algorithm_entry e{family, shape, kernels().isa, algorithm};
    return lpgen_register_algorithms(&e, 1);
}

// 1A1W: one plane pair, popcount by the rule everywhere.
TEST_P(AlgorithmChoice, ARegisteredInt8ChoiceServesExactlyItsConfigurationAndShape) {
    const GemmCase c = gemm_case(8, 70, 300, 1, LPGEN_UNSIGNED, 11);
    ASSERT_FALSE(is_int8_path(run_with_handle(c)));
    ASSERT_EQ(register_one("bs_gemm_i32@1A1W:uxu", "gemm 8x70x300", "int8-dot"), LPGEN_OK) << lpgen_last_error();
    EXPECT_TRUE(is_int8_path(run_with_handle(c)));
    // Another shape, another encoding, another output form: the rule again.
    EXPECT_FALSE(is_int8_path(run_with_handle(gemm_case(8, 70, 301, 1, LPGEN_UNSIGNED, 12))));
    EXPECT_FALSE(is_int8_path(run_with_handle(gemm_case(8, 70, 300, 1, LPGEN_SIGNED, 13))));
    // Raw packed weights have no place to keep the int8 copy: popcount.
    const Operand op{1, Encoding::Unsigned, 0};
    const std::vector<uint64_t> w_packed = ref::pack(c.w, 70, 300, 1);
    std::vector<int32_t> raw(8 * 70);
    EXPECT_FALSE(is_int8_path(bitserial_gemm({8, 70, 300}, c.a_packed.data(), c.a_packed.size(), op, w_packed.data(),
                                             w_packed.size(), op, raw.data(), raw.size())));
    lpgen_clear_kernels();
    EXPECT_FALSE(is_int8_path(run_with_handle(c)));
}

// 4A4W at M = 8: the int8 path by the rule on x86; a registered popcount choice wins over it.
TEST_P(AlgorithmChoice, ARegisteredPopcountChoiceOverridesTheRule) {
    const GemmCase c = gemm_case(8, 70, 300, 4, LPGEN_SIGNED, 21);
    const bool x86 = GetParam().rfind("x86", 0) == 0;
    ASSERT_EQ(is_int8_path(run_with_handle(c)), x86);
    ASSERT_EQ(register_one("bs_gemm_i32@4A4W:sxs", "gemm 8x70x300", "popcount"), LPGEN_OK) << lpgen_last_error();
    EXPECT_FALSE(is_int8_path(run_with_handle(c)));
    // A forced algorithm (tests, LPGEN_BITSERIAL_ALGORITHM) still wins over a bundle.
    const test::ForcedAlgorithm int8(BitserialAlgorithm::Int8Dot);
    EXPECT_TRUE(is_int8_path(run_with_handle(c)));
}

// A padded 3x3 convolution chosen for the int8 path: padding still contributes exactly 0.
TEST_P(AlgorithmChoice, APaddedConvolutionFollowsItsChoice) {
    std::mt19937 rng(31);
    const lpgen_conv2d_shape shape{1, 7, 9, 70, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
    const lpgen_operand op{2, LPGEN_BIPOLAR, 0};
    const auto a = test::random_codes(7 * 9 * 70, 2, rng), w = test::random_codes(12 * 9 * 70, 2, rng);
    const auto a_packed = ref::pack(a, 7 * 9, 70, 2);
    lpgen_bs_weights *handle = nullptr;
    ASSERT_EQ(lpgen_bs_weights_conv2d(w.data(), w.size(), 12, 3, 3, 70, &op, &handle), LPGEN_OK);
    ASSERT_EQ(register_one("bs_conv2d_i32@2A2W:bxb", "conv2d 1x7x9x70->12 k3x3 s1x1 d1x1 p1,1,1,1", "int8-dot"), LPGEN_OK)
        << lpgen_last_error();
    std::vector<int32_t> out(7 * 9 * 12);
    ASSERT_EQ(lpgen_bs_conv2d_i32(&shape, a_packed.data(), a_packed.size(), &op, handle, out.data(), out.size()), LPGEN_OK)
        << lpgen_last_error();
    EXPECT_TRUE(is_int8_path(lpgen_last_kernel())) << lpgen_last_kernel();
    lpgen_bs_weights_free(handle);
    const Operand cop{2, Encoding::Bipolar, 0};
    const std::vector<int64_t> expected =
        ref::conv2d(a, w, {1, 7, 9, 70, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, cop, cop);
    for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], expected[i]) << "at " << i;
}

// What `lpgen tune` plans with: the key a call looked its algorithm up under, forced or not.
TEST_P(AlgorithmChoice, ARecordingNamesTheKeyACallConsulted) {
    const GemmCase c = gemm_case(1, 64, 200, 3, LPGEN_UNSIGNED, 41);
    const test::ForcedAlgorithm popcount(BitserialAlgorithm::Popcount);
    const DispatchRecording recording;
    run_with_handle(c);
    EXPECT_EQ(last_algorithm_key().family, "bs_gemm_i32@3A3W:uxu");
    EXPECT_EQ(last_algorithm_key().shape, "gemm 1x64x200");
}

TEST(AlgorithmChoiceEntries, BadEntriesAreRefusedAndNoneIsRegistered) {
    const char *isa = kernels().isa;
    const char *shape = "gemm 8x70x300";
    const std::vector<std::pair<lpgen_algorithm_entry, std::string>> bad = {
        {{"bs_gemm_i32@2A2W:uxu", shape, isa, "fast"}, "is not popcount or int8-dot"},
        {{"bs_gemm_i32@2A2W:uxu", shape, isa, "rule"}, "is not popcount or int8-dot"},
        {{"bs_gemm_i32", shape, isa, "int8-dot"}, "bit-serial configuration"},
        {{"mx_gemm_i8", shape, isa, "int8-dot"}, "bit-serial configuration"},
        {{"bs_gemm_packed@2A2W:uxu", shape, isa, "int8-dot"}, "bit-serial configuration"},
        {{"bs_gemm_i32@2A2W", shape, isa, "int8-dot"}, "bit-serial configuration"},  // not the canonical spelling
        {{"bs_gemm_i32@2A2W:uxu", "gemm 8x70", isa, "int8-dot"}, "is not a valid"},
        {{"bs_conv2d_i32@2A2W:uxu", shape, isa, "int8-dot"}, "is not a valid"},
        {{"bs_gemm_i32@2A2W:uxu", shape, "x86_sse2", "int8-dot"}, "isa 'x86_sse2'"},
        {{"bs_gemm_i32@2A2W:uxu", shape, isa, nullptr}, "null or empty"},
    };
    for (const auto &[entry, reason] : bad) {
        const lpgen_algorithm_entry both[] = {{"bs_gemm_i32@2A2W:uxu", shape, isa, "int8-dot"}, entry};
        EXPECT_EQ(lpgen_register_algorithms(both, 2), LPGEN_INVALID_ARGUMENT) << reason;
        const std::string message = lpgen_last_error();
        EXPECT_NE(message.find("entry 1: "), std::string::npos) << message;
        EXPECT_NE(message.find(reason), std::string::npos) << message;
        EXPECT_EQ(find_algorithm("bs_gemm_i32@2A2W:uxu", shape, isa), BitserialAlgorithm::Auto) << "entry 0 registered";
    }
    EXPECT_EQ(lpgen_register_algorithms(nullptr, 1), LPGEN_INVALID_ARGUMENT);
    EXPECT_EQ(lpgen_register_algorithms(nullptr, 0), LPGEN_OK);
}

LPGEN_INSTANTIATE_PER_ISA(AlgorithmChoice);

}  // namespace
}  // namespace lpgen
