#!/usr/bin/env bash
# What the gate costs per request, in CPU instructions counted by callgrind: repeatable whatever else the machine
# is doing, unlike req/s on a shared machine (scripts/bench-gate.sh). Runs examples/embed-demo (release) under
# `valgrind --tool=callgrind` four times: N and 2N keep-alive requests to the ungated route, then to the gated one.
# Per-request cost = (Ir(2N) - Ir(N)) / N, so start-up, the license load and the readiness probe cancel out.
#
#   scripts/gate-instructions.sh            # N = 5000
#   REQUESTS=20000 scripts/gate-instructions.sh
# Needs valgrind and python3. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${REQUESTS:-5000}"
PORT="${PORT:-18191}"
for tool in valgrind python3 curl; do
  command -v "$tool" >/dev/null || { echo "gate-instructions: $tool is required" >&2; exit 2; }
done
cargo build --release --quiet -p embed-demo
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Sends $2 GET requests for path $1 over one keep-alive connection; fails on anything but 200.
cat >"$WORK/client.py" <<'PY'
import http.client, sys
path, n, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(n):
    c.request("GET", path)
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"{path}: HTTP {r.status}")
PY

instructions() { # $1 = path, $2 = requests; prints the server's total instruction count
  local out="$WORK/cg.$RANDOM"
  DEMO_ADDR="127.0.0.1:$PORT" DEMO_DATA_DIR="$WORK/data.$RANDOM" RUST_LOG=warn \
    valgrind --tool=callgrind --callgrind-out-file="$out" target/release/embed-demo >/dev/null 2>"$out.err" &
  local pid=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
  python3 "$WORK/client.py" "$1" "$2" "$PORT"
  kill -TERM "$pid"  # callgrind writes its counts when the program ends on SIGTERM
  wait "$pid" || true
  awk '/^summary:/ {print $2}' "$out"
}

declare -A per
for path in /ungated/items /api/items; do
  one=$(instructions "$path" "$N")
  two=$(instructions "$path" $((2 * N)))
  per[$path]=$(( (two - one) / N ))
  echo "$path: $one instructions with $N requests, $two with $((2 * N)): ${per[$path]} per request"
done
u=${per[/ungated/items]}
g=${per[/api/items]}
awk -v u="$u" -v g="$g" 'BEGIN { printf "gate: %+d instructions per request (%.2f %% of the ungated request)\n", g - u, 100 * (g - u) / u }'
