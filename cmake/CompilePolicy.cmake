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
    target_compile_options(obleth_compile_policy INTERFACE /W4 /permissive- /Zc:__cplusplus)
    if(OBLETH_WERROR)
        target_compile_options(obleth_compile_policy INTERFACE /WX)
    endif()
else()
    target_compile_options(obleth_compile_policy INTERFACE
        -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual)
    if(OBLETH_WERROR)
        target_compile_options(obleth_compile_policy INTERFACE -Werror)
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
