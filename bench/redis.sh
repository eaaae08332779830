#!/usr/bin/env bash
# Measures obleth's Redis client (core/redis, bench/redis_bench.cpp) against redis-benchmark (Redis's own tool, on
# hiredis) on the same redis-server, one connection each (-c 1), one after the other: INCR and a small EVALSHA (the
# shape of the shared admission's scripts), one at a time (round trips) and pipelined (BENCH_REDIS_PIPELINE [16]
# commands at a time). Prints requests per second and the p50/p99 latency of a command for both, side by side;
# docs/performance.md ("Redis client") keeps the figures.
#
#   bench/redis.sh                              # 100,000 pipelined and 20,000 one-at-a-time commands a case
#   BENCH_REDIS_REQUESTS=20000 bench/redis.sh    # quicker
#
# Needs: a release build (cmake --preset release && cmake --build --preset release --target redis_bench),
# redis-server and redis-benchmark (apt-get install redis-server redis-tools).
set -euo pipefail
cd "$(dirname "$0")/.."

name=redis-bench
requests=${BENCH_REDIS_REQUESTS:-100000}
pipeline=${BENCH_REDIS_PIPELINE:-16}
single=$((requests / 5))
bench=${REDIS_BENCH_BINARY:-build/release/bench/redis_bench}
[[ -x $bench ]] || { echo "$name: build first: cmake --preset release && cmake --build --preset release --target redis_bench" >&2; exit 1; }
for tool in redis-server redis-benchmark redis-cli; do
    command -v $tool >/dev/null || { echo "$name: $tool is missing (apt-get install redis-server redis-tools)" >&2; exit 1; }
done
# shellcheck source=bench/common.sh
source bench/common.sh

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --loglevel warning \
    >"$work/redis.log" 2>&1 &
pids+=($!)
wait_port "$port"

script="return redis.call('INCRBY', KEYS[1], ARGV[1])"
sha=$(redis-cli -p "$port" SCRIPT LOAD "$script")

# redis-benchmark's CSV: "test","rps","avg","min","p50","p95","p99","max" -> rps,p50,p99
theirs() { # requests pipeline command...
    local n=$1 p=$2
    shift 2
    redis-benchmark -p "$port" -c 1 -n "$n" -P "$p" --csv "$@" | tail -n 1 | tr -d '"' | awk -F, '{print $2 "," $5 "," $7}'
}
declare -A other
other["INCR one at a time"]=$(theirs "$single" 1 INCR bench:incr)
other["INCR pipelined"]=$(theirs "$requests" "$pipeline" INCR bench:incr)
other["EVALSHA one at a time"]=$(theirs "$single" 1 EVALSHA "$sha" 1 bench:eval 1)
other["EVALSHA pipelined"]=$(theirs "$requests" "$pipeline" EVALSHA "$sha" 1 bench:eval 1)

QT_LOGGING_RULES="obleth.*.info=false" "$bench" "redis://127.0.0.1:$port" --requests "$requests" --pipeline "$pipeline" >"$work/ours.csv"

printf '%-24s %12s %8s %8s   %12s %8s %8s\n' "one connection" "obleth rps" "p50 ms" "p99 ms" "r-bench rps" "p50 ms" \
    "p99 ms"
tail -n +2 "$work/ours.csv" | while IFS=, read -r case rps p50 p99; do
    IFS=, read -r orps op50 op99 <<<"${other[$case]}"
    printf '%-24s %12.0f %8.3f %8.3f   %12.0f %8.3f %8.3f\n' "$case" "$rps" "$p50" "$p99" "$orps" "$op50" "$op99"
done
echo "(pipelined: $pipeline commands at a time; $requests commands pipelined, $single one at a time; $(nproc) cores)"
