# The checked build: runtime, tests and fuzzers compiled again by clang with AddressSanitizer
# and UndefinedBehaviorSanitizer, linked against the kernels this build generated (the
# generated code itself is not instrumented). ctest runs the whole test suite in it and each
# fuzzer for a bounded, seeded time.
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
    # The lpgen code under each fuzzer is instrumented for coverage too (-fsanitize=fuzzer-no-link
    # in the checked build), the JSON fuzzers start from seed files and a dictionary of lpgen's
    # keys, and inputs may be large enough to nest deep. New inputs go to a folder in the build.
    set(fuzz_seeds "${PROJECT_SOURCE_DIR}/tests/fuzz/corpus")
    set(fuzz_options -seed=1 -rss_limit_mb=2048)
    add_test(NAME c_api_fuzz_smoke
             COMMAND "${checked_dir}/tests/fuzz/c_api_fuzzer" ${fuzz_options} -max_total_time=60)
    foreach(json_fuzzer layer_list manifest)
        set(work "${CMAKE_BINARY_DIR}/fuzz_corpus/${json_fuzzer}")
        add_test(NAME ${json_fuzzer}_fuzz_smoke
                 COMMAND sh -c "mkdir -p \"$1\" && shift && exec \"$0\" \"$@\""
                         "${checked_dir}/tests/fuzz/${json_fuzzer}_fuzzer" "${work}" ${fuzz_options} -max_total_time=20
                         -max_len=131072 "-dict=${PROJECT_SOURCE_DIR}/tests/fuzz/json.dict" "${work}"
                         "${fuzz_seeds}/${json_fuzzer}")
    endforeach()
else()
    message(STATUS "lpgen: no clang-14, so no sanitizer build or fuzzers (apt-get install clang-14 libclang-rt-14-dev)")
endif()
