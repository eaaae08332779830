# The Windows installer: NSIS, per machine in Program Files, with a Start menu entry for the tray app, a question
# whether obleth starts at sign-in, an optional PATH entry for obleth-server, and an uninstaller (also listed under
# Settings > Apps). Included from packaging/CPackConfig.cmake before include(CPack); cmake/Deploy.cmake fills the
# install tree it packs (bin/ with the executables, Qt, libsodium and the MSVC runtime; plugins/).
# Build it with `cpack -G NSIS` (NSIS 3 must be installed); see docs/packaging-windows-macos.md.

set(CPACK_GENERATOR NSIS)
# Values reach NSIS exactly as written here (the registry paths below hold backslashes).
set(CPACK_VERBATIM_VARIABLES ON)
set(CPACK_PACKAGE_INSTALL_DIRECTORY obleth)
set(CPACK_PACKAGE_FILE_NAME "obleth-${PROJECT_VERSION}-windows-x64")
# NSIS shows the license on its own page; it wants a file with a text extension.
configure_file(${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_BINARY_DIR}/packaging/LICENSE.txt COPYONLY)
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_BINARY_DIR}/packaging/LICENSE.txt)

set(CPACK_NSIS_PACKAGE_NAME obleth)
set(CPACK_NSIS_DISPLAY_NAME obleth)
set(CPACK_NSIS_INSTALL_ROOT "$PROGRAMFILES64")
set(CPACK_NSIS_MUI_ICON ${CMAKE_CURRENT_LIST_DIR}/obleth.ico)
set(CPACK_NSIS_MUI_UNIICON ${CMAKE_CURRENT_LIST_DIR}/obleth.ico)
# The icon of the entry under Settings > Apps.
set(CPACK_NSIS_INSTALLED_ICON_NAME "bin\\obleth.exe")
set(CPACK_NSIS_MANIFEST_DPI_AWARE ON)
# An upgrade removes the old version first, so that no file of it stays behind.
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
# A page that offers to put bin/ on PATH, so that `obleth-server` runs from any console (off unless chosen).
set(CPACK_NSIS_MODIFY_PATH ON)
# Start menu: "obleth" starts the tray app (bin/obleth.exe). The last page does not offer to start it: the
# installer runs elevated, and a gateway started from it would run with administrator rights.
set(CPACK_NSIS_EXECUTABLES_DIRECTORY bin)
set(CPACK_PACKAGE_EXECUTABLES obleth obleth)

# Autostart, the way the app's own "Start at login" switch does it (ui/autostart.cpp): a value named obleth under
# the user's Run key. The installer asks (a silent install, /S, answers no); the uninstaller removes the value, and
# the data folder (%APPDATA%\obleth) is kept, since it holds the user's keys and logs.
set(CPACK_NSIS_EXTRA_INSTALL_COMMANDS [=[
  MessageBox MB_YESNO|MB_ICONQUESTION "Start obleth automatically when you sign in to Windows?$\n$\nYou can change this later in obleth's settings." /SD IDNO IDNO +2
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Run" "obleth" '"$INSTDIR\bin\obleth.exe"'
]=])
set(CPACK_NSIS_EXTRA_UNINSTALL_COMMANDS [=[
  DeleteRegValue HKCU "Software\Microsoft\Windows\CurrentVersion\Run" "obleth"
]=])
