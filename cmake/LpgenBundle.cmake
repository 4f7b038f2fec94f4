# lpgen_add_bundle(<target> LAYERS <layer list .json | resnet18[:C2,...]> PRECISIONS <p1,p2,...>
#                  [DB <tuning database>] [PROFILE <profile>] [NAME <C identifier>])
# Runs `lpgen generate` at build time: <target> is a static library of the kernels tuned for
# those layers (the best records of DB; layers without one keep lpgen's default kernels), with
# <NAME>.h on its include path declaring <NAME>_register(), to call once at start-up. Link
# <target> and lpgen::runtime. Regenerated when the layer list or the database changes.
# Needs LPGEN_EXECUTABLE (set by find_package(lpgen), or lpgen's own tree).
function(lpgen_add_bundle TARGET)
    cmake_parse_arguments(ARG "" "LAYERS;PRECISIONS;DB;PROFILE;NAME" "" ${ARGN})
    if(NOT ARG_LAYERS OR NOT ARG_PRECISIONS)
        message(FATAL_ERROR "lpgen_add_bundle(${TARGET}): LAYERS and PRECISIONS are required")
    endif()
    set(name ${TARGET})
    if(ARG_NAME)
        set(name ${ARG_NAME})
    endif()
    set(dir "${CMAKE_CURRENT_BINARY_DIR}/${TARGET}")
    set(command ${LPGEN_EXECUTABLE} generate --layers ${ARG_LAYERS} --precisions ${ARG_PRECISIONS}
                --name ${name} --out ${dir})
    set(depends "")
    if(ARG_DB)
        list(APPEND command --db ${ARG_DB})
        list(APPEND depends ${ARG_DB})
    else()
        list(APPEND command --db ${dir}/no-tuning.db)
    endif()
    if(ARG_PROFILE)
        list(APPEND command --profile ${ARG_PROFILE})
    endif()
    if(ARG_LAYERS MATCHES "\\.json$")
        list(APPEND depends ${ARG_LAYERS})
    endif()
    add_custom_command(OUTPUT "${dir}/${name}.a" "${dir}/${name}.h" "${dir}/manifest.json"
        COMMAND ${command}
        DEPENDS ${depends}
        COMMENT "lpgen generate: bundle ${name}"
        VERBATIM)
    add_custom_target(${TARGET}_generate DEPENDS "${dir}/${name}.a")
    add_library(${TARGET} STATIC IMPORTED GLOBAL)
    file(MAKE_DIRECTORY "${dir}")
    set_target_properties(${TARGET} PROPERTIES
        IMPORTED_LOCATION "${dir}/${name}.a"
        INTERFACE_INCLUDE_DIRECTORIES "${dir}"
        INTERFACE_LINK_LIBRARIES lpgen::runtime)
    add_dependencies(${TARGET} ${TARGET}_generate)
endfunction()
