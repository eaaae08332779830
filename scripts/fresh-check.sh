#!/usr/bin/env bash
# Proves that the README's two commands work on a fresh machine: builds a minimal Debian root with
# `debootstrap --variant=minbase` (cached as a tarball), clones this checkout's HEAD into it, and runs
# there, inside chroot, first `scripts/run.sh` (waits for the gateway, sends one real chat completion
# to mock-model with curl, then stops it) and then `scripts/test.sh`. Needs root, debootstrap and git.
#
# Usage: scripts/fresh-check.sh [12|13|bookworm|trixie] [--prepare]
#   --prepare           only build the cached root tarball, run nothing
# Environment:
#   OBLETH_FRESH_CACHE  where the root tarballs and the work roots live (default ~/.cache/obleth-fresh)
#   OBLETH_FRESH_KEEP=1 keep the work root afterwards (it is removed otherwise)
#   OBLETH_SKIP_ASAN=1  passed on to scripts/test.sh: only the debug pass
#   OBLETH_FRESH_BUILD_TIMEOUT  seconds run.sh may take to build and start listening (default 5400)
# Only committed changes are checked: the root gets a clone of HEAD, not the working tree.
# Where npm is reached through a proxy with its own CA, the CA file named by NODE_EXTRA_CA_CERTS (or
# npm's cafile) and the proxy variables are carried into the root, so npm there trusts what npm here does.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
suite=bookworm
prepare_only=0
for arg in "$@"; do
    case "$arg" in
    12 | bookworm) suite=bookworm ;;
    13 | trixie) suite=trixie ;;
    --prepare) prepare_only=1 ;;
    *) echo "usage: $0 [12|13|bookworm|trixie] [--prepare]" >&2; exit 2 ;;
    esac
done

[[ $(id -u) -eq 0 ]] || { echo "fresh-check: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "fresh-check: install debootstrap first" >&2; exit 1; }

cache=${OBLETH_FRESH_CACHE:-$HOME/.cache/obleth-fresh}
mkdir -p "$cache"
tarball="$cache/debian-$suite-minbase.tar.gz"
started=$(date +%s)
stamp() { echo "fresh-check: [$(($(date +%s) - started))s] $*"; }

# 1. The minimal root, built once and kept as a tarball.
if [[ ! -s "$tarball" ]]; then
    stamp "debootstrap --variant=minbase $suite (cached afterwards in $tarball)"
    staging=$(mktemp -d "$cache/debootstrap-$suite.XXXXXX")
    debootstrap --variant=minbase "$suite" "$staging" http://deb.debian.org/debian >"$staging.log" 2>&1 ||
        { tail -20 "$staging.log" >&2; rm -rf "$staging"; exit 1; }
    tar -C "$staging" -czf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$staging" "$staging.log"
fi
stamp "root tarball: $tarball"
((prepare_only)) && exit 0

# 2. A work root from the tarball, with this checkout's HEAD cloned into /root/obleth.
root=$(mktemp -d "$cache/root-$suite.XXXXXX")
mounted=()
cleanup() {
    local status=$?
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" 2>/dev/null || true
    done
    if [[ "${OBLETH_FRESH_KEEP:-0}" == 1 ]]; then
        echo "fresh-check: root kept in $root" >&2
    elif findmnt -rn -o TARGET | grep -q "^$root"; then
        echo "fresh-check: something is still mounted under $root; not removing it" >&2
    else
        rm -rf "$root"
    fi
    stamp "finished with status $status"
}
trap cleanup EXIT
tar -C "$root" -xzf "$tarball"
chmod 755 "$root" # mktemp made it 0700: apt's own user and any test user must reach /

commit=$(git -C "$repo" rev-parse HEAD)
git -C "$repo" diff --quiet HEAD || echo "fresh-check: uncommitted changes are NOT part of this check" >&2
git clone -q --no-hardlinks "$repo" "$root/root/obleth"
git -C "$root/root/obleth" checkout -q --detach "$commit"
stamp "cloned $commit"

cp -L /etc/resolv.conf "$root/etc/resolv.conf"
for m in proc sys dev dev/pts; do
    mkdir -p "$root/$m"
    case "$m" in
    proc) mount -t proc proc "$root/proc" ;;
    sys) mount -t sysfs sysfs "$root/sys" ;;
    dev) mount --bind /dev "$root/dev" ;;
    dev/pts) mount -t devpts -o newinstance devpts "$root/dev/pts" 2>/dev/null || mount --bind /dev/pts "$root/dev/pts" ;;
    esac
    mounted+=("$root/$m")
done
mount -t tmpfs tmpfs "$root/dev/shm" && mounted+=("$root/dev/shm")

# The environment inside: a login-like one, plus what npm here needs to reach its registry.
chroot_env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb)
[[ -n "${OBLETH_SKIP_ASAN:-}" ]] && chroot_env+=(OBLETH_SKIP_ASAN="$OBLETH_SKIP_ASAN")
ca_file=${NODE_EXTRA_CA_CERTS:-}
[[ -n "$ca_file" ]] || ca_file=$(npm config get cafile 2>/dev/null || true)
if [[ -n "$ca_file" && "$ca_file" != null && "$ca_file" != undefined && -r "$ca_file" ]]; then
    # A path of its own: the root's ca-certificates package rewrites /etc/ssl/certs when it is installed.
    mkdir -p "$root/etc/obleth-fresh"
    cp -L "$ca_file" "$root/etc/obleth-fresh/npm-ca.crt"
    chroot_env+=(NODE_EXTRA_CA_CERTS=/etc/obleth-fresh/npm-ca.crt npm_config_cafile=/etc/obleth-fresh/npm-ca.crt)
    stamp "carried the CA file $ca_file into the root"
fi
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    [[ -n "${!v:-}" ]] && chroot_env+=("$v=${!v}")
done
for v in proxy https-proxy noproxy registry; do
    value=$(npm config get "$v" 2>/dev/null || true)
    [[ -n "$value" && "$value" != null && "$value" != undefined ]] && chroot_env+=("npm_config_${v//-/_}=$value")
done
in_root() { chroot "$root" /usr/bin/env -i "${chroot_env[@]}" /bin/bash -c "cd /root/obleth && $1"; }

# 3. scripts/run.sh: wait (bounded) for the listening line, one chat completion, then stop it.
stamp "scripts/run.sh --port 0 --admin-port 0"
run_log="$cache/run-$suite.log"
setsid chroot "$root" /usr/bin/env -i "${chroot_env[@]}" /bin/bash -c \
    "cd /root/obleth && exec scripts/run.sh --port 0 --admin-port 0" >"$run_log" 2>&1 &
run_pid=$!
deadline=$(($(date +%s) + ${OBLETH_FRESH_BUILD_TIMEOUT:-5400}))
url=""
while [[ -z "$url" ]]; do
    if ! kill -0 "$run_pid" 2>/dev/null; then
        tail -30 "$run_log" >&2; echo "fresh-check: scripts/run.sh exited before listening" >&2; exit 1
    fi
    if (($(date +%s) > deadline)); then
        kill -TERM -- "-$run_pid" 2>/dev/null || true
        tail -30 "$run_log" >&2; echo "fresh-check: scripts/run.sh did not listen in time" >&2; exit 1
    fi
    line=$(grep -m1 '^obleth listening data=' "$run_log" || true)
    if [[ -n "$line" ]]; then
        url=${line#obleth listening data=}
        url=${url%% *}
    else
        sleep 2
    fi
done
key=$(sed -n 's/^first api key: //p' "$run_log" | head -1)
stamp "gateway listening at $url"
reply=$(curl -sS --max-time 30 "$url/v1/chat/completions" -H "Authorization: Bearer $key" \
    -H "Content-Type: application/json" \
    -d '{"model":"mock-model","messages":[{"role":"user","content":"Hello!"}]}' || true)
kill -TERM -- "-$run_pid" 2>/dev/null || true
run_status=0
for _ in $(seq 1 30); do kill -0 "$run_pid" 2>/dev/null || break; sleep 1; done
if kill -0 "$run_pid" 2>/dev/null; then
    kill -KILL -- "-$run_pid" 2>/dev/null || true
    echo "fresh-check: the gateway did not stop within 30 s of SIGTERM" >&2
    run_status=1
fi
wait "$run_pid" 2>/dev/null || true
if [[ "$reply" != *'"chat.completion"'* || "$reply" != *'"content"'* ]]; then
    echo "fresh-check: the chat completion failed: ${reply:0:300}" >&2
    exit 1
fi
stamp "chat completion answered: ${reply:0:160}"
((run_status == 0)) || exit 1

# 4. scripts/test.sh, the whole suite.
stamp "scripts/test.sh${OBLETH_SKIP_ASAN:+ (OBLETH_SKIP_ASAN=$OBLETH_SKIP_ASAN)}"
test_log="$cache/test-$suite.log"
if in_root "scripts/test.sh" >"$test_log" 2>&1; then
    grep -E 'tests passed|tests failed' "$test_log" | sed 's/^/fresh-check: /'
    stamp "PASS: run.sh and test.sh on a fresh Debian $suite ($commit)"
else
    tail -60 "$test_log" >&2
    stamp "FAIL: scripts/test.sh on a fresh Debian $suite (log: $test_log)"
    exit 1
fi
