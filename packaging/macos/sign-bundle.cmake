# Run by CPack (CPACK_PRE_BUILD_SCRIPTS) after the install into its staging folder, before the DMG is made:
# signs obleth.app from the inside out. OBLETH_CODESIGN_IDENTITY (environment) names a "Developer ID Application"
# identity in the keychain; without it the bundle is signed ad hoc, which runs on the machine that built it and,
# after the user's "Open anyway", elsewhere.
set(identity "$ENV{OBLETH_CODESIGN_IDENTITY}")
if(identity STREQUAL "")
    set(identity "-")
    set(options --force)
else()
    # The hardened runtime and a secure timestamp are what notarisation requires.
    set(options --force --options runtime --timestamp)
endif()

file(GLOB_RECURSE bundles LIST_DIRECTORIES true "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*obleth.app")
list(FILTER bundles INCLUDE REGEX "/obleth\\.app$")
if(NOT bundles)
    message(FATAL_ERROR "sign-bundle: no obleth.app under ${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
endif()
list(GET bundles 0 app)

# Inner code first: every dylib and framework, then the plugins, then the extra executable, then the bundle.
file(GLOB_RECURSE dylibs "${app}/Contents/Frameworks/*.dylib" "${app}/Contents/PlugIns/*.dylib")
file(GLOB frameworks LIST_DIRECTORIES true "${app}/Contents/Frameworks/*.framework")
set(inner ${dylibs} ${frameworks})
if(EXISTS "${app}/Contents/MacOS/obleth-server")
    list(APPEND inner "${app}/Contents/MacOS/obleth-server")
endif()
foreach(item IN LISTS inner)
    execute_process(COMMAND codesign ${options} --sign "${identity}" "${item}" COMMAND_ERROR_IS_FATAL ANY)
endforeach()
execute_process(COMMAND codesign ${options} --sign "${identity}" "${app}" COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND codesign --verify --strict --verbose=2 "${app}" COMMAND_ERROR_IS_FATAL ANY)
message(STATUS "sign-bundle: signed ${app} (identity ${identity})")
