// Shared by the kernel tests: random codes, and a fixture that runs each test once per kernel
// variant linked into the build (x86_avx512 and x86_avx2 on x86; skipped where the CPU lacks it).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bitserial_int8.h"
#include "kernel_table.h"
#include "lpgen/bitserial.hpp"

namespace lpgen::test {

// The message of the lpgen::Error `call` throws, or "(no error)".
template <typename F>
std::string error_of(F &&call) {
    try {
        call();
    } catch (const Error &e) {
        return e.what();
    }
    return "(no error)";
}

using lpgen::ForcedAlgorithm;  // bitserial_int8.h

inline std::vector<uint8_t> random_codes(size_t count, int bits, std::mt19937 &rng) {
    std::uniform_int_distribution<int> dist(0, (1 << bits) - 1);
    std::vector<uint8_t> codes(count);
    for (auto &c : codes) c = static_cast<uint8_t>(dist(rng));
    return codes;
}

// MX results: NaN payloads and signs are not part of the contract; every other bit is.
inline bool same_bits_or_both_nan(float x, float y) {
    return (std::isnan(x) && std::isnan(y)) || std::memcmp(&x, &y, sizeof(float)) == 0;
}

inline std::vector<std::string> linked_isas() {
    std::vector<std::string> isas;
    for (int i = 0; i < linked_isa_count(); ++i) isas.push_back(linked_isa(i));
    return isas;
}

class PerIsa : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (!cpu_supports_isa(GetParam().c_str())) GTEST_SKIP() << "this CPU cannot run " << GetParam();
        select_isa(GetParam().c_str());
    }
};

inline std::string isa_name(const ::testing::TestParamInfo<std::string> &info) { return info.param; }

inline const char *encoding_name(Encoding e) {
    return e == Encoding::Unsigned ? "unsigned" : e == Encoding::Signed ? "signed" : "bipolar";
}

constexpr Encoding kEncodings[] = {Encoding::Unsigned, Encoding::Signed, Encoding::Bipolar};

}  // namespace lpgen::test

#define LPGEN_INSTANTIATE_PER_ISA(Suite) \
    INSTANTIATE_TEST_SUITE_P(Isa, Suite, ::testing::ValuesIn(lpgen::test::linked_isas()), lpgen::test::isa_name)
