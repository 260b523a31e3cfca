#!/usr/bin/env bash
# Runs every benchmark in bench/ one after the other; each prints its own numbers.
# BENCH=name runs one (e.g. BENCH=search_relevance). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for script in bench/*.py; do
  name=$(basename "$script" .py)
  [ "${name#_}" != "$name" ] && continue  # shared helpers (bench/_server.py), not benchmarks
  [ -n "${BENCH:-}" ] && [ "$BENCH" != "$name" ] && continue
  echo "== bench/$name"
  .venv/bin/python "$script" || status=1
done
exit $status
