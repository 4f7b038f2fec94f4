# The checked build: runtime, tests and fuzzers compiled again by clang with AddressSanitizer
# and UndefinedBehaviorSanitizer, linked against the kernels this build generated (the
# generated code itself is not instrumented). ctest runs the whole test suite in it and each
# fuzzer for a bounded time.
include(ExternalProject)
find_program(LPGEN_CLANG clang-14)
find_program(LPGEN_CLANGXX clang++-14)
option(LPGEN_CHECKED "build and run the tests under ASan/UBSan and the fuzzers (needs clang-14)" ON)

if(LPGEN_CHECKED AND LPGEN_CLANG AND LPGEN_CLANGXX)
    set(checked_dir "${CMAKE_BINARY_DIR}/checked")
    ExternalProject_Add(lpgen_checked
        SOURCE_DIR "${PROJECT_SOURCE_DIR}"
        BINARY_DIR "${checked_dir}"
        CMAKE_ARGS
            -G ${CMAKE_GENERATOR}
            -DCMAKE_C_COMPILER=${LPGEN_CLANG}
            -DCMAKE_CXX_COMPILER=${LPGEN_CLANGXX}
            -DCMAKE_BUILD_TYPE=Release
            -DLPGEN_SANITIZE=ON
            -DLPGEN_PREBUILT_KERNEL_ROOT=${LPGEN_KERNEL_DIR}
        BUILD_COMMAND ${CMAKE_COMMAND} --build "${checked_dir}" --target lpgen_tests c_api_from_c_test c_api_fuzzer layer_list_fuzzer manifest_fuzzer
        INSTALL_COMMAND ""
        BUILD_ALWAYS ON
        DEPENDS lpgen_all_kernels)
    # Leak checks stay on; the fuzz runs are bounded by time and memory, seeded for repeatability.
    add_test(NAME tests_under_asan_and_ubsan COMMAND "${checked_dir}/tests/lpgen_tests" --gtest_brief=1)
    add_test(NAME c_api_from_c_under_asan_and_ubsan COMMAND "${checked_dir}/tests/c_api_from_c_test")
    add_test(NAME c_api_fuzz_smoke
             COMMAND "${checked_dir}/tests/fuzz/c_api_fuzzer" -seed=1 -max_total_time=60 -rss_limit_mb=2048)
    add_test(NAME layer_list_fuzz_smoke
             COMMAND "${checked_dir}/tests/fuzz/layer_list_fuzzer" -seed=1 -max_total_time=20 -rss_limit_mb=2048)
    add_test(NAME manifest_fuzz_smoke
             COMMAND "${checked_dir}/tests/fuzz/manifest_fuzzer" -seed=1 -max_total_time=20 -rss_limit_mb=2048)
else()
    message(STATUS "lpgen: no clang-14, so no sanitizer build or fuzzers (apt-get install clang-14 libclang-rt-14-dev)")
endif()
