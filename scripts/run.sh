#!/usr/bin/env bash
# Serves the site at http://127.0.0.1:$PORT/ with a task worker beside it; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
PY=.venv/bin/python

$PY manage.py db_worker --queue-name '*' --no-reload &
worker=$!
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload &
server=$!
stop() {
  trap - EXIT INT TERM
  kill -TERM "$server" "$worker" 2>/dev/null || true
  wait "$server" "$worker" 2>/dev/null || true
}
trap stop EXIT INT TERM
echo "点课 is at http://127.0.0.1:${PORT}/  (admin: http://127.0.0.1:${PORT}/admin/; Ctrl-C stops the site and the worker)"
# Whichever of the two ends first (Ctrl-C, a crash) ends the other.
wait -n "$server" "$worker" || true
