#!/usr/bin/env bash
# Server CPU time per request: the figure behind requests/s that other load on a shared machine
# disturbs least. Each target runs under granian (1 worker, uvloop) pinned to CPU 0, wrk loads it
# from CPU 1, and the CPU time (user + system) the granian processes spent during the timed run
# is divided by the requests served. Targets take turns, round after round.
#
#     bash bench/cpu_per_request.sh                       # /plaintext and /json, 3 rounds
#     ROUNDS=5 DURATION=5 bash bench/cpu_per_request.sh /json
#     TARGETS="peers.raw_asgi:app bench.app:app" bash bench/cpu_per_request.sh /plaintext
#
# Targets are module:attr importable from the shared harness folder (its peers) or from this
# repository (bench.app:app is Spruce). Needs the harness venv (bash bench/run.sh sets it up).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
shared=$(cd "${SPRUCE_BENCH_SHARED:-$repo/../shared/bench}" && pwd -P)
venv=${VENV:-${TMPDIR:-/tmp}/benchvenv}
granian=$venv/bin/granian
[[ -x $granian ]] || { echo "no granian in $venv: run bash bench/run.sh once first" >&2; exit 1; }
if (($#)); then
  paths=("$@")
else
  paths=(/plaintext /json)
fi
rounds=${ROUNDS:-3}
duration=${DURATION:-5}
port=${PORT:-18600}
read -r -a targets <<<"${TARGETS:-peers.raw_asgi:app bench.app:app peers.starlette_app:app peers.fastapi_app:app peers.litestar_app:app}"
"$venv/bin/python" -m compileall -q "$repo/src/spruce" "$repo/bench" >/dev/null

cpu_ticks() {  # user + system clock ticks of every process serving $port
  local total=0 pid
  for pid in $(pgrep -f -- "--port $port " || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

measure() {  # TARGET PATH -> "TARGET PATH us_cpu_per_request requests_per_second"
  local target=$1 path=$2 i
  (cd "$shared" && PYTHONPATH="$repo:$shared" PYTHONDONTWRITEBYTECODE=1 taskset -c 0 \
    "$granian" --interface asgi --host 127.0.0.1 --port "$port" --workers 1 --no-ws \
    --log-level warning --loop uvloop "$target" >/dev/null 2>&1 &)
  for i in $(seq 150); do
    curl -sf -o /dev/null "http://127.0.0.1:$port$path" && break
    sleep 0.1
  done
  taskset -c 1 wrk -t1 -c64 -d1s "http://127.0.0.1:$port$path" >/dev/null
  local before after out
  before=$(cpu_ticks)
  out=$(taskset -c 1 wrk -t1 -c64 -d"${duration}s" "http://127.0.0.1:$port$path")
  after=$(cpu_ticks)
  pkill -f -- "--port $port " || true
  sleep 0.7
  awk -v t="$target" -v p="$path" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" \
    '/requests in/ {n = $1} /Requests\/sec/ {r = $2}
     END {printf "%-28s %-11s %7.1f us CPU/request %9.0f req/s\n", t, p, ticks * 1e6 / hz / n, r}' \
    <<<"$out"
}

for path in "${paths[@]}"; do
  for ((round = 1; round <= rounds; round++)); do
    for target in "${targets[@]}"; do
      measure "$target" "$path"
    done
  done
done
