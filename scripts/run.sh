#!/usr/bin/env bash
# Installs what is missing, builds obleth (release), and runs the headless gateway on a fresh
# data directory with the built-in mock-model, printing a curl you can paste into another terminal.
# Extra arguments go to obleth (e.g. --port 0, --upstream http://127.0.0.1:11434).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release

data_dir=${OBLETH_DATA_DIR:-$(mktemp -d -t obleth-demo-XXXXXX)}
echo "obleth: data in $data_dir" >&2

key=""
build/release/app/obleth --server --data-dir "$data_dir" "$@" | while IFS= read -r line; do
    echo "$line"
    case "$line" in
    "first api key: "*) key=${line#first api key: } ;;
    "obleth listening data="*)
        url=${line#obleth listening data=}
        url=${url%% *}
        cat <<CURL

Try it (Ctrl+C stops the gateway):

curl -s $url/v1/chat/completions \\
  -H "Authorization: Bearer ${key:-YOUR_KEY}" -H "Content-Type: application/json" \\
  -d '{"model":"mock-model","messages":[{"role":"user","content":"Hello!"}]}'

CURL
        ;;
    esac
done
