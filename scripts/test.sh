#!/usr/bin/env bash
# `make test`: lint, the whole suite on SQLite, then the platform's tests on PostgreSQL.
# PostgreSQL: PRINTHUB_TEST_POSTGRES_URL (default the local server's `test` database).
# When it cannot be reached the second run is skipped, unless PRINTHUB_REQUIRE_EXTERNALS=1
# (CI, and `make test` as root), where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

$bin/ruff check .
$bin/ruff format --check .
$bin/pytest "$@"

pg_url=${PRINTHUB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
if $bin/python - "$pg_url" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
except Exception as err:
    print(f"PostgreSQL not reachable at {sys.argv[1]}: {err}", file=sys.stderr)
    sys.exit(1)
PY
then
    echo "== the platform's tests again, on PostgreSQL ($pg_url)"
    # The browser tests run the real stack on its own SQLite file: once (above) is enough.
    PRINTHUB_DATABASE_URL=$pg_url $bin/pytest tests/web -p no:cacheprovider -m "not browser" "$@"
elif [ "${PRINTHUB_REQUIRE_EXTERNALS:-0}" = "1" ]; then
    echo "PostgreSQL is required here (set PRINTHUB_TEST_POSTGRES_URL)" >&2
    exit 1
fi
