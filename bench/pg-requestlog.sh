#!/usr/bin/env bash
# The request log at 1,000,000 rows on PostgreSQL and on SQLite, one after the other on this machine:
# bench/requestlog_bench (batches of RequestLog::kMaxBatch through RequestLogStore::write, then the Management API's
# queries, median of 21) against a throwaway PostgreSQL cluster (initdb into a temporary folder, pg_ctl on a free
# loopback port, the server's default settings) and against a SQLite file in a temporary folder.
#
#   cmake --preset release && cmake --build --preset release --target requestlog_bench
#   bench/pg-requestlog.sh                 # 1,000,000 rows; BENCH_ROWS=100000 for a quick look
#
# Needs PostgreSQL's server (Debian: postgresql) and Qt's driver for it (libqt6sql6-psql). As root, the server runs
# as the postgres user (initdb refuses root).
set -euo pipefail
name=pg-requestlog
cd "$(dirname "$0")/.."
rows=${BENCH_ROWS:-1000000}
bench=${BENCH_BINARY:-build/release/bench/requestlog_bench}
[ -x "$bench" ] || { echo "$name: build $bench first (cmake --build --preset release --target requestlog_bench)" >&2; exit 1; }

bin=$(dirname "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")
[ -x "$bin/initdb" ] || { echo "$name: PostgreSQL's initdb not found (apt-get install postgresql)" >&2; exit 1; }

work=$(mktemp -d /tmp/obleth-pgbench-XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then
    chown postgres "$work"
    as_pg=(runuser -u postgres --)
fi
cleanup() {
    "${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

port=$(( 20000 + RANDOM % 12000 ))
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$(( 20000 + RANDOM % 12000 )); done
password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$password" > "$work/pw"
[ ${#as_pg[@]} -eq 0 ] || chown postgres "$work/pw"
"${as_pg[@]}" "$bin/initdb" -D "$work/data" -U obleth --pwfile="$work/pw" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C >"$work/initdb.log" 2>&1 \
    || { cat "$work/initdb.log" >&2; exit 1; }
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $work" start >/dev/null
psql=$bin/psql
[ -x "$psql" ] || psql=psql
"${as_pg[@]}" "$psql" -h "$work" -p "$port" -U obleth -d postgres -qc "CREATE DATABASE obleth"

echo "== machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; $(. /etc/os-release; echo "$PRETTY_NAME");" \
     "$("$bin/postgres" --version)"
echo "== PostgreSQL ($rows rows)"
"$bench" "$rows" --database "postgresql://obleth:$password@127.0.0.1:$port/obleth"
echo "   size: $("${as_pg[@]}" "$psql" -h "$work" -p "$port" -U obleth -d obleth -tAc \
    "SELECT pg_size_pretty(pg_database_size('obleth'))")"
echo "== SQLite ($rows rows)"
"$bench" "$rows"
