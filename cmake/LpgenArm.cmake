# ARM profiles: the host build generates their kernels, then a cross build of runtime and tests
# per profile links them, and ctest runs those tests under qemu with the profile's CPU model,
# so a kernel that uses an instruction the Cortex-A53 lacks fails.
include(ExternalProject)

function(lpgen_add_arm_profile PROFILE TOOLCHAIN EMULATOR)
    lpgen_declare_kernels(${PROFILE})
    lpgen_add_halide_runtime(${PROFILE})
    set(kernel_targets "")
    foreach(entry IN LISTS LPGEN_KERNELS)
        string(REPLACE " " ";" fields "${entry}")
        list(GET fields 0 name)
        list(APPEND kernel_targets lpgen_${name}__${LPGEN_SUFFIX_${PROFILE}}_gen)
    endforeach()
    set(build_dir "${CMAKE_BINARY_DIR}/cross/${PROFILE}")
    ExternalProject_Add(lpgen_cross_${PROFILE}
        SOURCE_DIR "${PROJECT_SOURCE_DIR}"
        BINARY_DIR "${build_dir}"
        CMAKE_ARGS
            -G ${CMAKE_GENERATOR}
            -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/toolchains/${TOOLCHAIN}
            -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
            -DLPGEN_PROFILE=${PROFILE}
            -DLPGEN_PREBUILT_KERNEL_DIR=${LPGEN_KERNEL_DIR}/${PROFILE}
        BUILD_COMMAND ${CMAKE_COMMAND} --build "${build_dir}" --target lpgen_tests lpgen
        INSTALL_COMMAND ""
        BUILD_ALWAYS ON
        DEPENDS ${kernel_targets} lpgen_halide_runtime__${LPGEN_SUFFIX_${PROFILE}}_gen)
    add_test(NAME ${PROFILE}_tests_under_qemu
             COMMAND ${EMULATOR} "${build_dir}/tests/lpgen_tests" --gtest_brief=1)
endfunction()
