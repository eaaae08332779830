# One INTERFACE target carries the language standard, warnings and Qt's strictness defines.
# Every obleth target links it.
add_library(obleth_compile_policy INTERFACE)
add_library(obleth::compile_policy ALIAS obleth_compile_policy)

target_compile_features(obleth_compile_policy INTERFACE cxx_std_17)

target_compile_definitions(obleth_compile_policy INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CAST_FROM_BYTEARRAY
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_NO_FOREACH
    QT_NO_KEYWORDS
    QT_USE_QSTRINGBUILDER
    QT_STRICT_ITERATORS
    QT_DISABLE_DEPRECATED_BEFORE=0x060400
    OBLETH_VERSION="${PROJECT_VERSION}")

if(MSVC)
    # C++ only: the resource compiler (the .rc of the executables) takes none of these.
    target_compile_options(obleth_compile_policy INTERFACE "$<$<COMPILE_LANGUAGE:CXX>:/W4;/permissive-;/Zc:__cplusplus>")
    if(OBLETH_WERROR)
        target_compile_options(obleth_compile_policy INTERFACE $<$<COMPILE_LANGUAGE:CXX>:/WX>)
    endif()
else()
    target_compile_options(obleth_compile_policy INTERFACE
        -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual)
    if(OBLETH_WERROR)
        target_compile_options(obleth_compile_policy INTERFACE -Werror)
    endif()
    # Hardening as Debian's packages have it (dpkg-buildflags' "hardening=+all" minus what needs the
    # packaging tool): stack protector, stack clash protection, full RELRO with immediate binding, and
    # position-independent executables. _FORTIFY_SOURCE needs the optimiser, so it stays out of Debug builds
    # (where GCC would warn under -Werror) and out of sanitizer builds (ASan intercepts the same functions).
    option(OBLETH_HARDEN "Build with hardening flags (fortify, stack protector, RELRO/now, PIE)" ON)
    if(OBLETH_HARDEN)
        target_compile_options(obleth_compile_policy INTERFACE -fstack-protector-strong -fstack-clash-protection)
        if(NOT OBLETH_SANITIZE)
            target_compile_options(obleth_compile_policy INTERFACE
                $<$<NOT:$<CONFIG:Debug>>:-U_FORTIFY_SOURCE>
                $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
        endif()
        if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|i.86)$")
            target_compile_options(obleth_compile_policy INTERFACE -fcf-protection)
        endif()
        if(NOT APPLE)
            target_link_options(obleth_compile_policy INTERFACE LINKER:-z,relro LINKER:-z,now)
        endif()
        # Qt asks for -fPIC on everything that links it; executables are linked with -pie.
        include(CheckPIESupported)
        check_pie_supported(LANGUAGES CXX)
        set(CMAKE_POSITION_INDEPENDENT_CODE ON)
    endif()
    if(OBLETH_SANITIZE)
        target_compile_options(obleth_compile_policy INTERFACE
            -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
        # GCC 12 reports false maybe-uninitialized warnings on std::optional under the sanitizers.
        if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
            target_compile_options(obleth_compile_policy INTERFACE -Wno-maybe-uninitialized)
        endif()
        target_link_options(obleth_compile_policy INTERFACE -fsanitize=address,undefined)
    endif()
endif()
