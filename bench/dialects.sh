#!/usr/bin/env bash
# What the other dialects cost next to Chat Completions, in one run on one machine, in front of the same upstream
# (bench/mock_openai.c, which speaks Chat Completions and sends each SSE event as its own HTTP chunk): the same
# request through obleth as /v1/chat/completions (relayed byte for byte), and as /v1/messages (translated to Chat
# Completions and the answer translated back, event by event); nginx (one worker) relaying the chat request is
# the reference. Prints CPU per request or per stream and ratios; docs/performance.md says how to read them.
#
#   bench/dialects.sh                    # BENCH_SECONDS=8 per point, about a minute and a half
#   BENCH_SECONDS=3 bench/dialects.sh    # quicker
#
# Points: plain answers and fast streams (64 events sent together) with wrk at 50 connections; paced streams (64
# events 20 ms apart) with bench/sse_load.c at 500 clients.
# Needs: a release build, a C compiler, wrk, nginx and curl (as bench/run.sh).
# Knobs: BENCH_SECONDS, OBLETH_BINARY (build/release/app/obleth).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-8}
obleth=${OBLETH_BINARY:-build/release/app/obleth}
[[ -x $obleth ]] || { echo "dialects: build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
for tool in cc wrk nginx curl; do
    command -v $tool >/dev/null || { echo "dialects: $tool is missing (apt-get install gcc wrk nginx curl)" >&2; exit 1; }
done
ulimit -n "$(ulimit -Hn)"
nofile=$(ulimit -n)

work=$(mktemp -d -t obleth-dialects-XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

name=dialects
source bench/common.sh
cpu_ticks() { # pid... -> utime+stime of all
    local total=0 pid
    for pid in "$@"; do total=$((total + $(sed -E 's/.*\) //' "/proc/$pid/stat" | awk '{print $12 + $13}'))); done
    echo $total
}
hz=$(getconf CLK_TCK)

build_c_tools
start_upstream 1
start_obleth

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

results="$work/results"
: >"$results"

# Every path answers before anything is measured.
for path_body in "/v1/chat/completions|$plain" "/v1/messages|$messages_plain"; do
    curl -sf -o /dev/null "$data_url${path_body%%|*}" -H "Authorization: Bearer $key" \
        -H "Content-Type: application/json" -d "${path_body#*|}"
done

# run LABEL URL BODY PIDS... ; one RESULT line with cpu_us_per_req
run() {
    local label=$1 url=$2 body=$3
    shift 3
    local before after line requests
    before=$(cpu_ticks "$@")
    line=$(BENCH_KEY=$key BENCH_BODY=$body BENCH_LABEL=$label \
        wrk -t2 -c50 -d"${seconds}s" --timeout 10s -s bench/request.lua "$url" | grep '^RESULT')
    after=$(cpu_ticks "$@")
    requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
    echo "$line cpu_us_per_req=$(( (after - before) * 1000000 / hz / (requests > 0 ? requests : 1) ))"
}
# shellcheck disable=SC2086
{
    run nginx/chat/plain "$nginx_url/v1/chat/completions" "$plain" $nginx_pids
    run obleth/chat/plain "$data_url/v1/chat/completions" "$plain" "$obleth_pid"
    run obleth/messages/plain "$data_url/v1/messages" "$messages_plain" "$obleth_pid"
    run nginx/chat/stream "$nginx_url/v1/chat/completions" "$stream" $nginx_pids
    run obleth/chat/stream "$data_url/v1/chat/completions" "$stream" "$obleth_pid"
    run obleth/messages/stream "$data_url/v1/messages" "$messages_stream" "$obleth_pid"
} | tee -a "$results"

# Paced streams, 500 clients: CPU per stream (a Messages stream has more events than its chat stream).
paced() { # label port path body pids
    "$work/sse_load" --port "$2" --key "$key" --conns 500 --seconds "$seconds" --ramp-ms 1000 --warmup-ms 1500 \
        --header "x-mock-delay-ms: 20" --path "$3" --body "$4" --cpu-pids "$5" --label "$1" | tee -a "$results"
}
paced nginx/chat/paced "$nginx_port" /v1/chat/completions "$stream" "$nginx_pids"
paced obleth/chat/paced "${data_url##*:}" /v1/chat/completions "$stream" "$obleth_pid"
paced obleth/messages/paced "${data_url##*:}" /v1/messages "$messages_stream" "$obleth_pid"

get() { grep "^RESULT $1 " "$results" | head -1 | grep -oE " $2=[-0-9.]+" | cut -d= -f2 || true; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "—"; else printf "%.2f×", a / b }'; }
per_stream() { # label -> CPU µs per stream
    awk -v c="$(get "$1" cpu_pct)" -v s="$(get "$1" streams_per_s)" \
        'BEGIN { if (c == "" || s == "" || s + 0 == 0) print ""; else printf "%.0f", c / 100 * 1e6 / s }'
}

echo
echo "Dialects through obleth next to nginx (1 worker) relaying chat, ${seconds} s per point, $(nproc) cores, upstream bench/mock_openai.c"
echo
echo "| load | nginx chat rps | obleth chat rps | obleth messages rps | nginx CPU µs/req | chat CPU µs/req | messages CPU µs/req | messages / chat CPU | messages / nginx CPU |"
echo "|---|---|---|---|---|---|---|---|---|"
for mode in plain stream; do
    n=$(get "nginx/chat/$mode" rps); c=$(get "obleth/chat/$mode" rps); m=$(get "obleth/messages/$mode" rps)
    nc=$(get "nginx/chat/$mode" cpu_us_per_req); cc_=$(get "obleth/chat/$mode" cpu_us_per_req)
    mc=$(get "obleth/messages/$mode" cpu_us_per_req)
    echo "| $mode, 50 conns | $n | $c | $m | $nc | $cc_ | $mc | $(ratio "$mc" "$cc_") | $(ratio "$mc" "$nc") |"
done
n=$(per_stream nginx/chat/paced); c=$(per_stream obleth/chat/paced); m=$(per_stream obleth/messages/paced)
echo "| paced, 500 clients (CPU µs/stream) | $(get nginx/chat/paced streams_per_s) streams/s | $(get obleth/chat/paced streams_per_s) | $(get obleth/messages/paced streams_per_s) | $n | $c | $m | $(ratio "$m" "$c") | $(ratio "$m" "$n") |"
echo
echo "Points with errors or answers other than 200: $(grep -E 'errors=[1-9]|non200=[1-9]' "$results" | cut -d' ' -f2 | paste -sd' ' || true)"
