// lpgen targets, lpgen ops.
#include <cstdio>

#include "commands.h"
#include "cross_profiles.h"
#include "kernel_table.h"
#include "lpgen/lpgen.h"

namespace lpgen::cli {

int print_targets() {
    std::printf("%-15s %-12s %s\n", "profile", "variant", "status on this machine");
    for (int i = 0; i < linked_isa_count(); ++i) {
        const char *isa = linked_isa(i);
        const bool runs = cpu_supports_isa(isa);
        std::printf("%-15s %-12s linked; %s%s\n", std::string(isa) == "x86_avx512" ? "x86-64-avx512" : "x86-64-avx2", isa,
                    runs ? "this CPU runs it" : "this CPU lacks its features",
                    std::string(isa) == lpgen_active_isa() ? " (active)" : "");
    }
    for (const CrossProfile &p : cross_profiles()) {
        const std::string emulator = p.default_runner.substr(0, p.default_runner.find(' '));
        std::printf("%-15s %-12s %s\n", p.name.c_str(), p.name == "arm64-a53" ? "arm64_a53" : "arm32_a53",
                    p.binary.empty()          ? "not cross-built in this build"
                    : on_path(emulator)       ? ("cross-built; runs here under " + p.default_runner).c_str()
                                              : ("cross-built; " + emulator + " is not installed").c_str());
    }
    return 0;
}

int print_ops() {
    const KernelSet &k = kernels();
    std::printf("operators (variant %s):\n", k.isa);
    std::printf("  bitserial conv2d, gemm   activations and weights 1-8 bits each, unsigned | signed | bipolar,\n"
                "                           zero points; int32, fp32 (scale, bias, clamp) or requantize-and-pack output\n");
    std::printf("    specialized kernels:  ");
    for (const SpecializedBitserial &s : k.specialized) std::printf(" %dA%dW", s.abits, s.wbits);
    std::printf(" XNOR\n                           (other configurations: the generic kernel, or a bundle's kernel\n"
                "                           generated for exactly that configuration)\n"
                "    algorithms:            popcount over bit-planes, or (x86, from 3 plane pairs in GEMMs, 3 in\n"
                "                           GEMVs (AVX2: 8), 10 in convolutions; specialised widths keep popcount\n"
                "                           to 4 in GEMMs on AVX-512, 9 in GEMVs) the int8 dot-product kernels;\n"
                "                           the results are bit-identical\n");
    std::printf("  mx conv2d, gemm          any pair of fp8_e4m3 fp8_e5m2 fp6_e3m2 fp6_e2m3 fp4_e2m1 int8, blocks of 32\n"
                "                           with E8M0 scales; fp32 activations quantized in the call (drop-in); fp32 output\n");
    std::printf("  mx quantize, dequantize  each format, bit-exact with OCP MX v1.0\n");
    std::printf("  baseline conv2d, gemm    int8, int16 -> int32; fp32\n");
    std::printf("precision names for verify/bench/demo/tune: <a>A<w>W[:<u|s|b>[z]x<u|s|b>[z]] (e.g. 3A5W:sxb), xnor, mxfp4, mxfp6, mxfp8, mxint8, mx:<fmt>x<fmt>, int8, int16, fp32\n");
    return 0;
}

}  // namespace lpgen::cli
