# Windows and macOS: what `cmake --install` (and so CPack) adds around the executables so that the installed tree
# runs on a machine without Qt or a compiler: Qt's libraries and plugins (platforms, sqldrivers, tls, styles,
# imageformats and iconengines for the SVG icons), libsodium, the MSVC runtime, and on macOS the bundle's own
# Info.plist (a tray app: no Dock icon) and icon. packaging/windows and packaging/macos turn that tree into an NSIS
# installer and a DMG. Included from the top level after add_subdirectory(app); does nothing on Linux.
#
# Layout
#   Windows: bin/obleth.exe (GUI), bin/obleth-server.exe (console), the Qt, libsodium and MSVC DLLs next to them,
#            Qt's plugins in plugins/ (with bin/qt.conf) when Qt's deploy script runs, next to the .exe otherwise.
#   macOS:   obleth.app, with obleth-server next to obleth in Contents/MacOS, frameworks and plugins inside.
#
# Deployment: Qt 6.7 and later have qt_generate_deploy_script()/qt_deploy_runtime_dependencies() with the options
# used here (a second executable, no compiler runtime, no translations); older Qt (6.4 spells the app script's
# argument FILENAME_VARIABLE and has no options at all) gets windeployqt/macdeployqt run directly.

if(NOT WIN32 AND NOT APPLE)
    return()
endif()

# The licence and the notices of what the installers bundle (Qt under the LGPL: how to relink), beside the app.
if(WIN32)
    install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/packaging/THIRD-PARTY-NOTICES.txt
        DESTINATION .)
else()
    install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/packaging/THIRD-PARTY-NOTICES.txt
        DESTINATION obleth.app/Contents/Resources)
endif()

set(obleth_server_target "")
if(TARGET obleth-server)
    set(obleth_server_target obleth-server)
endif()

if(APPLE)
    # The bundle's Info.plist: LSUIElement (an agent: no Dock icon, no menu bar of its own; the tray icon is the
    # app), the icon, the minimum macOS. Qt's finaliser may have set its own template already; this one wins,
    # since target properties are read when the build files are generated.
    set(obleth_icns ${PROJECT_SOURCE_DIR}/packaging/macos/obleth.icns)
    target_sources(obleth PRIVATE ${obleth_icns})
    set_source_files_properties(${obleth_icns} TARGET_DIRECTORY obleth PROPERTIES MACOSX_PACKAGE_LOCATION Resources)
    set_target_properties(obleth PROPERTIES
        MACOSX_BUNDLE_INFO_PLIST ${PROJECT_SOURCE_DIR}/packaging/macos/Info.plist.in
        MACOSX_BUNDLE_BUNDLE_NAME obleth
        MACOSX_BUNDLE_ICON_FILE obleth.icns
        MACOSX_BUNDLE_COPYRIGHT "See LICENSE")
    if(obleth_server_target)
        # The command-line server lives in the bundle, next to the GUI, and finds the bundle's frameworks.
        set_target_properties(obleth-server PROPERTIES INSTALL_RPATH "@executable_path/../Frameworks")
        install(TARGETS obleth-server RUNTIME DESTINATION obleth.app/Contents/MacOS)
    endif()
endif()

if(WIN32)
    # The version block of packaging/windows/obleth.rc (the lead adds the .rc to the executables in app/).
    set(obleth_rc ${PROJECT_SOURCE_DIR}/packaging/windows/obleth.rc)
    set_source_files_properties(${obleth_rc} TARGET_DIRECTORY obleth ${obleth_server_target}
        PROPERTIES COMPILE_DEFINITIONS
        "OBLETH_RC_VERSION=${PROJECT_VERSION_MAJOR},${PROJECT_VERSION_MINOR},${PROJECT_VERSION_PATCH},0")
    if(obleth_server_target)
        install(TARGETS obleth-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
    endif()
    # DLLs of the imported libraries the GUI links, libsodium's among them (vcpkg); windeployqt adds Qt's plugins.
    install(FILES $<TARGET_RUNTIME_DLLS:obleth> DESTINATION ${CMAKE_INSTALL_BINDIR})
    # The MSVC runtime next to the executables (app-local), so that no VC++ redistributable is needed. The
    # Universal CRT is part of Windows 10 and later.
    set(CMAKE_INSTALL_SYSTEM_RUNTIME_DESTINATION ${CMAKE_INSTALL_BINDIR})
    set(CMAKE_INSTALL_UCRT_LIBRARIES OFF)
    include(InstallRequiredSystemLibraries)
endif()

if(Qt6_VERSION VERSION_GREATER_EQUAL 6.7)
    if(WIN32)
        set(obleth_deploy_executable "${CMAKE_INSTALL_BINDIR}/$<TARGET_FILE_NAME:obleth>")
        set(obleth_deploy_more "")
        if(obleth_server_target)
            set(obleth_deploy_more "ADDITIONAL_EXECUTABLES \"${CMAKE_INSTALL_BINDIR}/$<TARGET_FILE_NAME:obleth-server>\"")
        endif()
    else()
        set(obleth_deploy_executable "obleth.app")
        set(obleth_deploy_more "")
        if(obleth_server_target)
            # Passed to macdeployqt as -executable=, relative to the install prefix.
            set(obleth_deploy_more "ADDITIONAL_EXECUTABLES \"obleth.app/Contents/MacOS/obleth-server\"")
        endif()
    endif()
    qt_generate_deploy_script(
        TARGET obleth
        OUTPUT_SCRIPT obleth_deploy_script
        CONTENT "
qt_deploy_runtime_dependencies(
    EXECUTABLE \"${obleth_deploy_executable}\"
    ${obleth_deploy_more}
    GENERATE_QT_CONF
    NO_TRANSLATIONS
    NO_COMPILER_RUNTIME
)
")
    install(SCRIPT ${obleth_deploy_script})
else()
    # Older Qt: the deploy tools themselves, from the Qt in use.
    if(WIN32)
        set(obleth_deploy_tool_name windeployqt)
    else()
        set(obleth_deploy_tool_name macdeployqt)
    endif()
    find_program(OBLETH_DEPLOY_TOOL ${obleth_deploy_tool_name}
        HINTS "${QT6_INSTALL_PREFIX}/${QT6_INSTALL_BINS}" "${Qt6_DIR}/../../../bin"
        NO_DEFAULT_PATH)
    if(NOT OBLETH_DEPLOY_TOOL)
        message(WARNING "${obleth_deploy_tool_name} not found next to Qt ${Qt6_VERSION}: `cmake --install` will not "
                        "deploy Qt's libraries, so the installers will not run on a machine without Qt")
        return()
    endif()
    if(WIN32)
        set(obleth_deploy_args "\"\${obleth_prefix}/${CMAKE_INSTALL_BINDIR}/$<TARGET_FILE_NAME:obleth>\"")
        if(obleth_server_target)
            string(APPEND obleth_deploy_args
                " \"\${obleth_prefix}/${CMAKE_INSTALL_BINDIR}/$<TARGET_FILE_NAME:obleth-server>\"")
        endif()
        string(APPEND obleth_deploy_args " --no-translations --no-compiler-runtime --force")
    else()
        set(obleth_deploy_args "\"\${obleth_prefix}/obleth.app\" -always-overwrite")
        if(obleth_server_target)
            string(APPEND obleth_deploy_args " \"-executable=\${obleth_prefix}/obleth.app/Contents/MacOS/obleth-server\"")
        endif()
    endif()
    install(CODE "
set(obleth_prefix \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}\")
execute_process(COMMAND \"${OBLETH_DEPLOY_TOOL}\" ${obleth_deploy_args} RESULT_VARIABLE obleth_deploy_result)
if(obleth_deploy_result)
    message(FATAL_ERROR \"${obleth_deploy_tool_name} failed: \${obleth_deploy_result}\")
endif()
")
endif()
