# Install rules and the CMake package: `find_package(lpgen)` gives lpgen::runtime, one static
# library (liblpgen.a: the runtime, every linked kernel variant and one Halide runtime, merged
# so that link order never matters) with the C API headers lpgen.h and lpgen.hpp.
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

function(lpgen_add_install_rules)
    set(merged "${CMAKE_BINARY_DIR}/lib/liblpgen.a")
    set(script "${CMAKE_BINARY_DIR}/lib/liblpgen.mri")
    set(archives "$<TARGET_FILE:lpgen_runtime>")
    foreach(profile IN LISTS LPGEN_LINK_PROFILES)
        lpgen_kernel_libraries(${profile} "${kernel_dir_${profile}}" libs)
        list(APPEND archives ${libs})
    endforeach()
    list(GET LPGEN_LINK_PROFILES 0 first_profile)
    set(runtime_profile ${LPGEN_RUNTIME_OF_${first_profile}})
    list(APPEND archives "${kernel_dir_${runtime_profile}}/lpgen_halide_runtime__${LPGEN_SUFFIX_${runtime_profile}}.a")
    set(inputs ${archives})
    list(TRANSFORM archives PREPEND "ADDLIB ")
    list(JOIN archives "\n" addlibs)
    file(GENERATE OUTPUT "${script}" CONTENT "CREATE ${merged}\n${addlibs}\nSAVE\nEND\n")
    add_custom_command(OUTPUT "${merged}"
        COMMAND ${CMAKE_COMMAND} -E rm -f "${merged}"
        COMMAND ${CMAKE_AR} -M < "${script}"
        DEPENDS lpgen_runtime ${inputs} "${script}"
        COMMENT "Merging the runtime and kernels into liblpgen.a")
    add_custom_target(lpgen_merged_library ALL DEPENDS "${merged}")

    install(FILES "${merged}" DESTINATION ${CMAKE_INSTALL_LIBDIR})
    install(FILES "${PROJECT_SOURCE_DIR}/runtime/lpgen/lpgen.h" "${PROJECT_SOURCE_DIR}/runtime/lpgen/lpgen.hpp"
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lpgen)
    install(TARGETS lpgen RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
    install(FILES "${PROJECT_SOURCE_DIR}/scripts/plot_demo.py" "${PROJECT_SOURCE_DIR}/scripts/plot_tuning.py" DESTINATION ${CMAKE_INSTALL_DATADIR}/lpgen)

    # What `lpgen tune` and `lpgen generate` need to compile kernels from an installed lpgen.
    install(TARGETS lpgen_generators RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/lpgen)
    install(FILES "${LPGEN_INSTALLED_CATALOG}" DESTINATION ${CMAKE_INSTALL_DATADIR}/lpgen RENAME kernel_catalog.json)
    install(FILES "${LPGEN_KNOB_SPACES}" "${CMAKE_BINARY_DIR}/autotune/sources_hash.txt"
            DESTINATION ${CMAKE_INSTALL_DATADIR}/lpgen)
    install(FILES "${PROJECT_SOURCE_DIR}/cmake/LpgenBundle.cmake" DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/lpgen)

    set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/lpgen)
    configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/lpgenConfig.cmake.in"
        "${CMAKE_BINARY_DIR}/lpgenConfig.cmake" INSTALL_DESTINATION ${config_dir}
        PATH_VARS CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_BINDIR)
    write_basic_package_version_file("${CMAKE_BINARY_DIR}/lpgenConfigVersion.cmake" COMPATIBILITY SameMinorVersion)
    install(FILES "${CMAKE_BINARY_DIR}/lpgenConfig.cmake" "${CMAKE_BINARY_DIR}/lpgenConfigVersion.cmake"
            DESTINATION ${config_dir})
endfunction()
