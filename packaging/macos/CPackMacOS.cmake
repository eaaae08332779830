# The macOS package: a DMG (CPack DragNDrop) holding obleth.app and a link to /Applications; obleth-server, the
# command-line server, is inside the app (obleth.app/Contents/MacOS/obleth-server). Included from
# packaging/CPackConfig.cmake before include(CPack); cmake/Deploy.cmake fills the bundle (Info.plist with
# LSUIElement, the icon, Qt's frameworks and plugins by macdeployqt, libsodium).
# Build it with `cpack -G DragNDrop`; signing and notarisation: docs/packaging-windows-macos.md.

set(CPACK_GENERATOR DragNDrop)
if(CMAKE_OSX_ARCHITECTURES)
    string(REPLACE ";" "-" obleth_macos_arch "${CMAKE_OSX_ARCHITECTURES}")
else()
    set(obleth_macos_arch ${CMAKE_SYSTEM_PROCESSOR})
endif()
set(CPACK_PACKAGE_FILE_NAME "obleth-${PROJECT_VERSION}-macos-${obleth_macos_arch}")
set(CPACK_DMG_VOLUME_NAME "obleth ${PROJECT_VERSION}")
set(CPACK_DMG_FORMAT UDZO)
# The mounted volume's icon.
set(CPACK_PACKAGE_ICON ${CMAKE_CURRENT_LIST_DIR}/obleth.icns)
# Signs the deployed bundle in CPack's staging folder before the DMG is made: with the Developer ID identity in
# OBLETH_CODESIGN_IDENTITY when set (hardened runtime, timestamp: what notarisation needs), ad hoc otherwise
# (macdeployqt's rewrites break the linker's signatures, and Apple silicon runs no unsigned code).
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/sign-bundle.cmake)
