#!/usr/bin/env bash
# Load test: a gated vs an ungated route of examples/embed-demo on loopback, with wrk. Prints both figures and the
# ratio (target: gated ≥ 95 % of ungated). Needs wrk (`apt-get install -y wrk`). Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
PORT="${PORT:-18181}"
command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }
# PROFILE=bench reuses `cargo bench` artifacts (release + debug info); both land in target/release.
cargo build --profile "${PROFILE:-release}" -p embed-demo
# The server runs on the CPUs in SERVER_CPUS and wrk on WRK_CPUS (taskset) so the two don't trade places mid-run.
SERVER_CPUS="${SERVER_CPUS:-1}"
WRK_CPUS="${WRK_CPUS:-0}"
ROUNDS="${ROUNDS:-5}"
DEMO_ADDR="127.0.0.1:$PORT" RUST_LOG=warn taskset -c "$SERVER_CPUS" target/release/embed-demo >/tmp/embed-demo-bench.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
rps() {
  taskset -c "$WRK_CPUS" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$PORT$1" |
    awk '/Requests\/sec/ {print $2}'
}
rps /ungated/items >/dev/null  # warm-up
# Alternate the two routes round by round: a drift in machine load then hits both, and each round gives one ratio.
ratios=()
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then u=$(rps /ungated/items); g=$(rps /api/items); else g=$(rps /api/items); u=$(rps /ungated/items); fi
  r=$(awk -v g="$g" -v u="$u" 'BEGIN { printf "%.1f", 100 * g / u }')
  ratios+=("$r")
  echo "round $round: ungated $u req/s, gated $g req/s, gated/ungated $r %"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "median gated/ungated over %d rounds: %s %%\n", NR, a[int((NR + 1) / 2)] }'
