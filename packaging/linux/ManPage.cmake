# Writes a man page from a program's --help, so the page cannot drift from the program (cmake -P script).
#   cmake -DBINARY=path -DNAME=obleth -DSUMMARY="..." -DVERSION=0.1.0 -DEXTRA=file.roff -DOUTPUT=obleth.1
#         -P ManPage.cmake
# The help's first line "Usage: ..." becomes SYNOPSIS, the paragraph after it DESCRIPTION, and every later
# block that starts with an unindented "Heading:" line a subsection of OPTIONS kept line for line (.nf), so
# the page shows exactly what --help shows. EXTRA holds hand-written sections (FILES, SEE ALSO, ...).
foreach(var BINARY NAME SUMMARY VERSION OUTPUT)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "ManPage.cmake: ${var} is not set")
    endif()
endforeach()

execute_process(COMMAND "${BINARY}" --help
    OUTPUT_VARIABLE help RESULT_VARIABLE result
    ENCODING UTF-8)
if(NOT result EQUAL 0 OR help STREQUAL "")
    message(FATAL_ERROR "ManPage.cmake: `${BINARY} --help` failed (${result})")
endif()

# roff escapes: a backslash is \e, a minus is \-, and a line must not start with a control character.
function(roff_escape text out)
    string(REPLACE "\\" "\\e" text "${text}")
    string(REPLACE "-" "\\-" text "${text}")
    if(text MATCHES "^[.']")
        set(text "\\&${text}")
    endif()
    set(${out} "${text}" PARENT_SCOPE)
endfunction()

string(REPLACE ";" "\\;" help "${help}")
string(REGEX REPLACE "\n$" "" help "${help}")
string(REPLACE "\n" ";" lines "${help}")

string(TOUPPER "${NAME}" upper)
set(page ".TH ${upper} 1 \"\" \"${NAME} ${VERSION}\" \"User Commands\"\n.SH NAME\n${NAME} \\- ${SUMMARY}\n")
set(state usage)
foreach(line IN LISTS lines)
    string(REPLACE "\\;" ";" line "${line}")
    roff_escape("${line}" escaped)
    if(state STREQUAL "usage")
        string(REGEX REPLACE "^Usage: *" "" synopsis "${escaped}")
        string(APPEND page ".SH SYNOPSIS\n${synopsis}\n.SH DESCRIPTION\n")
        set(state description)
    elseif(state STREQUAL "description")
        if(line MATCHES "^[^ ].*:$")
            string(APPEND page ".SH OPTIONS\n.SS ${escaped}\n.nf\n")
            set(state block)
        elseif(NOT line STREQUAL "")
            string(APPEND page "${escaped}\n")
        endif()
    else()
        if(line MATCHES "^[^ ].*:$")
            string(APPEND page ".fi\n.SS ${escaped}\n.nf\n")
        elseif(line STREQUAL "")
            string(APPEND page ".sp\n")
        else()
            string(APPEND page "${escaped}\n")
        endif()
    endif()
endforeach()
if(state STREQUAL "block")
    string(APPEND page ".fi\n")
endif()
if(DEFINED EXTRA AND NOT EXTRA STREQUAL "")
    file(READ "${EXTRA}" extra)
    string(APPEND page "${extra}")
endif()
file(WRITE "${OUTPUT}" "${page}")
