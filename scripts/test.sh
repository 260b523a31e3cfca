#!/usr/bin/env bash
# Runs the whole test suite on one database: `scripts/test.sh sqlite` or `scripts/test.sh postgres`.
# PostgreSQL: a fresh database per run on $POSTGRES_URL (default postgres://postgres@127.0.0.1:5432),
# dropped afterwards. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
database="${1:?usage: scripts/test.sh sqlite|postgres [pytest args]}"
shift
export DJANGO_SETTINGS_MODULE=dianke.settings.test
case "$database" in
  sqlite)
    unset DATABASE_URL
    ;;
  postgres)
    base="${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
    name="dianke_run_$$_$(date +%s)"
    export DATABASE_URL="$base/$name"
    # A fresh name each run, dropped below with FORCE: pytest-django need not drop it itself
    # (a browser test's second connection would make its drop fail at the very end).
    set -- --reuse-db "$@"
    drop() {
      .venv/bin/python - "$base" "$name" <<'PY' || true
import sys, psycopg
with psycopg.connect(sys.argv[1] + "/postgres", autocommit=True) as connection:
    for db in (sys.argv[2], "test_" + sys.argv[2]):
        connection.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
PY
    }
    trap drop EXIT
    if ! .venv/bin/python -c "import psycopg, sys; psycopg.connect(sys.argv[1] + '/postgres').close()" "$base" 2>/dev/null; then
      echo "PostgreSQL does not answer at $base: start it, or set POSTGRES_URL." >&2
      exit 1
    fi
    ;;
  *)
    echo "unknown database '$database' (sqlite or postgres)" >&2
    exit 2
    ;;
esac
echo "== test suite on $database"
.venv/bin/pytest "$@"
