#!/usr/bin/env bash
# Measures obleth against nginx (a plain reverse proxy, one worker) and against calling the upstream
# directly, all in one run on one machine, in front of the same upstream: bench/mock_openai.c, a small epoll
# server that answers as real LLM servers do (each SSE event its own HTTP chunk; x-mock-delay-ms paces them).
# obleth runs with its defaults (request log, usage metering, metrics), its capacity raised so that admission
# never queues. Prints ratios to nginx; docs/performance.md says how to read them.
#
#   bench/run.sh                    # full run: BENCH_SECONDS=8 per point, about 4 minutes
#   BENCH_SECONDS=3 bench/run.sh    # quicker
#
# Points: plain answers and fast streams (64 events sent together) with wrk at 1, 50 and 500 connections;
# paced streams (64 events, 20 ms apart: 50 events/s a client) with bench/sse_load.c at 500 and 1,000 clients;
# BENCH_HOLD_STREAMS (10,000) streams held open at once through obleth (one event a second each) for the
# memory each costs.
#
# Needs: a release build (cmake --preset release && cmake --build --preset release), a C compiler, wrk,
# nginx and curl (apt-get install gcc wrk nginx curl). No Python.
# Knobs: BENCH_SECONDS, BENCH_HOLD_STREAMS, BENCH_HOLD_DELAY_MS (1000), BENCH_MOCK_THREADS (1),
# OBLETH_BINARY (build/release/app/obleth), BENCH_KEEP_RESULTS=DIR (copy the raw result lines there).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-8}
hold_target=${BENCH_HOLD_STREAMS:-10000}
hold_delay_ms=${BENCH_HOLD_DELAY_MS:-1000}
mock_threads=${BENCH_MOCK_THREADS:-1}
obleth=${OBLETH_BINARY:-build/release/app/obleth}
[[ -x $obleth ]] || { echo "bench: build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
for tool in cc wrk nginx curl; do
    command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install gcc wrk nginx curl)" >&2; exit 1; }
done
ulimit -n "$(ulimit -Hn)"
nofile=$(ulimit -n)

work=$(mktemp -d -t obleth-bench-XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

name=bench
source bench/common.sh
cpu_ticks() { # pid... -> utime+stime of all (fields after the command name, which may hold spaces)
    local total=0 pid
    for pid in "$@"; do total=$((total + $(sed -E 's/.*\) //' "/proc/$pid/stat" | awk '{print $12 + $13}'))); done
    echo $total
}
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
peak_rss_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)

# The two C programs, built for this machine; the upstream; obleth with a model on it and its defaults otherwise.
build_c_tools
start_upstream "$mock_threads"
start_obleth

# nginx, one worker: obleth serves from one gateway thread.
nginx_port=$(free_port)
mkdir -p "$work/nginx"
sed -e "s|@WORKERS@|1|; s|@DIR@|$work/nginx|g; s|@UPSTREAM_PORT@|$upstream_port|; s|@PORT@|$nginx_port|; s|@NOFILE@|$nofile|" \
    bench/nginx.conf.in >"$work/nginx/nginx.conf"
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_master=$!
pids+=($nginx_master)
wait_port "$nginx_port"
nginx_url="http://127.0.0.1:$nginx_port"
nginx_pids="$nginx_master $(pgrep -P "$nginx_master" | tr '\n' ' ')"

long_stream='{"model":"bench","messages":[{"role":"user","content":"Hello there, how are you?"}],"max_tokens":100000,"stream":true}'

# Every path answers before anything is measured.
for url in "$upstream" "$nginx_url" "$data_url"; do
    for body in "$plain" "$stream"; do
        curl -sf -o /dev/null "$url/v1/chat/completions" -H "Authorization: Bearer $key" \
            -H "Content-Type: application/json" -d "$body" || { echo "bench: $url does not answer" >&2; exit 1; }
    done
done
sleep 1
idle_rss=$(rss_kib $obleth_pid)

results="$work/results.txt"
: >"$results"
target_pids() { # name -> the processes whose CPU time counts
    case $1 in direct) echo "$mock_pid" ;; nginx1) echo "$nginx_pids" ;; obleth) echo "$obleth_pid" ;; esac
}
target_url() {
    case $1 in direct) echo "$upstream" ;; nginx1) echo "$nginx_url" ;; obleth) echo "$data_url" ;; esac
}

# 1. Streams held open at once: what each costs obleth in memory. First, while obleth's heap is fresh.
# Each stream holds two descriptors in obleth (client and upstream), so the open-file limit caps the count.
hold=$hold_target
hold_note=""
if (( 2 * hold + 100 > nofile )); then
    hold=$(( (nofile - 100) / 2 ))
    hold_note="$hold_target streams cannot be held here: the open-file limit is $nofile (ulimit -Hn) and each stream takes two descriptors in obleth; measured $hold"
fi
"$work/sse_load" --port "${data_url##*:}" --key "$key" --conns "$hold" --ramp-ms $(( hold + 500 )) --warmup-ms 4000 \
    --seconds 3 --header "x-mock-delay-ms: $hold_delay_ms" --body "$long_stream" --rss-pid "$obleth_pid" --label hold \
    | tee -a "$results"
for _ in $(seq 1 100); do # until obleth has let go of the streams
    [[ $(admin /api/v1/fairshare/live | grep -oE '"requests_in_flight":[0-9]+' | head -1 | cut -d: -f2) == 0 ]] && break
    sleep 0.1
done

# 2. Plain answers and fast streams, with wrk: each point direct, through nginx and through obleth in turn.
# run LABEL URL BODY CONNECTIONS PIDS... ; prints one RESULT line with cpu_us_per_req
run() {
    local label=$1 url=$2 body=$3 conns=$4
    shift 4
    local threads=$(( conns < 2 ? 1 : 2 ))
    local before after line requests
    before=$(cpu_ticks "$@")
    line=$(BENCH_KEY=$key BENCH_BODY=$body BENCH_LABEL=$label \
        wrk -t$threads -c"$conns" -d"${seconds}s" --timeout 10s -s bench/request.lua "$url/v1/chat/completions" | grep '^RESULT')
    after=$(cpu_ticks "$@")
    requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
    echo "$line cpu_us_per_req=$(( (after - before) * 1000000 / hz / (requests > 0 ? requests : 1) ))"
}
for mode in plain stream; do
    body=$plain
    [[ $mode == stream ]] && body=$stream
    for conns in 1 50 500; do
        for target in direct nginx1 obleth; do
            # shellcheck disable=SC2046
            run "$target/$mode/$conns" "$(target_url $target)" "$body" "$conns" $(target_pids $target) | tee -a "$results"
        done
    done
done

# 3. Paced streams: 64 events 20 ms apart (50 events/s a client), timed between events at the client.
for clients in 500 1000; do
    for target in direct nginx1 obleth; do
        url=$(target_url $target)
        "$work/sse_load" --port "${url##*:}" --key "$key" --conns "$clients" --seconds "$seconds" \
            --ramp-ms 1000 --warmup-ms 1500 --header "x-mock-delay-ms: 20" --body "$stream" \
            --cpu-pids "$(target_pids $target)" --label "$target/paced/$clients" | tee -a "$results"
    done
done
peak_rss=$(peak_rss_kib $obleth_pid)
[[ -n ${BENCH_KEEP_RESULTS:-} ]] && cp "$results" "$BENCH_KEEP_RESULTS/"

# The tables.
get() { # label field -> value ("" if absent)
    grep "^RESULT $1 " "$results" | head -1 | grep -oE " $2=[-0-9.]+" | cut -d= -f2 || true
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "—"; else printf "%.2f×", a / b }'; }
diff_us() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a < 0 || b < 0) print "—"; else printf "%+d", a - b }'; }
num() { awk -v a="$1" 'BEGIN { if (a == "") print "—"; else if (a >= 100) printf "%.0f", a; else printf "%.1f", a }'; }
verdict() { # value op limit -> "ok" or "MISSED"
    awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { v = a + 0; if (a == "" || a == "—") { print "—"; exit }
        ok = (op == ">=") ? v >= b : v <= b; print ok ? "ok" : "MISSED" }'
}
strip() { tr -d '×+' <<<"$1"; }

echo
echo "obleth against nginx (1 worker) and the direct call, ${seconds} s per point, $(nproc) cores, upstream bench/mock_openai.c"
echo
echo "Plain answers (one JSON, ~600 bytes) and fast streams (64 SSE events + [DONE] sent together), wrk:"
echo
echo "| load | conns | direct rps | nginx1 rps | obleth rps | obleth / nginx | nginx CPU µs/req | obleth CPU µs/req | CPU obleth / nginx |"
echo "|---|---|---|---|---|---|---|---|---|"
for mode in plain stream; do
    for conns in 1 50 500; do
        d=$(get "direct/$mode/$conns" rps); n=$(get "nginx1/$mode/$conns" rps); o=$(get "obleth/$mode/$conns" rps)
        nc=$(get "nginx1/$mode/$conns" cpu_us_per_req); oc=$(get "obleth/$mode/$conns" cpu_us_per_req)
        echo "| $mode | $conns | $(num "$d") | $(num "$n") | $(num "$o") | **$(ratio "$o" "$n")** | $nc | $oc | $(ratio "$oc" "$nc") |"
    done
done
echo
echo "One connection: median latency added to the direct call's (wrk p50):"
echo
echo "| load | direct p50 µs | nginx adds µs | obleth adds µs | obleth − nginx µs |"
echo "|---|---|---|---|---|"
for mode in plain stream; do
    d=$(get "direct/$mode/1" p50_us); n=$(get "nginx1/$mode/1" p50_us); o=$(get "obleth/$mode/1" p50_us)
    echo "| $mode | $d | $(diff_us "$n" "$d") | $(diff_us "$o" "$d") | **$(diff_us "$o" "$n")** |"
done
echo
echo "Paced streams (64 events 20 ms apart, 50 events/s a client; gaps between consecutive events at the client):"
echo
echo "| clients | | events/s | streams/s | CPU % | CPU µs/event | gap p50 µs | gap p99 µs | p50 added | p99 added |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for clients in 500 1000; do
    dg50=$(get "direct/paced/$clients" gap_p50_us); dg99=$(get "direct/paced/$clients" gap_p99_us)
    for target in direct nginx1 obleth; do
        l="$target/paced/$clients"
        g50=$(get "$l" gap_p50_us); g99=$(get "$l" gap_p99_us)
        added50="—"; added99="—"
        [[ $target != direct ]] && { added50=$(diff_us "$g50" "$dg50"); added99=$(diff_us "$g99" "$dg99"); }
        echo "| $clients | $target | $(num "$(get "$l" events_per_s)") | $(num "$(get "$l" streams_per_s)") | $(get "$l" cpu_pct) |" \
            "$(get "$l" cpu_us_per_event) | $g50 | $g99 | $added50 | $added99 |"
    done
    n=$(get "nginx1/paced/$clients" events_per_s); o=$(get "obleth/paced/$clients" events_per_s)
    nc=$(get "nginx1/paced/$clients" cpu_us_per_event); oc=$(get "obleth/paced/$clients" cpu_us_per_event)
    echo "| $clients | **obleth / nginx** | **$(ratio "$o" "$n")** | | | **$(ratio "$oc" "$nc")** | | | | |"
done
echo
hold_open=$(get hold rss_open); hold_rss=$(get hold rss_kib)
per_stream=$(awk -v b="$hold_rss" -v i="$idle_rss" -v n="$hold_open" 'BEGIN { if (n > 0) printf "%.1f", (b - i) / n; else print "—" }')
echo "Streams held open at once through obleth (one event every $hold_delay_ms ms each):"
[[ -n $hold_note ]] && echo "  NOTE: $hold_note"
echo "  $hold_open of $hold open at the sample; RSS $idle_rss KiB idle (after start and one request of each kind)" \
    "-> $hold_rss KiB: $per_stream KiB per open stream; $(get hold errors) errors"
echo "  obleth's peak RSS over the whole run: $peak_rss KiB"
echo
echo "Against the goals (issue: the relay at nginx's cost):"
for mode in plain stream; do
    for conns in 50 500; do
        r=$(strip "$(ratio "$(get "obleth/$mode/$conns" rps)" "$(get "nginx1/$mode/$conns" rps)")")
        echo "  $mode at $conns connections: $r× nginx (goal ≥ 0.8×): $(verdict "$r" ">=" 0.8)"
    done
    d=$(get "obleth/$mode/1" p50_us); n=$(get "nginx1/$mode/1" p50_us)
    a=$(strip "$(diff_us "$d" "$n")")
    echo "  $mode, one connection: obleth adds $a µs more than nginx (goal ≤ 20): $(verdict "$a" "<=" 20)"
done
for clients in 500 1000; do
    r=$(strip "$(ratio "$(get "obleth/paced/$clients" cpu_us_per_event)" "$(get "nginx1/paced/$clients" cpu_us_per_event)")")
    p=$(strip "$(diff_us "$(get "obleth/paced/$clients" gap_p99_us)" "$(get "nginx1/paced/$clients" gap_p99_us)")")
    echo "  paced, $clients clients: CPU per event $r× nginx's (goal ≤ 1.2×): $(verdict "$r" "<=" 1.2);" \
        "gap p99 $p µs against nginx's (goal ≤ 0): $(verdict "$p" "<=" 0)"
done
echo "  held streams: $per_stream KiB each (goal ≤ 20): $(verdict "$per_stream" "<=" 20);" \
    "idle RSS $(( idle_rss / 1024 )) MiB (goal ≤ 30): $(verdict "$(( idle_rss / 1024 ))" "<=" 30)"
for label in $(grep -oE '^RESULT [^ ]+' "$results" | cut -d' ' -f2); do
    e=$(get "$label" errors); s=$(get "$label" non200)
    (( ${e:-0} + ${s:-0} > 0 )) && echo "  WARNING: $label had ${e:-0} errors and ${s:-0} non-200 answers"
done
true
