#!/usr/bin/env bash
# Installs what is missing, checks the formatting (scripts/check-format.sh, before building so that it fails
# fast), builds obleth with its tests, and runs every test: once in a debug
# build with warnings as errors, once under AddressSanitizer and UBSan; then fuzzes the parsers for a bounded
# time (scripts/fuzz.sh, OBLETH_FUZZ_SECONDS per target).
# Set OBLETH_SKIP_ASAN=1 to skip the second pass, OBLETH_SKIP_FUZZ=1 to skip fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --tests
scripts/check-format.sh
jobs=$(nproc)

cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"
ctest --preset dev -j "$jobs" --output-on-failure

if [[ "${OBLETH_SKIP_ASAN:-0}" != 1 ]]; then
    cmake --preset asan >/dev/null
    cmake --build --preset asan -j "$jobs"
    ctest --preset asan -j "$jobs" --output-on-failure
fi

if [[ "${OBLETH_SKIP_FUZZ:-0}" != 1 ]]; then
    scripts/fuzz.sh
fi
