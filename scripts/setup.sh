#!/usr/bin/env bash
# Create or refresh the development virtualenv in .venv: Python >= 3.11, the latest pip,
# and `pip install -e '.[dev]'`. Idempotent: the install is skipped while pyproject.toml is
# unchanged since the last successful one (its hash is kept in .venv/.spruce-installed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv=.venv
stamp=$venv/.spruce-installed

say() { printf 'setup.sh: %s\n' "$*" >&2; }

find_python() {
  local py
  for py in python3.11 python3; do
    if command -v "$py" >/dev/null 2>&1 \
      && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$py"
      return 0
    fi
  done
  return 1
}

# A venv whose interpreter is gone or too old (e.g. made by another Python) is rebuilt.
if [[ -e $venv ]] && ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  >/dev/null 2>&1; then
  say "rebuilding $venv: its interpreter is missing or older than Python 3.11"
  rm -rf "$venv"
fi

if [[ ! -x $venv/bin/python ]]; then
  python=$(find_python) || {
    say "error: Python 3.11 or newer is needed (tried python3.11 and python3)"
    exit 1
  }
  say "creating $venv with $("$python" --version 2>&1)"
  "$python" -m venv "$venv"
fi

# Serialise concurrent runs (two shells running the tests at once) on one lock file.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$venv/.setup.lock"
  flock 9
fi

want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ -f $stamp && $(<"$stamp") == "$want" ]] \
  && "$venv/bin/python" -c 'import importlib.metadata as m; m.version("spruce")' >/dev/null 2>&1; then
  exit 0
fi

say "installing Spruce and its dev dependencies into $venv (pyproject.toml changed or first run)"
rm -f "$stamp"
pip=("$venv/bin/python" -m pip -qq --disable-pip-version-check)
"${pip[@]}" install --upgrade pip
if ! "${pip[@]}" install -e '.[dev]'; then
  say "error: pip install -e '.[dev]' failed (see above)"
  exit 1
fi
printf '%s\n' "$want" >"$stamp"
say "done"
