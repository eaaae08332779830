#!/usr/bin/env bash
# Measures obleth against nginx (a plain reverse proxy) and against calling the upstream directly, in one
# run on one machine: the built-in mock upstream behind both, wrk as the load generator.
#
#   bench/run.sh                 # full run (about 6 minutes)
#   BENCH_SECONDS=3 bench/run.sh # quicker
#
# Needs: a release build (cmake --preset release && cmake --build --preset release), wrk, nginx.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-8}
obleth=${OBLETH_BINARY:-build/release/app/obleth}
[[ -x $obleth ]] || { echo "bench: build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
for tool in wrk nginx curl; do
    command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install wrk nginx curl)" >&2; exit 1; }
done
ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d -t obleth-bench-XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || shuf -i 20000-60000 -n 1; }
wait_line() { # file regex
    for _ in $(seq 1 200); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    echo "bench: timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}
cpu_ticks() { # pid... -> utime+stime of all
    local total=0
    for pid in "$@"; do total=$((total + $(awk '{print $14 + $15}' /proc/$pid/stat))); done
    echo $total
}
peak_rss_kib() { awk '/VmHWM/ {print $2}' /proc/$1/status; }
rss_kib() { awk '/VmRSS/ {print $2}' /proc/$1/status; }
hz=$(getconf CLK_TCK)

# The upstream: obleth's own mock, fast enough never to be the bottleneck.
"$obleth" --mock-upstream --port 0 >"$work/mock.out" 2>&1 &
pids+=($!)
wait_line "$work/mock.out" "listening http"
upstream=$(grep -oE 'http://[0-9.:]+' "$work/mock.out")
upstream_port=${upstream##*:}

# obleth, with a model pointing at the mock.
mkdir "$work/data"
OBLETH_ADMIN_TOKEN=bench-admin-token-0123456789 "$obleth" --server --port 0 --admin-port 0 --data-dir "$work/data" \
    >"$work/obleth.out" 2>"$work/obleth.err" &
obleth_pid=$!
pids+=($obleth_pid)
wait_line "$work/obleth.out" "obleth listening"
key=$(grep -oE 'sk_[0-9a-f]{48}' "$work/obleth.out")
data_url=$(grep -oE 'data=http://[0-9.:]+' "$work/obleth.out" | cut -d= -f2)
admin_url=$(grep -oE 'admin=http://[0-9.:]+' "$work/obleth.out" | cut -d= -f2)
curl -sf "$admin_url/api/v1/models" -H "Authorization: Bearer bench-admin-token-0123456789" \
    -H "Content-Type: application/json" \
    -d "{\"model_name\":\"bench\",\"upstream_model\":\"mock-model\",\"api_base\":\"$upstream/v1\"}" >/dev/null
curl -sf "$admin_url/api/v1/capacity" -X PUT -H "Authorization: Bearer bench-admin-token-0123456789" \
    -d '{"max_in_flight":100000}' >/dev/null

# nginx, one worker (obleth serves from one gateway thread) and one per core.
start_nginx() { # workers -> sets nginx_url nginx_pids
    local dir="$work/nginx-$1" port
    port=$(free_port)
    mkdir -p "$dir"
    sed -e "s|@WORKERS@|$1|; s|@DIR@|$dir|g; s|@UPSTREAM_PORT@|$upstream_port|; s|@PORT@|$port|" bench/nginx.conf.in >"$dir/nginx.conf"
    nginx -c "$dir/nginx.conf" -p "$dir" &
    pids+=($!)
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/stats" && break; sleep 0.05; done
    nginx_url="http://127.0.0.1:$port"
    nginx_pids=$(pgrep -f "nginx: worker process" | tr '\n' ' ')
}

plain='{"model":"bench","messages":[{"role":"user","content":"Hello there, how are you?"}],"max_tokens":16}'
stream='{"model":"bench","messages":[{"role":"user","content":"Hello there, how are you?"}],"max_tokens":64,"stream":true}'

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

results="$work/results.txt"
: >"$results"
for mode in plain stream; do
    body=$plain
    [[ $mode == stream ]] && body=$stream
    for conns in 1 50 500; do
        run "direct/$mode/$conns" "$upstream" "$body" "$conns" "${pids[0]}" | tee -a "$results"
        for workers in 1 2; do
            start_nginx $workers
            # shellcheck disable=SC2086
            run "nginx$workers/$mode/$conns" "$nginx_url" "$body" "$conns" $nginx_pids | tee -a "$results"
            kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'
        done
        run "obleth/$mode/$conns" "$data_url" "$body" "$conns" "$obleth_pid" | tee -a "$results"
    done
done
echo "obleth peak RSS under load: $(peak_rss_kib $obleth_pid) KiB" | tee -a "$results"

# 2,000 concurrent slow streams: what does each cost in memory?
idle=$(rss_kib $obleth_pid)
BENCH_KEY=$key BENCH_BODY='{"model":"bench","max_tokens":20,"stream":true}' BENCH_LABEL=slow \
    BENCH_HEADERS="x-mock-chunk-delay-ms: 1000" \
    wrk -t2 -c2000 -d12s --timeout 30s -s bench/request.lua "$data_url/v1/chat/completions" >"$work/slow.txt" &
wrk_pid=$!
sleep 8 # mid-run: every connection holds a stream
streams=$(curl -s "$admin_url/api/v1/fairshare/live" -H "Authorization: Bearer bench-admin-token-0123456789" \
    | grep -oE '"in_flight":[0-9]+' | head -1 | cut -d: -f2)
busy=$(rss_kib $obleth_pid)
wait $wrk_pid || true
echo "slow streams: $streams open, RSS $idle KiB idle -> $busy KiB, $(( (busy - idle) * 1024 / (streams > 0 ? streams : 1) )) bytes per stream" | tee -a "$results"

# Ratios to nginx.
echo
echo "mode    conns  direct rps  nginx1 rps  nginx2 rps  obleth rps  obleth/nginx1  obleth/nginx2  p50 added (us, vs direct)  obleth cpu/req (us)  nginx1 cpu/req"
for mode in plain stream; do
    for conns in 1 50 500; do
        get() { grep "RESULT $1/$mode/$conns " "$results" | sed -E "s/.*$2=([0-9.]+).*/\1/"; }
        d=$(get direct rps); n1=$(get nginx1 rps); n2=$(get nginx2 rps); o=$(get obleth rps)
        dp=$(get direct p50_us); op=$(get obleth p50_us)
        printf "%-7s %5s  %10s  %10s  %10s  %10s  %13s  %13s  %25s  %19s  %14s\n" "$mode" "$conns" "$d" "$n1" "$n2" "$o" \
            "$(awk -v a="$o" -v b="$n1" 'BEGIN{printf "%.2f", a/b}')" "$(awk -v a="$o" -v b="$n2" 'BEGIN{printf "%.2f", a/b}')" \
            "$((op - dp))" "$(get obleth cpu_us_per_req)" "$(get nginx1 cpu_us_per_req)"
    done
done
