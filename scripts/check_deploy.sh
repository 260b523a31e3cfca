#!/usr/bin/env bash
# `manage.py check --deploy` with the production settings and the variables production requires,
# failing on any warning.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=dianke.settings.production
export SECRET_KEY="${SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))')}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dianke}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-dianke.example.org}"
.venv/bin/python manage.py check --deploy --fail-level WARNING
