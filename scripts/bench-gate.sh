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
cargo build --release -p embed-demo
DEMO_ADDR="127.0.0.1:$PORT" RUST_LOG=warn target/release/embed-demo >/tmp/embed-demo-bench.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
rps() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$PORT$1" | awk '/Requests\/sec/ {print $2}'; }
rps /ungated/items >/dev/null  # warm-up
ungated=$(rps /ungated/items)
gated=$(rps /api/items)
echo "ungated /ungated/items: $ungated req/s"
echo "gated   /api/items:     $gated req/s"
awk -v g="$gated" -v u="$ungated" 'BEGIN { printf "gated/ungated: %.1f %%\n", 100 * g / u }'
