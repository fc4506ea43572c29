#!/usr/bin/env bash
# Regenerates tests/fixtures/keras/: installs the pinned TensorFlow 2.12.1 (tensorflow-cpu) + tensorflowjs 4.10.0
# into .fairshrink/keras-fixtures-venv (once; again when requirements.txt changes), then runs generate.py.
#   scripts/keras-fixtures/run.sh [--out DIR]
# Needs python3.11 (tensorflow-cpu 2.12.1 has wheels for CPython 3.8-3.11 only). See README.md beside this file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/.fairshrink/keras-fixtures-venv"
python="${PYTHON:-python3.11}"
if ! command -v "$python" >/dev/null; then
  echo "run.sh: $python not found; tensorflow-cpu 2.12.1 needs CPython 3.11 (set PYTHON=/path/to/python3.11)" >&2
  exit 2
fi
stamp="$venv/requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  # --no-deps: requirements.txt is the whole resolved closure (see README.md for why pip must not resolve it).
  "$venv/bin/pip" install --quiet --no-deps --require-hashes -r "$here/requirements.txt"
  echo "$want" >"$stamp"
fi
cd "$repo"
exec "$venv/bin/python" "$here/generate.py" "$@"
