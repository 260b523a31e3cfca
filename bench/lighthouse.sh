#!/usr/bin/env bash
# Lighthouse mobile scores (performance, accessibility, best practices, SEO) of the menu, a course
# page and a lesson page of the demo library, with Debian's chromium.
#
#   bench/lighthouse.sh            # prints one line a page; reports in bench/out/lighthouse/
#
# Lighthouse is installed with npm into bench/out/lighthouse/ (not the project's package.json).
# The demo library goes into its own SQLite database under bench/out/lighthouse/var/, its
# transcodes are run once (`db_worker --batch`), and the site is served by gunicorn with the
# development settings (local media served) on 127.0.0.1:$PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
out="bench/out/lighthouse"
port="${PORT:-8793}"
mkdir -p "$out"
if [ ! -x "$out/node_modules/.bin/lighthouse" ]; then
  npm install --prefix "$out" --no-save --no-audit --no-fund lighthouse@12.8.2 >/dev/null
fi
export DJANGO_SETTINGS_MODULE=dianke.settings.dev DIANKE_VAR_DIR="$PWD/$out/var"
py=.venv/bin/python
log="$out/server.log"
$py manage.py migrate -v0 --no-input
$py manage.py load_demo >"$log" 2>&1
$py manage.py db_worker --queue-name '*' --batch --no-startup-delay >>"$log" 2>&1 || true
$py manage.py collectstatic -v0 --no-input
.venv/bin/gunicorn dianke.wsgi:application --bind "127.0.0.1:$port" --workers 2 --log-level warning >>"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 1; done

# The demo's first course and its first lesson.
read -r course lesson < <($py - <<'PY'
import django
django.setup()
from lectures.models import CoursePage
course = CoursePage.objects.live().order_by("path").first()
print(course.url, course.lessons().first().url)
PY
)
printf '%-34s %5s %5s %5s %5s\n' page perf a11y best seo
for path in / "$course" "$lesson"; do
  name=$(echo "$path" | tr -c 'a-zA-Z0-9\n' _)
  for attempt in 1 2 3; do  # headless chromium now and then fails to record the trace (NO_NAVSTART)
    CHROME_PATH=/usr/bin/chromium "$out/node_modules/.bin/lighthouse" "http://127.0.0.1:$port$path" \
      --quiet --chrome-flags="--headless --no-sandbox" --form-factor=mobile \
      --only-categories=performance,accessibility,best-practices,seo \
      --output=json --output=html --output-path="$out/report$name" >/dev/null 2>>"$log" && break
    [ "$attempt" = 3 ] && { echo "lighthouse failed on $path, see $log" >&2; exit 1; }
  done
  $py - "$out/report$name.report.json" "$path" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
scores = [round(report["categories"][c]["score"] * 100) for c in ("performance", "accessibility", "best-practices", "seo")]
print(f"{sys.argv[2][:34]:<34} " + " ".join(f"{s:5d}" for s in scores))
PY
done
