#!/usr/bin/env bash
# HTTP benchmark of the release binary on loopback: /healthz and an authenticated page (the
# people list), on SQLite and on PostgreSQL; idle and loaded RSS; binary size; cold start.
#
#   bash bench/http.sh                       # both databases (PostgreSQL at 127.0.0.1:5432)
#   BENCH_DB=sqlite bash bench/http.sh       # SQLite only
#   DURATION=20 CONNECTIONS=32 bash bench/http.sh
#
# Needs wrk (apt-get install wrk) and curl. Prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-1}"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
BENCH_DB="${BENCH_DB:-sqlite postgres}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --profile production -p salesdesk >&2   # the optimised build (Cargo.toml)
BIN="$CARGO_TARGET_DIR/production/salesdesk"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
now_ms() { date +%s%3N; }

# wrk output → "req/s p50 p99"
run_wrk() {
  local out
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@")"
  echo "$out" >&2
  local rps p50 p99
  rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  p50="$(echo "$out" | awk '$1=="50%" {print $2}')"
  p99="$(echo "$out" | awk '$1=="99%" {print $2}')"
  echo "$rps $p50 $p99"
}

start_server() { # url → pid, waits for readyz; prints "pid cold_ms"
  local url="$1" p="$2" t0 pid
  t0="$(now_ms)"
  "$BIN" --database-url "$url" serve --demo --addr "127.0.0.1:$p" >"$WORK/serve-$p.log" 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$p/readyz" >/dev/null 2>&1; do sleep 0.005; done
  echo "$pid $(( $(now_ms) - t0 ))"
}

echo "| database | measure | value |"
echo "|---|---|---|"
echo "| — | release binary size | $(du -h "$BIN" | cut -f1) ($(stat -c %s "$BIN") bytes) |"

for db in $BENCH_DB; do
  case "$db" in
    sqlite) url="sqlite://$WORK/bench.db" ;;
    postgres)
      psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS salesdesk_bench WITH (FORCE)" >/dev/null
      psql "$PG_ADMIN" -qc "CREATE DATABASE salesdesk_bench ENCODING 'UTF8' TEMPLATE template0" >/dev/null
      url="${PG_ADMIN%/*}/salesdesk_bench" ;;
  esac
  p="$(port)"
  read -r pid first_ms < <(start_server "$url" "$p")
  kill -TERM "$pid"; wait "$pid" || true
  # Cold start of an existing database: process start → first /readyz 200.
  read -r pid cold_ms < <(start_server "$url" "$p")
  base="http://127.0.0.1:$p"
  sleep 0.5
  idle="$(rss_kb "$pid")"
  token="$(curl -fs -X POST "$base/api/v1/sessions" -H 'content-type: application/json' \
    -d '{"login":"vp","password":"salesdesk-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
  curl -fs -o /dev/null -H "Cookie: sd_session=$token" "$base/people" || { echo "people page failed" >&2; exit 1; }
  read -r h_rps h_p50 h_p99 < <(run_wrk "$base/healthz")
  read -r p_rps p_p50 p_p99 < <(run_wrk -H "Cookie: sd_session=$token" "$base/people")
  loaded="$(hwm_kb "$pid")"
  kill -TERM "$pid"; wait "$pid" || true
  ratio="$(python3 -c "print(f'{$p_rps/$h_rps*100:.0f}%')")"
  echo "| $db | first start (migrate + demo load) to /readyz | ${first_ms} ms |"
  echo "| $db | cold start of an existing database to /readyz | ${cold_ms} ms |"
  echo "| $db | GET /healthz | ${h_rps} req/s, p50 ${h_p50}, p99 ${h_p99} |"
  echo "| $db | GET /people (signed in, 41 people, 50 a page) | ${p_rps} req/s, p50 ${p_p50}, p99 ${p_p99} ($ratio of /healthz) |"
  echo "| $db | RSS idle / peak under load | $((idle / 1024)) MiB / $((loaded / 1024)) MiB |"
  if [ "$db" = postgres ]; then
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS salesdesk_bench WITH (FORCE)" >/dev/null
  fi
done
