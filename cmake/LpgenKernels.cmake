# lpgen_add_kernel(): run one generator for one target profile, emitting
#   <dir>/<name>.a, <name>.h and <name>.s (the assembly is kept: tests grep it, and it is the
#   place to look at codegen quality).
# Kernels are declared only in cmake/LpgenKernelList.cmake.
include(${CMAKE_CURRENT_LIST_DIR}/LpgenProfiles.cmake)

set(LPGEN_KERNEL_DIR "${CMAKE_BINARY_DIR}/kernels")
find_program(LPGEN_LLC NAMES llc-14 llc)

function(lpgen_add_halide_runtime PROFILE)
    set(dir "${LPGEN_KERNEL_DIR}/${PROFILE}")
    set(name "lpgen_halide_runtime__${LPGEN_SUFFIX_${PROFILE}}")
    add_custom_command(
        OUTPUT "${dir}/${name}.a"
        COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
        COMMAND lpgen_generators -r ${name} -o "${dir}" -e static_library target=${LPGEN_HALIDE_TARGET_${PROFILE}}
        DEPENDS lpgen_generators
        VERBATIM)
    add_custom_target(${name}_gen DEPENDS "${dir}/${name}.a")
    set_property(GLOBAL APPEND PROPERTY LPGEN_KERNEL_TARGETS ${name}_gen)
endfunction()

# lpgen_add_kernel(NAME <base> GENERATOR <gen> PROFILE <profile> [PARAMS k=v ...])
# The emitted function is <base>__<profile suffix>.
function(lpgen_add_kernel)
    cmake_parse_arguments(ARG "" "NAME;GENERATOR;PROFILE" "PARAMS" ${ARGN})
    set(dir "${LPGEN_KERNEL_DIR}/${ARG_PROFILE}")
    set(name "${ARG_NAME}__${LPGEN_SUFFIX_${ARG_PROFILE}}")
    file(GLOB sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/generators/*" "${PROJECT_SOURCE_DIR}/schedules/*")
    set(halide_target ${LPGEN_HALIDE_TARGET_${ARG_PROFILE}}-no_runtime)
    set(llc_cpu ${LPGEN_LLC_CPU_${ARG_PROFILE}})
    if(llc_cpu)
        # Halide lowers, llc compiles for exactly llc_cpu (see LpgenProfiles.cmake).
        set(llc ${LPGEN_LLC} -O3 -mcpu=${llc_cpu} -relocation-model=pic "${dir}/${name}.ll")
        add_custom_command(
            OUTPUT "${dir}/${name}.a" "${dir}/${name}.h" "${dir}/${name}.s"
            COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
            COMMAND lpgen_generators -g ${ARG_GENERATOR} -f ${name} -o "${dir}" -e llvm_assembly,c_header
                    target=${halide_target} ${ARG_PARAMS}
            COMMAND ${llc} -filetype=obj -o "${dir}/${name}.o"
            COMMAND ${llc} -filetype=asm -o "${dir}/${name}.s"
            COMMAND ${CMAKE_COMMAND} -E rm -f "${dir}/${name}.a"
            COMMAND ${CMAKE_AR} qc "${dir}/${name}.a" "${dir}/${name}.o"
            DEPENDS lpgen_generators ${sources}
            COMMENT "Generating ${name} (llc -mcpu=${llc_cpu})"
            VERBATIM)
    else()
        add_custom_command(
            OUTPUT "${dir}/${name}.a" "${dir}/${name}.h" "${dir}/${name}.s"
            COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
            COMMAND lpgen_generators -g ${ARG_GENERATOR} -f ${name} -o "${dir}"
                    -e static_library,c_header,assembly target=${halide_target} ${ARG_PARAMS}
            DEPENDS lpgen_generators ${sources}
            COMMENT "Generating ${name}"
            VERBATIM)
    endif()
    add_custom_target(${name}_gen DEPENDS "${dir}/${name}.a")
    set_property(GLOBAL APPEND PROPERTY LPGEN_KERNEL_TARGETS ${name}_gen)
endfunction()
