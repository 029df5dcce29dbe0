#!/usr/bin/env bash
# Soak: mixed load from several roles (bench/soak.py: lists, searches, customer pages, people
# page, follow-ups; creating customers, contacts, records, edits) for a bounded time, on loopback,
# against one server on SQLite and against two servers on one PostgreSQL database.
# Fails on any error response, an upward RSS trend (last third vs first third of the samples),
# or a SQLite busy error in the server logs. Prints one Markdown row per engine for BENCHMARKS.md.
#
#   bash bench/soak.sh                         # 30 minutes per engine, release binary if built
#   SOAK_SECONDS=60 bash bench/soak.sh         # the short mode .ci/run uses
#   SOAK_ENGINES=sqlite BIN=target/debug/salesdesk bash bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SOAK_SECONDS="${SOAK_SECONDS:-1800}"
SOAK_ENGINES="${SOAK_ENGINES:-sqlite postgres}"
WORKERS="${WORKERS:-8}"
THINK_MS="${THINK_MS:-5}"
# The latency target (p99 ≤ 100 ms, the hardening issue's bound for logins and writes) is checked
# for a release binary; a debug binary's latencies say nothing about it, so it is not checked.
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_DB="${SOAK_PG_DB:-salesdesk_soak}"   # another name lets two soaks share one PostgreSQL
export PGOPTIONS="--client-min-messages=warning"
TARGET="${CARGO_TARGET_DIR:-target}"
if [ -z "${BIN:-}" ]; then
  if [ -x "$TARGET/production/salesdesk" ]; then BIN="$TARGET/production/salesdesk"
  elif [ -x "$TARGET/release/salesdesk" ]; then BIN="$TARGET/release/salesdesk"
  else BIN="$TARGET/debug/salesdesk"; fi
fi
[ -x "$BIN" ] || { echo "no salesdesk binary at $BIN: cargo build -p salesdesk" >&2; exit 1; }
WORK="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start() { # url port [--demo] → pid (waits for /readyz)
  local url="$1" p="$2"; shift 2
  "$BIN" --database-url "$url" serve --addr "127.0.0.1:$p" "$@" >"$WORK/serve-$p.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$p/readyz" >/dev/null 2>&1 && { echo "$pid"; return; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the server on port $p did not start:" >&2; cat "$WORK/serve-$p.log" >&2; exit 1
}

kind="$(case "$BIN" in *release*) echo release;; *) echo debug;; esac)"
if [ "$kind" = release ]; then P99_MS="${SOAK_P99_MS:-100}"; else P99_MS="${SOAK_P99_MS:-0}"; fi
echo "| engine | servers | binary | seconds | requests | req/s | errors | p50 ms | p99 ms | RSS first → last third (max), MB | busy errors |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
status=0
for engine in $SOAK_ENGINES; do
  pids=()
  bases=()
  case "$engine" in
    sqlite)
      p="$(port)"; pids+=("$(start "sqlite://$WORK/soak.db" "$p" --demo)"); bases+=("http://127.0.0.1:$p") ;;
    postgres)
      psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
      psql "$PG_ADMIN" -qc "CREATE DATABASE $PG_DB ENCODING 'UTF8' TEMPLATE template0" >/dev/null
      url="${PG_ADMIN%/*}/$PG_DB"
      p="$(port)"; pids+=("$(start "$url" "$p" --demo)"); bases+=("http://127.0.0.1:$p")
      p="$(port)"; pids+=("$(start "$url" "$p")"); bases+=("http://127.0.0.1:$p") ;;
    *) echo "unknown engine $engine" >&2; exit 1 ;;
  esac
  set +e
  python3 bench/soak.py --duration "$SOAK_SECONDS" --workers "$WORKERS" --think-ms "$THINK_MS" --p99-ms "$P99_MS" \
    --pids "$(IFS=,; echo "${pids[*]}")" "${bases[@]}" >"$WORK/result.json" 2>"$WORK/soak.err"
  rc=$?
  set -e
  cat "$WORK/soak.err" >&2
  busy="$(cat "$WORK"/serve-*.log | grep -ciE 'database is locked|SQLITE_BUSY|\(code: 5\)' || true)"
  tail -n1 "$WORK/result.json" >&2
  python3 - "$WORK/result.json" "$engine" "$kind" "$busy" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
rss = r["rss"].values()
mb = lambda k: "+".join(f"{v[k]/1024:.0f}" for v in rss)
print(f"| {sys.argv[2]} | {r['servers']} | {sys.argv[3]} | {r['seconds']:.0f} | {r['requests']} | {r['rps']} | "
      f"{r['errors']} | {r['p50_ms']} | {r['p99_ms']} | {mb('first_third_kb')} → {mb('last_third_kb')} ({mb('max_kb')}) | {sys.argv[4]} |")
PY
  if [ "$rc" -ne 0 ] || [ "$busy" -ne 0 ]; then
    echo "soak failed on $engine (checks: $(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["failed"])' "$WORK/result.json"), busy errors: $busy)" >&2
    status=1
  fi
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
  [ "$engine" = postgres ] && psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
done
exit "$status"
