#!/usr/bin/env bash
# Front-end files come from the npm registry (package.json + package-lock.json), never pasted in:
# this copies the few files the pages serve into static/*/vendor/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f package.json ] || exit 0
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if ! command -v npm >/dev/null; then
    echo "npm is missing: apt-get install nodejs npm (make install does it as root)" >&2
    exit 1
  fi
  npm ci --no-audit --no-fund --silent
fi
copy() {  # copy SOURCE DEST_DIR, without the source-map comment (the .map is not shipped, and
          # collectstatic's manifest storage fails on references to missing files)
  mkdir -p "$2"
  sed '/^\/\/# sourceMappingURL=/d' "$1" > "$2/$(basename "$1")"
}
# The full build: the light one has no alternate audio, and the speech track is an audio group of
# its own in both masters (docs/media-pipeline.md): with it hls.js played the video without sound.
rm -f static/lectures/vendor/hls.light.min.js
[ -f node_modules/hls.js/dist/hls.min.js ] && copy node_modules/hls.js/dist/hls.min.js static/lectures/vendor
[ -f node_modules/axe-core/axe.min.js ] && copy node_modules/axe-core/axe.min.js tests/vendor
exit 0
