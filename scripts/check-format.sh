#!/usr/bin/env bash
# Checks that every C++ file (core/ ui/ app/ tests/ bench/) is formatted as .clang-format says, and lists the
# files that are not. The tree is formatted with clang-format 14 (Debian 12's): other versions format some
# constructs differently, so when only another one is installed the check says so and is skipped.
# Usage: scripts/check-format.sh          check (exit 1 if a file differs)
#        scripts/check-format.sh --fix    format those files in place (clang-format -i)
# CLANG_FORMAT=path picks the binary (it must still be version 14).
# OBLETH_REQUIRE_FORMAT_CHECK=1 (set by .ci/run) makes a missing clang-format 14 a failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

want=14
fix=0
case "${1:-}" in
    "") ;;
    --fix) fix=1 ;;
    *) echo "usage: scripts/check-format.sh [--fix]" >&2; exit 2 ;;
esac

major() { "$1" --version 2>/dev/null | sed -n 's/.*clang-format version \([0-9][0-9]*\)\..*/\1/p' | head -n1; }

tool=""
other=""
for candidate in "${CLANG_FORMAT:-}" "clang-format-$want" clang-format; do
    [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null || continue
    version=$(major "$candidate")
    if [[ "$version" == "$want" ]]; then
        tool=$candidate
        break
    fi
    [[ -n "$other" ]] || other="$candidate ${version:-of unknown version}"
done

if [[ -z "$tool" ]]; then
    if [[ -n "$other" ]]; then
        why="the tree is formatted with clang-format $want and only $other is installed, whose output differs"
    else
        why="clang-format $want is not installed (scripts/install-deps.sh --tests installs it on Debian 12)"
    fi
    if ((fix)); then
        echo "check-format: cannot fix: $why" >&2
        exit 1
    fi
    if [[ "${OBLETH_REQUIRE_FORMAT_CHECK:-0}" == 1 ]]; then
        echo "check-format: failed: $why, and OBLETH_REQUIRE_FORMAT_CHECK=1 wants the check" >&2
        exit 1
    fi
    echo "check-format: skipped: $why"
    exit 0
fi

# The sources, without npm's packages, build directories or anything generated (moc, uic, rcc).
files=()
while IFS= read -r -d '' f; do
    files+=("$f")
done < <(find core ui app tests bench \
    \( -name node_modules -o -name 'build*' -o -name '.*' -o -name '*_autogen' \) -prune -o \
    -type f \( -name '*.h' -o -name '*.cpp' \) ! -name 'moc_*' ! -name 'ui_*.h' ! -name 'qrc_*' -print0 | sort -z)

if ((fix)); then
    "$tool" -i "${files[@]}"
    echo "check-format: formatted ${#files[@]} files with $tool"
    exit 0
fi

# --Werror: a file that differs is an error, and clang-format exits non-zero (it still checks every file).
status=0
report=$("$tool" --dry-run --Werror --ferror-limit=1 "${files[@]}" 2>&1) || status=$?
differ=$(sed -n 's/^\(.*\):[0-9][0-9]*:[0-9][0-9]*: [a-z]*: code should be clang-formatted.*/\1/p' <<<"$report" | sort -u)
if ((status != 0)) && [[ -z "$differ" ]]; then
    echo "check-format: $tool failed:" >&2
    echo "$report" >&2
    exit 1
fi
if [[ -n "$differ" ]]; then
    echo "check-format: $(wc -l <<<"$differ") of ${#files[@]} files are not formatted as .clang-format says ($tool):" >&2
    sed 's/^/  /' <<<"$differ" >&2
    echo "check-format: fix them with: scripts/check-format.sh --fix" >&2
    exit 1
fi
echo "check-format: ${#files[@]} files formatted as .clang-format says ($tool)"
