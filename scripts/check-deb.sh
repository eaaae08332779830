#!/usr/bin/env bash
# Builds the release preset, makes the two Debian packages (obleth-server, obleth) with cpack, and checks
# them: lintian without errors or warnings, the files each package must hold, a server package that depends on
# no GUI library, stripped and hardened binaries.
#
# Usage: scripts/check-deb.sh [--no-build] [--chroot ROOT.tar.gz]
#   --no-build            check the packages already in build/release
#   --chroot ROOT.tar.gz  also (as root) unpack a minimal Debian root (debootstrap --variant=minbase), install
#                         obleth-server in it, start it, ask /health, then remove and purge it
# Needs: the build dependencies (scripts/install-deps.sh), file, lintian; binutils for readelf.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=true
chroot_tarball=""
while (($#)); do
    case "$1" in
    --no-build) build=false ;;
    --chroot) chroot_tarball=$2; shift ;;
    *) echo "check-deb: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

failures=0
fail() { echo "check-deb: FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "check-deb: ok: $*"; }

for tool in file lintian dpkg-deb readelf; do
    command -v "$tool" >/dev/null || { echo "check-deb: $tool is missing (apt-get install file lintian binutils)" >&2; exit 1; }
done

cd "$root"
if $build; then
    cmake --preset release >/dev/null
    cmake --build --preset release -j"$(nproc)"
    rm -f build/release/*.deb
    (cd build/release && cpack -G DEB >/dev/null)
fi
version=$(sed -n '1s/^obleth (\([^)]*\)).*/\1/p' packaging/linux/changelog)
arch=$(dpkg --print-architecture)
server_deb=build/release/obleth-server_${version}_${arch}.deb
gui_deb=build/release/obleth_${version}_${arch}.deb
for deb in "$server_deb" "$gui_deb"; do
    [[ -f $deb ]] || { echo "check-deb: $deb was not built" >&2; exit 1; }
done

# lintian: no error and no warning (the overrides shipped in the packages say why for each one they hide).
lintian_out=$(lintian --tag-display-limit 0 "$server_deb" "$gui_deb" 2>&1 | grep -v 'running with root privileges' || true)
if grep -qE '^[EW]: ' <<<"$lintian_out"; then
    fail "lintian:"$'\n'"$lintian_out"
else
    pass "lintian: no errors or warnings${lintian_out:+ (}${lintian_out:+$(grep -c . <<<"$lintian_out") info lines)}"
fi

# Each package holds what a Debian user expects.
expect_files() {
    local deb=$1; shift
    local listing
    listing=$(dpkg-deb -c "$deb" | awk '{print $6}')
    for f in "$@"; do
        grep -qxF "./$f" <<<"$listing" || fail "$(basename "$deb") lacks /$f"
    done
}
expect_files "$server_deb" usr/bin/obleth-server usr/share/man/man1/obleth-server.1.gz \
    usr/lib/systemd/system/obleth.service usr/lib/systemd/user/obleth.service \
    usr/share/doc/obleth-server/copyright usr/share/doc/obleth-server/changelog.Debian.gz
expect_files "$gui_deb" usr/bin/obleth usr/share/man/man1/obleth.1.gz usr/share/applications/obleth.desktop \
    usr/share/metainfo/dev.obleth.obleth.metainfo.xml usr/share/icons/hicolor/scalable/apps/obleth.svg \
    usr/share/doc/obleth/copyright usr/share/doc/obleth/changelog.Debian.gz
for size in 16 22 24 32 48 64 128 256 512; do
    expect_files "$gui_deb" "usr/share/icons/hicolor/${size}x${size}/apps/obleth.png"
done
pass "package contents"

# The server package pulls in no GUI library; the tray app depends on the server and on an SVG plugin package
# of Debian 12 or 13.
server_depends=$(dpkg-deb -f "$server_deb" Depends)
if grep -qiE 'libqt6(gui|widgets)|qt6-qpa|libx11|libxcb|libgl|svg' <<<"$server_depends"; then
    fail "obleth-server depends on a GUI library: $server_depends"
fi
gui_depends=$(dpkg-deb -f "$gui_deb" Depends)
grep -qF "obleth-server (= $version)" <<<"$gui_depends" || fail "obleth does not depend on obleth-server (= $version)"
grep -qF "qt6-svg-plugins | libqt6svg6" <<<"$gui_depends" || fail "obleth lacks the SVG plugin dependency"
for deb in "$server_deb" "$gui_deb"; do
    [[ $(dpkg-deb -f "$deb" Description | wc -l) -gt 3 ]] || fail "$(basename "$deb") has no extended description"
done
pass "dependencies and descriptions"

# Stripped, hardened binaries.
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
dpkg-deb -x "$server_deb" "$unpacked"
dpkg-deb -x "$gui_deb" "$unpacked"
for bin in "$unpacked"/usr/bin/*; do
    name=$(basename "$bin")
    # Outputs are read into variables first: grep -q closing a pipe early would fail the pipeline.
    kind=$(file -b "$bin")
    header=$(readelf -h "$bin")
    segments=$(readelf -lW "$bin")
    dynamic=$(readelf -d "$bin")
    symbols=$(readelf --dyn-syms -W "$bin")
    grep -q ', stripped' <<<"$kind" || fail "$name is not stripped"
    grep -q 'DYN (Position-Independent Executable' <<<"$header" || fail "$name is not PIE"
    grep -q GNU_RELRO <<<"$segments" || fail "$name has no RELRO"
    grep -q BIND_NOW <<<"$dynamic" || fail "$name is not linked with -z now"
    grep -q __stack_chk_fail <<<"$symbols" || fail "$name has no stack protector"
    grep -qE '__[a-z_]+_chk' <<<"$symbols" || fail "$name has no fortified functions"
done
pass "stripped and hardened binaries"

if [[ -n $chroot_tarball ]]; then
    [[ $(id -u) -eq 0 ]] || { echo "check-deb: --chroot needs root" >&2; exit 1; }
    target=$(mktemp -d /tmp/obleth-deb-root.XXXXXX)
    cleanup_root() { umount "$target/proc" 2>/dev/null || true; rm -rf "$target" "$unpacked"; }
    trap cleanup_root EXIT
    tar -C "$target" -xzf "$chroot_tarball"
    cp /etc/resolv.conf "$target/etc/resolv.conf"
    cp "$server_deb" "$target/tmp/"
    mount -t proc proc "$target/proc"
    in_root() { chroot "$target" /usr/bin/env DEBIAN_FRONTEND=noninteractive /bin/sh -ec "$1"; }
    in_root "apt-get update -qq && cd /tmp && apt-get install -y -qq ./$(basename "$server_deb") curl >/dev/null"
    in_root 'obleth-server --version'
    in_root 'getent passwd obleth >/dev/null'
    # As the system service runs it (systemd itself is not running in a chroot).
    in_root 'setpriv --reuid obleth --regid obleth --clear-groups obleth-server --data-dir /var/lib/obleth --port 0 --admin-port 0 >/tmp/out 2>/dev/null &
        pid=$!
        for i in $(seq 150); do grep -q "obleth listening" /tmp/out && break; sleep 0.1; done
        url=$(sed -n "s/.*data=\([^ ]*\) .*/\1/p" /tmp/out)
        test "$(curl -fsS "$url/health")" = ok
        kill -TERM $pid
        wait $pid
        test -f /var/lib/obleth/admin-token' && pass "obleth-server runs in a minimal root and answers /health" \
        || fail "obleth-server in a minimal root"
    in_root 'apt-get remove -y -qq obleth-server >/dev/null; test -f /var/lib/obleth/obleth.db' \
        && pass "remove keeps /var/lib/obleth" || fail "remove lost /var/lib/obleth"
    in_root 'apt-get purge -y -qq obleth-server >/dev/null; test ! -e /var/lib/obleth' \
        && pass "purge deletes /var/lib/obleth" || fail "purge left /var/lib/obleth"
fi

if ((failures)); then
    echo "check-deb: $failures check(s) failed" >&2
    exit 1
fi
echo "check-deb: all checks passed"
