# Seccomp, capabilities, user switch and rlimits for the container process.
# Included from runtime/CMakeLists.txt. Capability names come from a table (no libcap: one
# shared library less to load on every sysbox-runc run); libseccomp is only used at compile
# time (the container process loads the finished cBPF program with seccomp(2)).
add_library(sysbox_runtime_security STATIC ${CMAKE_CURRENT_LIST_DIR}/seccomp.cpp
            ${CMAKE_CURRENT_LIST_DIR}/seccomp_link.cpp ${CMAKE_CURRENT_LIST_DIR}/seccomp_cache.cpp
            ${CMAKE_CURRENT_LIST_DIR}/caps.cpp)
target_include_directories(sysbox_runtime_security PUBLIC ${PROJECT_SOURCE_DIR}
                           ${PROJECT_SOURCE_DIR}/lib)
target_link_libraries(sysbox_runtime_security PUBLIC sysbox_core sysbox_oci PkgConfig::SECCOMP)
sysbox_warnings(sysbox_runtime_security)
