// bitpack: values -> bit-planes (DESIGN.md "Packing"), in two forms:
//   bitpack_u8   uint8 codes already quantized by the caller;
//   bitpack_f32  fp32 values quantized (scale, zero point, encoding) and packed in one pass;
//   quantize_u8  the quantizing step alone (the runtime packs its codes with bitpack_groups).
// Rows are whatever the caller flattens: GEMM rows, or N*H*W pixels of an NHWC tensor.
#include "Halide.h"
#include "bitplane_pack.h"
#include "epilogue.h"
#include "schedules/bitpack_schedule.h"

namespace lpgen {
namespace {

using namespace Halide;

// The part both forms share: packing `codes` (k, row) into bit-planes, and its schedule.
struct CodesToPlanes {
    Func codes{"codes"}, groups;

    Func pack(const Expr &k_extent) {
        BitPlanePacking planes = pack_bit_planes(codes, k_extent, "planes");
        groups = planes.groups;
        return planes.packed;
    }
    void schedule(Func packed, const std::string &knobs, const Target &target) {
        apply_bitpack_schedule(BitpackFuncs{packed, groups, codes}, parse_knobs(bitpack_knob_space(), knobs, target),
                               target);
    }
};

class BitpackU8 : public Generator<BitpackU8> {
public:
    GeneratorParam<std::string> knobs{"knobs", ""};

    Input<Buffer<uint8_t>> values{"values", 2};   // codes, indexed by (k, row)
    Output<Buffer<uint64_t>> packed{"packed", 3};  // words, indexed by (kw, plane, row); its
                                                   // plane extent is the bit width

    void generate() {
        Var k, row;
        planes.codes(k, row) = cast<int32_t>(values(k, row));
        packed = planes.pack(values.dim(0).extent());
    }

    void schedule() { planes.schedule(packed, knobs, get_target()); }

private:
    CodesToPlanes planes;
};

// bitpack_u8 for rows whose K is a multiple of 8: the caller passes the same codes as uint64
// groups of 8 (g, row), so every group is one load rather than 8 byte loads.
class BitpackGroups : public Generator<BitpackGroups> {
public:
    Input<Buffer<uint64_t>> groups{"groups", 2};   // (g, row): codes 8g .. 8g+7, one per byte
    Output<Buffer<uint64_t>> packed{"packed", 3};  // (kw, plane, row); plane extent = bit width

    void generate() {
        // Groups past the row are zero codes (K need not be a multiple of 64).
        Func in = BoundaryConditions::constant_exterior(groups, cast<uint64_t>(0), {{0, groups.dim(0).extent()}});
        packed = pack_groups(in, "planes");
    }

    void schedule() { apply_bitpack_groups_schedule(packed, get_target()); }
};

// The quantizing half of bitpack_f32 on its own: fp32 values -> uint8 codes. The runtime
// follows it with bitpack_groups when K is a multiple of 8, which packs far faster than
// building 8-code groups from single bytes inside one kernel.
class QuantizeU8 : public Generator<QuantizeU8> {
public:
    Input<Buffer<float>> values{"values", 2};     // real values, indexed by (k, row)
    Input<float> scale{"scale"};                  // real value of one quantization step
    Input<int32_t> zero_point{"zero_point"};      // code of real 0 (unsigned/signed encodings)
    Input<int32_t> bits{"bits"};                  // 1..8
    Input<int32_t> encoding{"encoding"};          // lpgen::Encoding
    Output<Buffer<uint8_t>> codes{"codes", 2};    // (k, row)

    void generate() {
        Var k, row;
        codes(k, row) = cast<uint8_t>(requantize_code(strict_float(values(k, row) / scale), bits, encoding, zero_point));
    }

    void schedule() { apply_quantize_u8_schedule(codes, get_target()); }
};

class BitpackF32 : public Generator<BitpackF32> {
public:
    GeneratorParam<std::string> knobs{"knobs", ""};

    Input<Buffer<float>> values{"values", 2};      // real values, indexed by (k, row)
    Input<float> scale{"scale"};                   // real value of one quantization step
    Input<int32_t> zero_point{"zero_point"};       // code of real 0 (unsigned/signed encodings)
    Input<int32_t> bits{"bits"};                   // 1..8
    Input<int32_t> encoding{"encoding"};           // lpgen::Encoding
    Output<Buffer<uint64_t>> packed{"packed", 3};  // words, indexed by (kw, plane, row)

    void generate() {
        Var k, row;
        planes.codes(k, row) = requantize_code(strict_float(values(k, row) / scale), bits, encoding, zero_point);
        packed = planes.pack(values.dim(0).extent());
    }

    void schedule() { planes.schedule(packed, knobs, get_target()); }

private:
    CodesToPlanes planes;
};

}  // namespace
}  // namespace lpgen

HALIDE_REGISTER_GENERATOR(lpgen::BitpackU8, bitpack_u8)
HALIDE_REGISTER_GENERATOR(lpgen::BitpackF32, bitpack_f32)
HALIDE_REGISTER_GENERATOR(lpgen::BitpackGroups, bitpack_groups)
HALIDE_REGISTER_GENERATOR(lpgen::QuantizeU8, quantize_u8)
