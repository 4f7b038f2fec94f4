// mx_quantize (fp32 -> MX codes + E8M0 scales) and mx_dequantize (MX -> fp32), bit-exact with
// MX.md. The element format is a generator parameter: one kernel pair per format. Packed
// layouts as in mx_formats.h.
#include "Halide.h"
#include "mx_codec.h"
#include "mx_unpack.h"
#include "schedules/mx_codec_schedule.h"

namespace lpgen {
namespace {

using namespace Halide;

std::map<std::string, MxFormat> format_names() {
    std::map<std::string, MxFormat> names;
    for (int i = 0; i < 6; ++i) names[kMxFormats[i].name] = static_cast<MxFormat>(i);
    return names;
}

class MxQuantize : public Generator<MxQuantize> {
public:
    GeneratorParam<MxFormat> format{"format", MxFormat::Fp4E2M1, format_names()};
    GeneratorParam<std::string> knobs{"knobs", ""};

    Input<Buffer<float>> values{"values", 2};      // (k, row), K real values per row
    Output<Buffer<uint8_t>> codes{"codes", 2};     // (byte, row), packed element codes
    Output<Buffer<uint8_t>> scales{"scales", 2};   // (block, row), E8M0

    void generate() {
        const MxFormatInfo &f = mx_info(format);
        Var k("k"), b("b"), row("row"), i("i");
        Expr K = values.dim(0).extent();
        // Elements past K are zeros (the padding of the last block).
        bits(k, row) = select(k < K, reinterpret<uint32_t>(values(min(k, K - 1), row)), cast<uint32_t>(0));
        RDom r(0, kMxBlock, "r");
        amax(b, row) = cast<uint32_t>(0);  // an explicit update, so the schedule can vectorize it
        amax(b, row) = max(amax(b, row), bits(b * kMxBlock + r, row) & 0x7FFFFFFF);  // NaN/Inf sort above finite
        Expr special = amax(b, row) >= 0x7F800000;                         // any NaN or Inf: NaN block
        scale_exp(b, row) = select(special, 128, amax(b, row) == 0, -127, shared_exponent(amax(b, row), f));
        scales(b, row) = cast<uint8_t>(scale_exp(b, row) + 127);

        Expr e = scale_exp(k / kMxBlock, row);
        element(k, row) = select(e == 128, cast<uint8_t>(0), encode_element(bits(k, row), e, f));
        if (f.bits == 8) {
            codes(i, row) = element(i, row);
        } else if (f.bits == 4) {
            codes(i, row) = element(2 * i, row) | (element(2 * i + 1, row) << 4);
        } else {  // 6 bits: 4 elements in 3 bytes
            Expr g = i / 3, j = i % 3;
            Expr word = cast<uint32_t>(element(4 * g, row)) | (cast<uint32_t>(element(4 * g + 1, row)) << 6) |
                        (cast<uint32_t>(element(4 * g + 2, row)) << 12) | (cast<uint32_t>(element(4 * g + 3, row)) << 18);
            codes(i, row) = cast<uint8_t>(word >> cast<uint32_t>(8 * j));
        }
        codes.dim(0).set_min(0);  // element k's block is k / 32 (the schedule splits k by blocks)
    }

    void schedule() {
        apply_mx_quantize_schedule(MxQuantizeFuncs{codes, scales, element, scale_exp, amax},
                                   parse_knobs(mx_codec_knob_space(), knobs, get_target()), get_target());
    }

private:
    Func bits{"bits"}, amax{"amax"}, scale_exp{"scale_exp"}, element{"element"};
};

class MxDequantize : public Generator<MxDequantize> {
public:
    GeneratorParam<MxFormat> format{"format", MxFormat::Fp4E2M1, format_names()};
    GeneratorParam<std::string> knobs{"knobs", ""};

    Input<Buffer<uint8_t>> codes{"codes", 2};    // (byte, row), packed element codes
    Input<Buffer<uint8_t>> scales{"scales", 2};  // (block, row), E8M0
    Output<Buffer<float>> values{"values", 2};   // (k, row)

    void generate() {
        const MxFormatInfo &f = mx_info(format);
        Var k("k"), row("row");
        auto at = [&](const Expr &i) { return cast<uint32_t>(codes(i, row)); };
        Expr code = unpack_code(at, f.bits, k);
        Expr e = cast<int32_t>(scales(k / kMxBlock, row)) - 127;  // 0xFF -> 128: NaN block
        values(k, row) = reinterpret<float>(decode_element(code, e, f));
    }

    void schedule() {
        apply_mx_dequantize_schedule(values, parse_knobs(mx_codec_knob_space(), knobs, get_target()), get_target());
    }
};

}  // namespace
}  // namespace lpgen

HALIDE_REGISTER_GENERATOR(lpgen::MxQuantize, mx_quantize)
HALIDE_REGISTER_GENERATOR(lpgen::MxDequantize, mx_dequantize)
