# Install rules and the CMake package: `cmake --install build --prefix P`
# puts the static libraries in P/lib, the public headers in
# P/include/p2psync and p2psyncConfig.cmake (with its version file) in
# P/lib/cmake/p2psync, so that an application does
#   find_package(p2psync 0.2 REQUIRED)
#   target_link_libraries(app PRIVATE p2psync::p2psync)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(P2P_CONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/p2psync)

install(TARGETS p2p_protocol p2p_storage p2psync EXPORT p2psyncTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/p2psync DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp")
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/generated/p2psync/version.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/p2psync)
install(EXPORT p2psyncTargets NAMESPACE p2psync::
  DESTINATION ${P2P_CONFIG_DIR})

configure_package_config_file(cmake/p2psyncConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/p2psyncConfig.cmake
  INSTALL_DESTINATION ${P2P_CONFIG_DIR})
# 0.x: a minor version may break the API, so 0.2 accepts only 0.2.*.
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/p2psyncConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/p2psyncConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/p2psyncConfigVersion.cmake
  DESTINATION ${P2P_CONFIG_DIR})
