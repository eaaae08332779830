# Installers: DEB on Linux, NSIS on Windows, DragNDrop on macOS. Included last from the top level.
include(GNUInstallDirs)
set(CPACK_PACKAGE_NAME obleth)
set(CPACK_PACKAGE_VENDOR "obleth")
set(CPACK_PACKAGE_CONTACT "obleth developers <dev@obleth.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_README "${PROJECT_SOURCE_DIR}/README.md")

if(UNIX AND NOT APPLE)
    # Two .deb packages, obleth-server and obleth: see packaging/linux/CPackLinux.cmake.
    include(${CMAKE_CURRENT_LIST_DIR}/linux/CPackLinux.cmake)
elseif(WIN32)
    set(CPACK_GENERATOR NSIS)
    set(CPACK_NSIS_DISPLAY_NAME obleth)
elseif(APPLE)
    set(CPACK_GENERATOR DragNDrop)
endif()

include(CPack)
