# Installers: DEB on Linux, NSIS on Windows, DragNDrop on macOS. Included last from the top level.
include(GNUInstallDirs)
set(CPACK_PACKAGE_NAME obleth)
set(CPACK_PACKAGE_VENDOR "obleth")
set(CPACK_PACKAGE_CONTACT "obleth developers <dev@obleth.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_README "${PROJECT_SOURCE_DIR}/README.md")

if(UNIX AND NOT APPLE)
    set(CPACK_GENERATOR DEB)
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
    # Plugins are loaded at run time, so shlibdeps cannot see them.
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6sql6-sqlite, libqt6svg6, qt6-qpa-plugins")
    set(CPACK_DEBIAN_PACKAGE_SECTION net)
    set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
elseif(WIN32)
    set(CPACK_GENERATOR NSIS)
    set(CPACK_NSIS_DISPLAY_NAME obleth)
elseif(APPLE)
    set(CPACK_GENERATOR DragNDrop)
endif()

include(CPack)
