# What bench/run.sh and bench/profile.sh share: ports, waiting, and starting the upstream (bench/mock_openai.c) and
# obleth with its defaults, a model "bench" on that upstream and capacity raised so that admission never queues.
# Sourced, not run. The caller sets `name` (for messages), `work` (a temporary folder) and `pids` (an array the
# caller's cleanup kills), and `obleth` (the binary).

free_port() { # a port nobody listens on, below the ephemeral range
    local port
    for _ in $(seq 1 50); do
        port=$(( 20000 + RANDOM % 12000 ))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
    echo "$name: no free port found" >&2; exit 1
}
wait_line() { # file regex
    for _ in $(seq 1 200); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    echo "$name: timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}
wait_port() { # port
    for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
    echo "$name: nothing listens on port $1" >&2; exit 1
}

# Builds the two C programs into $work: mock_openai (the upstream) and sse_load (the paced-stream client).
build_c_tools() {
    cc -O2 -pthread -o "$work/mock_openai" bench/mock_openai.c
    cc -O2 -o "$work/sse_load" bench/sse_load.c
}

# start_upstream [THREADS] -> sets upstream_port, upstream (its URL) and mock_pid.
start_upstream() {
    upstream_port=$(free_port)
    "$work/mock_openai" "$upstream_port" "${1:-1}" >"$work/mock.out" 2>&1 &
    mock_pid=$!
    pids+=($mock_pid)
    wait_port "$upstream_port"
    upstream="http://127.0.0.1:$upstream_port"
}

# start_obleth -> sets obleth_pid, key (the first tenant key), data_url, admin_url and the admin() helper; registers
# the model "bench" on $upstream and raises the capacity.
start_obleth() {
    admin_token=bench-admin-token-0123456789
    mkdir "$work/data"
    OBLETH_ADMIN_TOKEN=$admin_token "$obleth" --server --port 0 --admin-port 0 --data-dir "$work/data" \
        >"$work/obleth.out" 2>"$work/obleth.err" &
    obleth_pid=$!
    pids+=($obleth_pid)
    wait_line "$work/obleth.out" "obleth listening"
    key=$(grep -oE 'sk_[0-9a-f]{48}' "$work/obleth.out")
    data_url=$(grep -oE 'data=http://[0-9.:]+' "$work/obleth.out" | cut -d= -f2)
    admin_url=$(grep -oE 'admin=http://[0-9.:]+' "$work/obleth.out" | cut -d= -f2)
    admin /api/v1/models -d "{\"model_name\":\"bench\",\"upstream_model\":\"mock-model\",\"api_base\":\"$upstream/v1\"}" >/dev/null
    admin /api/v1/capacity -X PUT -d '{"max_in_flight":1000000}' >/dev/null
}
admin() { curl -sf "$admin_url$1" -H "Authorization: Bearer $admin_token" -H "Content-Type: application/json" "${@:2}"; }

plain='{"model":"bench","messages":[{"role":"user","content":"Hello there, how are you?"}],"max_tokens":16}'
stream='{"model":"bench","messages":[{"role":"user","content":"Hello there, how are you?"}],"max_tokens":64,"stream":true}'
# The same questions in Anthropic's Messages API (which needs max_tokens and has no stream_options).
messages_plain='{"model":"bench","max_tokens":16,"messages":[{"role":"user","content":"Hello there, how are you?"}]}'
messages_stream='{"model":"bench","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Hello there, how are you?"}]}'
