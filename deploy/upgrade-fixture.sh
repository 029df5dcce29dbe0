#!/usr/bin/env bash
# Release step: writes the upgrade fixtures of the version being released, so that every later
# version's tests start from a database this version made (crates/cli/tests/upgrade.rs migrates
# each fixture to the newest schema on SQLite and PostgreSQL and checks every row is still there).
#
#   cargo build -p salesdesk && deploy/upgrade-fixture.sh 0.2.0     # then commit the two files
#
# A fixture is a plain-text SQL dump of a migrated database holding the demo company:
# crates/cli/tests/fixtures/upgrade/<version>.sqlite.sql (sqlite3 .dump) and
# <version>.postgres.sql (pg_dump --inserts, psql meta-commands removed). Never edit or
# regenerate an old fixture: it stands for what that release wrote.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="${1:?usage: deploy/upgrade-fixture.sh VERSION (e.g. 0.2.0)}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="${BIN:-$TARGET/debug/salesdesk}"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
OUT=crates/cli/tests/fixtures/upgrade
[ -x "$BIN" ] || { echo "no salesdesk binary at $BIN: cargo build -p salesdesk" >&2; exit 1; }
for f in "$OUT/$VERSION.sqlite.sql" "$OUT/$VERSION.postgres.sql"; do
  [ -e "$f" ] && { echo "$f exists: fixtures of a release are never remade" >&2; exit 1; }
done
WORK="$(mktemp -d)"
PG_DB="salesdesk_fixture_$$"
export PGOPTIONS="--client-min-messages=warning"
trap 'rm -rf "$WORK"; psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

# Dates in the demo company are relative to today; the fixture keeps the day it was made.
"$BIN" --database-url "sqlite://$WORK/f.db" demo >/dev/null
sqlite3 "$WORK/f.db" .dump >"$OUT/$VERSION.sqlite.sql"

psql "$PG_ADMIN" -qc "CREATE DATABASE $PG_DB ENCODING 'UTF8' TEMPLATE template0" >/dev/null
url="${PG_ADMIN%/*}/$PG_DB"
"$BIN" --database-url "$url" demo >/dev/null
# Meta-commands (\restrict …) are for psql only; without them the dump is plain SQL.
pg_dump --no-owner --no-privileges --inserts --rows-per-insert=200 "$url" \
  | grep -v '^\\' >"$OUT/$VERSION.postgres.sql"

echo "wrote $OUT/$VERSION.sqlite.sql and $OUT/$VERSION.postgres.sql (schema $("$BIN" --database-url "sqlite://$WORK/f.db" migrate --dry-run | sed -n 1p))"
