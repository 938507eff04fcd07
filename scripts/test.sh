#!/usr/bin/env bash
# The test command: lint and format (ruff), types (mypy), layers (import-linter), then the whole pytest
# suite in parallel, slow tests included. Extra arguments go to pytest:
#     bash scripts/test.sh -k routing -x
# Tests that need PostgreSQL, Redis or Chromium skip when those are missing, except in CI
# (CI=true), where a missing service is an error.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'test.sh: %s\n' "$*" >&2; }
ci=false
if [[ ${CI:-} == true || ${CI:-} == 1 ]]; then
  ci=true
fi

bash scripts/setup.sh
bin=.venv/bin

# ------------------------------------------------------------------ services
# reachable URL: does anything accept a TCP connection at the URL's host and port?
reachable() {
  "$bin/python" - "$1" <<'PY'
import socket, sys
from urllib.parse import urlsplit
url = urlsplit(sys.argv[1])
try:
    socket.create_connection((url.hostname or "127.0.0.1", url.port), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}

missing=()
check_service() {  # NAME VAR DEFAULT_URL HOW_TO_START
  local name=$1 var=$2 url=${!2:-$3}
  if reachable "$url"; then
    export "$var=$url"
  else
    unset "$var"
    missing+=("$name")
    say "$name is not reachable at $url$([[ $ci == true ]] || echo '; its tests will skip')"
    say "  start it with: $4   (or run: bash .ci/run)"
  fi
}
check_service PostgreSQL SPRUCE_TEST_DATABASE_URL postgresql://postgres@127.0.0.1:5432/test \
  'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'
check_service Redis SPRUCE_TEST_REDIS_URL redis://127.0.0.1:6379/0 \
  'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no'

chromium=/usr/bin/chromium
if [[ ! -x $chromium ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium for the browser tests (apt-get)"
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
      say "apt-get install chromium failed (see above)"
    fi
  else
    say "browser tests need Debian's chromium at $chromium; as root run:"
    say "  apt-get update && apt-get install -y chromium"
  fi
  [[ -x $chromium ]] || missing+=(Chromium)
fi

if [[ $ci == true ]]; then
  export SPRUCE_REQUIRE_SERVICES=1
  if ((${#missing[@]})); then
    say "CI needs every service and found these missing: ${missing[*]}"
    exit 1
  fi
fi

# ------------------------------------------------------------------ checks
failed=()
step() {  # NAME COMMAND...: run it, remember a failure, go on with the next step
  local name=$1
  shift
  say "== $name"
  "$@" || failed+=("$name")
}

lint_paths=()
for d in src tests bench examples; do
  if [[ -d $d ]]; then
    lint_paths+=("$d")
  fi
done
step ruff "$bin/ruff" check --no-cache "${lint_paths[@]}"
step "ruff format" "$bin/ruff" format --check --no-cache "${lint_paths[@]}"
step mypy "$bin/mypy"
step import-linter "$bin/lint-imports" --no-cache

say "== pytest"
set +e
"$bin/pytest" -n auto "$@"
rc=$?
set -e
if ((rc == 5)); then
  say "pytest ran no test (exit 5): counted as a failure"
fi
((rc == 0)) || failed+=("pytest (exit $rc)")

if ((${#failed[@]})); then
  say "FAILED: ${failed[*]}"
  exit 1
fi
say "all checks passed"
