// Which kernel variants this CPU can run.
//
// The x86_avx512 variant is compiled by llc for Ice Lake server (cmake/LpgenProfiles.cmake),
// so LLVM may use any extension of that CPU; every one it could emit is checked here.
#include <cstring>

#include "kernel_table.h"

#if defined(__arm__)
#include <sys/auxv.h>
#ifndef HWCAP_NEON
#define HWCAP_NEON (1 << 12)
#endif
#endif

namespace lpgen {

bool cpu_supports_isa(const char *isa) {
    if (isa == nullptr) return false;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (std::strcmp(isa, "x86_avx512") == 0) {
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512ifma") &&
               __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vbmi2") &&
               __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bitalg") &&
               __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("gfni");
    }
    if (std::strcmp(isa, "x86_avx2") == 0) {
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("sse4.1");
    }
#elif defined(__aarch64__)
    // ARMv8.0 with NEON: every AArch64 CPU, the Cortex-A53 included.
    if (std::strcmp(isa, "arm64_a53") == 0) return true;
#elif defined(__arm__)
    if (std::strcmp(isa, "arm32_a53") == 0) return (getauxval(AT_HWCAP) & HWCAP_NEON) != 0;
#endif
    return false;
}

}  // namespace lpgen
