#!/usr/bin/env bash
# Builds the libFuzzer targets (preset fuzz: clang, the core library under ASan and UBSan, nothing else) and runs
# each for a bounded time, starting from its seed corpus and regression inputs in tests/fuzz. Fails when a target
# crashes, leaks, hangs or breaks an invariant; the input that did it is kept in build/fuzz/work/<target>/artifacts
# (copy it into tests/fuzz/regressions/<target>/ once it is understood, so every test run replays it).
#
# OBLETH_FUZZ_SECONDS   seconds per target [60]
# OBLETH_FUZZ_TARGETS   which targets, space-separated [all of them]
# OBLETH_FUZZ_JOBS      how many targets run at once [nproc]
# Arguments after the script's name are passed to every libFuzzer run (e.g. -seed=1).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${OBLETH_FUZZ_SECONDS:-60}
parallel=${OBLETH_FUZZ_JOBS:-$(nproc)}
read -r -a targets <<<"${OBLETH_FUZZ_TARGETS:-request_parser response_parser request_body usage_meter entity_json messages resp_parser}"

started=$SECONDS
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}"
echo "fuzz: built in $((SECONDS - started)) s" >&2

# Leaks are failures too; a failed invariant aborts.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

work=build/fuzz/work
run_one() {
    local t=$1
    shift
    local dir=$work/$t
    mkdir -p "$dir/corpus" "$dir/artifacts"
    local dict=()
    [[ -f tests/fuzz/dict/$t.dict ]] && dict=(-dict="tests/fuzz/dict/$t.dict")
    # New inputs go to the work folder; the corpus in the repository is only read.
    local inputs=("$dir/corpus" "tests/fuzz/corpus/$t")
    [[ -d tests/fuzz/regressions/$t ]] && inputs+=("tests/fuzz/regressions/$t")
    rm -f "$dir/status"
    local rc=0
    build/fuzz/tests/fuzz/fuzz_"$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "${dict[@]}" "$@" "${inputs[@]}" \
        >"$dir/log" 2>&1 || rc=$?
    echo "$rc" >"$dir/status"
}

for t in "${targets[@]}"; do
    while (($(jobs -rp | wc -l) >= parallel)); do
        wait -n || true
    done
    run_one "$t" "$@" &
done
wait

failed=()
for t in "${targets[@]}"; do
    if [[ "$(cat "$work/$t/status" 2>/dev/null)" == 0 ]]; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t/log" | grep -o '[0-9]*$' || true)
        echo "fuzz: $t: ok (${runs:-?} inputs in $seconds s)" >&2
    else
        failed+=("$t")
        echo "fuzz: $t: FAILED; log: $work/$t/log" >&2
        tail -n 40 "$work/$t/log" >&2
        ls -1 "$work/$t/artifacts" >&2 || true
    fi
done
echo "fuzz: done in $((SECONDS - started)) s" >&2
((${#failed[@]} == 0)) || { echo "fuzz: failed: ${failed[*]}" >&2; exit 1; }
