#!/usr/bin/env bash
# The demo: sets up .venv, then serves examples/demo on http://127.0.0.1:8000 with
# `spruce run`. Extra arguments go to `spruce run`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
if [[ ! -d examples/demo ]]; then
  printf 'demo.sh: examples/demo does not exist yet\n' >&2
  exit 1
fi
cd examples/demo
exec ../../.venv/bin/spruce run --port 8000 "$@"
