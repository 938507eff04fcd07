#!/usr/bin/env bash
# Benchmark Spruce (bench/app.py) side by side with its peers, using the shared harness
# (shared/bench/run.py beside this repo; SPRUCE_BENCH_SHARED=/path/to/shared/bench overrides).
#
#     bash bench/run.sh --tests plaintext,json --rounds 1 --duration 2 --warmup 1
#     bash bench/run.sh --peers raw-asgi,starlette      # any other run.py option
#     bash bench/run.sh routes                          # in-process dispatch table (bench/routes.py)
#     bash bench/run.sh hello                           # hello worlds: cold start and worker memory
#     bash bench/run.sh --help                          # the harness's options
#
# The harness's venv is $VENV (default ${TMPDIR:-/tmp}/benchvenv); the harness's setup.sh makes
# it (with wrk and PostgreSQL; root on Debian) when it is missing, then Spruce is installed into
# it. The report goes to $SPRUCE_BENCH_OUT (default /tmp/spruce-bench) unless --out is given.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1

say() { printf 'bench/run.sh: %s\n' "$*" >&2; }
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

# ------------------------------------------------------------------ find the harness
if [[ -n ${SPRUCE_BENCH_SHARED:-} ]]; then
  candidates=("$SPRUCE_BENCH_SHARED" "$SPRUCE_BENCH_SHARED/bench")
else
  candidates=("$repo/../shared/bench")
fi
shared=
for d in "${candidates[@]}"; do
  if [[ -f $d/run.py && -f $d/setup.sh ]]; then
    shared=$(cd "$d" && pwd -P)
    break
  fi
done
if [[ -z $shared ]]; then
  say "error: the shared benchmark harness was not found at ${SPRUCE_BENCH_SHARED:-$repo/../shared/bench}"
  say "  set SPRUCE_BENCH_SHARED to the folder that holds run.py and setup.sh"
  exit 1
fi

export VENV=${VENV:-${TMPDIR:-/tmp}/benchvenv}
python=$VENV/bin/python

for a in "$@"; do
  if [[ $a == -h || $a == --help ]]; then
    sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
    echo
    if [[ ${1:-} == routes ]]; then
      exec "$(command -v "$python" || command -v python3)" "$repo/bench/routes.py" --help
    fi
    exec "$(command -v "$python" || command -v python3)" "$shared/run.py" --help
  fi
done

# ------------------------------------------------------------------ set up the venv
setup_stamp=$VENV/.spruce-bench-setup
if [[ ! -x $python || ! -f $setup_stamp ]] || ! command -v wrk >/dev/null \
  || { [[ -z ${DATABASE_URL:-} ]] && ! pg_isready -q -h 127.0.0.1 2>/dev/null; }; then
  say "running the harness setup ($shared/setup.sh, VENV=$VENV)"
  bash "$shared/setup.sh"
  touch "$setup_stamp"
fi

install_stamp=$VENV/.spruce-installed
want="$repo $(sha256sum "$repo/pyproject.toml" | cut -d' ' -f1)"
if [[ ! -f $install_stamp || $(<"$install_stamp") != "$want" ]] \
  || ! "$python" -c 'import spruce' 2>/dev/null; then
  say "installing Spruce (with its db extra) from $repo into $VENV (the harness's pins are kept)"
  rm -f "$install_stamp"
  "$python" -m pip install -qq --disable-pip-version-check -e "$repo[db]" -c "$shared/requirements.txt"
  printf '%s\n' "$want" >"$install_stamp"
fi

# Peers come from site-packages with their bytecode compiled; Spruce is an editable checkout and
# the harness runs with PYTHONDONTWRITEBYTECODE, so compile it too, or every cold start would
# include compiling Spruce's sources.
"$python" -m compileall -q "$repo/src/spruce" "$repo/bench" >/dev/null

# ------------------------------------------------------------------ run
if [[ ${1:-} == routes ]]; then
  shift
  exec "$python" "$repo/bench/routes.py" "$@"
fi

if [[ ${1:-} == hello ]]; then  # one-route apps: what importing and building a framework costs
  shift
  exec "$python" "$shared/run.py" --peers none --tests plaintext --path "$repo" \
    spruce=bench.hello.spruce_app:app:asgi starlette=bench.hello.starlette_app:app:asgi \
    fastapi=bench.hello.fastapi_app:app:asgi flask=bench.hello.flask_app:app:wsgi "$@"
fi

given() {  # OPTION ARGS...: is --option (or --option=...) among ARGS?
  local opt=$1 a
  shift
  for a in "$@"; do
    if [[ $a == "$opt" || $a == "$opt="* ]]; then
      return 0
    fi
  done
  return 1
}
out=${SPRUCE_BENCH_OUT:-/tmp/spruce-bench}
base=$out/result-$(date +%Y%m%d-%H%M%S)
extra=()
given --out "$@" || extra+=(--out "$base.md")
given --json "$@" || extra+=(--json "$base.json")
if ((${#extra[@]})); then
  mkdir -p "$out"
  say "writing the report under $out"
fi
exec "$python" "$shared/run.py" spruce=bench.app:app:asgi --path "$repo" "${extra[@]}" "$@"
