# What a Linux install holds besides the two executables (included from the top level after app/):
#   component "server" (package obleth-server): man page obleth-server(1), the system and the per-user systemd
#       unit, copyright and changelog;
#   component "gui" (package obleth): man page obleth(1), the desktop entry, hicolor icons, AppStream metadata,
#       copyright and changelog.
# The man pages are made from each program's --help at build time (ManPage.cmake); compressed files are made
# with gzip -9n so that the packages are reproducible and lintian-clean.
set(OBLETH_DEB_RELEASE 1 CACHE STRING "Debian revision of the obleth packages (the part after the dash)")
set(_linux_dir ${CMAKE_CURRENT_LIST_DIR})
set(_out ${PROJECT_BINARY_DIR}/packaging/linux)
file(MAKE_DIRECTORY ${_out})

# The changelog's newest entry must name this version, or the packages would carry a stale one.
file(STRINGS ${_linux_dir}/changelog _changelog_head LIMIT_COUNT 1)
if(NOT _changelog_head MATCHES "^obleth \\(${PROJECT_VERSION}-${OBLETH_DEB_RELEASE}\\) ")
    message(WARNING "packaging/linux/changelog starts with '${_changelog_head}': add an entry for "
                    "${PROJECT_VERSION}-${OBLETH_DEB_RELEASE} before building packages")
endif()

find_program(OBLETH_GZIP gzip)
if(NOT OBLETH_GZIP)
    message(WARNING "gzip not found: no man pages or changelog for the Linux packages")
    return()
endif()

set(_man_obleth_summary "OpenAI-compatible LLM gateway: tray app and headless server")
set(_man_obleth-server_summary "headless OpenAI-compatible LLM gateway")
set(_generated)
foreach(program obleth obleth-server)
    add_custom_command(
        OUTPUT ${_out}/${program}.1 ${_out}/${program}.1.gz
        COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:${program}> -DNAME=${program}
                "-DSUMMARY=${_man_${program}_summary}" -DVERSION=${PROJECT_VERSION}
                -DEXTRA=${_linux_dir}/${program}.1.extra -DOUTPUT=${_out}/${program}.1 -P ${_linux_dir}/ManPage.cmake
        COMMAND ${OBLETH_GZIP} -9n -k -f ${_out}/${program}.1
        DEPENDS ${program} ${_linux_dir}/ManPage.cmake ${_linux_dir}/${program}.1.extra
        COMMENT "Man page ${program}(1) from ${program} --help"
        VERBATIM)
    list(APPEND _generated ${_out}/${program}.1.gz)
endforeach()
add_custom_command(
    OUTPUT ${_out}/changelog.Debian.gz
    COMMAND ${CMAKE_COMMAND} -E copy ${_linux_dir}/changelog ${_out}/changelog.Debian
    COMMAND ${OBLETH_GZIP} -9n -k -f ${_out}/changelog.Debian
    DEPENDS ${_linux_dir}/changelog
    VERBATIM)
list(APPEND _generated ${_out}/changelog.Debian.gz)
add_custom_target(obleth_linux_files ALL DEPENDS ${_generated})

# obleth-server
install(FILES ${_out}/obleth-server.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT server)
install(FILES ${_linux_dir}/obleth.service DESTINATION lib/systemd/system COMPONENT server)
install(FILES ${_linux_dir}/obleth.user.service DESTINATION lib/systemd/user RENAME obleth.service
        COMPONENT server)
install(FILES ${_linux_dir}/copyright ${_out}/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/obleth-server COMPONENT server)
install(FILES ${_linux_dir}/lintian/obleth-server DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
        COMPONENT server)

# obleth
install(FILES ${_out}/obleth.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT gui)
install(FILES ${_linux_dir}/obleth.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT gui)
install(FILES ${_linux_dir}/dev.obleth.obleth.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo
        COMPONENT gui)
install(FILES ${PROJECT_SOURCE_DIR}/resources/obleth.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps COMPONENT gui)
foreach(size 16 22 24 32 48 64 128 256 512)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/obleth-${size}.png
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps RENAME obleth.png COMPONENT gui)
endforeach()
install(FILES ${_linux_dir}/copyright ${_out}/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/obleth COMPONENT gui)
install(FILES ${_linux_dir}/lintian/obleth DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides COMPONENT gui)
