#!/usr/bin/env bash
# Installs, from Debian's (or Ubuntu's) own packages, whatever obleth needs to build, test and run
# that is not installed yet. Needs root or sudo only when something is missing.
# Usage: scripts/install-deps.sh [--tests]
set -euo pipefail

# The SVG icon plugins the GUI's icons need: in libqt6svg6 up to Debian 12 and Ubuntu 24.04, in
# qt6-svg-plugins from Debian 13 on (where libqt6svg6 is the library alone).
svg_plugins() { apt-cache show qt6-svg-plugins >/dev/null 2>&1 && echo qt6-svg-plugins || echo libqt6svg6; }
svg=$(svg_plugins)
# libsodium-dev encrypts the upstream secrets kept in the database. file: cpack's DEB generator needs it.
# libqt6sql6-psql: --database postgresql://... (several instances on one database, contract section 15); libpq-dev
# lets obleth cut a connection whose server hangs (store/statementdeadline).
packages=(build-essential cmake ninja-build pkgconf qt6-base-dev libqt6sql6-sqlite libqt6sql6-psql libpq-dev "$svg"
          libgl-dev libxkbcommon-dev libsodium-dev curl file)
if [[ "${1:-}" == "--tests" ]]; then
    # The sqlite3 shell plays the other program that reads or locks obleth's database (tst_storesafety).
    packages+=(sqlite3)
    # The multi-instance tests run real engines: a throwaway PostgreSQL cluster (initdb, pg_ctl; as root through
    # runuser, util-linux) and redis-server, each on a free port (tests/support/pgcluster, redisserver).
    packages+=(postgresql redis-server util-linux)
    # openssl makes the self-signed certificates of the TLS tests.
    packages+=(openssl)
    # tst_linuxpackaging: man pages render cleanly, the desktop entry and AppStream metadata validate,
    # obleth-server links no GUI library.
    packages+=(man-db desktop-file-utils appstream binutils)
    # scripts/check-format.sh: the tree is formatted with clang-format 14, Debian 12's (on other releases the
    # package brings another version, and the check is skipped).
    packages+=(clang-format)
    # Node.js runs the OpenAI SDK, LangChain and MCP conformance tests; keep one that is already there.
    command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
    # scripts/fuzz.sh: clang with libFuzzer and the sanitizer runtimes (libclang-rt-dev on Debian 12; older
    # Ubuntu ships them in clang's own packages).
    if [[ "${OBLETH_SKIP_FUZZ:-0}" != 1 ]]; then
        packages+=(clang)
        apt-cache show libclang-rt-dev >/dev/null 2>&1 && packages+=(libclang-rt-dev)
    fi
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if ((${#missing[@]} == 0)); then
    exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps: run as root (missing: ${missing[*]})" >&2; exit 1; }
    sudo=sudo
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# A fresh root knows no packages before its first update: choose the SVG package again now that it does.
if [[ "$(svg_plugins)" != "$svg" ]]; then
    missing=("${missing[@]/#$svg/$(svg_plugins)}")
fi
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
