#include <cmath>
#include <limits>

#include "reference/reference.h"
#include "test_support.h"

namespace lpgen {
namespace {

using test::PerIsa;

class Bitpack : public PerIsa {};

TEST_P(Bitpack, packs_codes_into_bit_planes_like_the_reference) {
    std::mt19937 rng(1);
    for (int bits = 1; bits <= 8; ++bits) {
        for (int k : {1, 5, 63, 64, 65, 200}) {
            for (int rows : {1, 3}) {
                auto codes = test::random_codes(size_t(rows) * k, bits, rng);
                std::vector<uint64_t> out(packed_words(rows, k, bits), ~uint64_t{0});
                pack_bits(codes.data(), codes.size(), rows, k, bits, out.data(), out.size());
                EXPECT_EQ(out, ref::pack(codes, rows, k, bits)) << "bits=" << bits << " k=" << k << " rows=" << rows;
            }
        }
    }
}

TEST_P(Bitpack, quantize_pack_matches_reference_quantization_for_every_encoding) {
    // K = 77 takes the one-pass kernel; multiples of 8 quantize to codes and pack them as
    // groups (K = 8: rows shorter than a vector; 136: a vector and a tail).
    for (int k : {77, 8, 72, 136}) {
        std::mt19937 rng(2);
        std::normal_distribution<float> dist(0.0f, 3.0f);
        const int rows = 3;
        std::vector<float> values(size_t(rows) * k);
        for (auto &v : values) v = dist(rng);
        values[0] = 0.5f;  // ties round to even
        values[1] = 1.5f;
        values[2] = -2.5f;
        values[3] = 1e30f;  // saturates
        values[4] = -1e30f;
        for (Encoding e : test::kEncodings) {
            for (int bits = 1; bits <= 8; ++bits) {
                Quantization q{0.5f, e == Encoding::Unsigned ? (1 << bits) / 2 : 0, bits, e};
                std::vector<uint8_t> codes(values.size());
                for (size_t i = 0; i < values.size(); ++i) codes[i] = ref::quantize(values[i], q);
                std::vector<uint64_t> out(packed_words(rows, k, bits));
                quantize_pack(values.data(), values.size(), rows, k, q, out.data(), out.size());
                EXPECT_EQ(out, ref::pack(codes, rows, k, bits))
                    << test::encoding_name(e) << " bits=" << bits << " k=" << k;
            }
        }
    }
}

LPGEN_INSTANTIATE_PER_ISA(Bitpack);

}  // namespace
}  // namespace lpgen
