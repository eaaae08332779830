#!/usr/bin/env bash
# Where obleth's time goes under one load of bench/run.sh: starts the same upstream (bench/mock_openai.c) and
# obleth with its defaults, drives it with wrk and records obleth with `perf record -g` meanwhile; prints the
# top entries by shared object and by symbol (self time), the way docs/performance.md quotes them.
#
#   bench/profile.sh                      # plain answers, 50 connections, 10 s
#   bench/profile.sh stream 500           # fast streams (64 events sent together), 500 connections
#   bench/profile.sh paced 500            # paced streams: 500 clients, 64 events 20 ms apart (bench/sse_load.c)
#   bench/profile.sh messages 50          # fast streams asked as Anthropic's Messages API (translated, as
#                                         # bench/dialects.sh measures them)
#   PROFILE_KEEP=DIR bench/profile.sh     # keep perf.data and the reports in DIR
#
# Needs: a release build, cc, wrk, curl and perf (apt-get install linux-perf). Without hardware counters
# (virtual machines) it samples cpu-clock.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-plain}
conns=${2:-50}
seconds=${PROFILE_SECONDS:-10}
obleth=${OBLETH_BINARY:-build/release/app/obleth}
[[ -x $obleth ]] || { echo "profile: build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
for tool in cc wrk curl perf; do
    command -v $tool >/dev/null || { echo "profile: $tool is missing" >&2; exit 1; }
done
ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d -t obleth-profile-XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true
            [[ -n ${PROFILE_KEEP:-} ]] && cp "$work"/perf.data "$work"/*.txt "$PROFILE_KEEP/" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
name=profile
source bench/common.sh
build_c_tools
start_upstream 1
start_obleth

body=$plain
path=/v1/chat/completions
[[ $mode == stream || $mode == paced ]] && body=$stream
[[ $mode == messages ]] && { body=$messages_stream; path=/v1/messages; }
curl -sf -o /dev/null "$data_url$path" -H "Authorization: Bearer $key" -d "$body"

# user and system clock ticks of each of obleth's threads: "name user system" lines
thread_ticks() { for task in /proc/$obleth_pid/task/*; do
    echo "$(cat "$task/comm") $(sed -E 's/.*\) //' "$task/stat" | awk '{print $12, $13}')"; done; }
events=cpu-clock
perf stat -e cycles true >/dev/null 2>&1 && events=cycles
if [[ $mode == paced ]]; then
    "$work/sse_load" --port "${data_url##*:}" --key "$key" --conns "$conns" --seconds "$((seconds + 1))" --ramp-ms 1000 \
        --warmup-ms 1000 --header "x-mock-delay-ms: 20" --body "$body" --label "obleth/paced/$conns" >"$work/wrk.txt" &
    wrk_pid=$!
    sleep 2
else
    BENCH_KEY=$key BENCH_BODY=$body BENCH_LABEL="obleth/$mode/$conns" \
        wrk -t$(( conns < 2 ? 1 : 2 )) -c"$conns" -d"$((seconds + 2))s" --timeout 10s -s bench/request.lua \
        "$data_url$path" >"$work/wrk.txt" &
    wrk_pid=$!
    sleep 1
fi
thread_ticks >"$work/ticks.before"
perf record -q -e $events ${PROFILE_CALLGRAPH:--g} -p "$obleth_pid" -o "$work/perf.data" -- sleep "$seconds" 2>/dev/null
thread_ticks >"$work/ticks.after"
wait $wrk_pid
grep '^RESULT' "$work/wrk.txt"
echo
# CPU per request over the recorded seconds (wrk runs a second longer on each side; the rate is wrk's).
rps=$(grep -oE '(rps|streams_per_s)=[0-9.]+' "$work/wrk.txt" | head -1 | cut -d= -f2)
echo "CPU per request (for paced streams: per stream) by thread, user and system µs ($rps a second; perf adds to both):"
join <(sort "$work/ticks.before") <(sort "$work/ticks.after") | awk -v hz="$(getconf CLK_TCK)" -v rps="$rps" \
    -v s="$seconds" '{ n = rps * s; if (n == 0) n = 1; u = ($4 - $2) * 1e6 / hz / n; y = ($5 - $3) * 1e6 / hz / n;
        tu += u; ty += y; printf "  %-18s user %6.1f  system %6.1f\n", $1, u, y }
        END { printf "  %-18s user %6.1f  system %6.1f\n", "all", tu, ty }' | tee "$work/cpu.txt"
echo
echo "By shared object (self time, $events):"
perf report -i "$work/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -12 \
    | tee "$work/by-dso.txt"
echo
echo "By symbol (self time):"
perf report -i "$work/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' \
    | head -${PROFILE_TOP:-40} | tee "$work/by-symbol.txt"
