#!/usr/bin/env bash
# `licet serve`'s status and check endpoints side by side with a bare axum server answering the same bytes
# (crates/licet-server/examples/bare_status.rs), both release builds, on loopback only:
#   1. throughput: wrk, keep-alive, WRK_THREADS threads x WRK_CONNECTIONS connections for WRK_SECONDS each;
#   2. licet serve's RSS idle (after start and one status request) and after the load (>= 100 000 requests);
#   3. instructions per keep-alive request under callgrind: (Ir(2N) - Ir(N)) / N, so start-up cancels out.
# Figures and the run that produced them: docs/performance.md. Needs wrk and valgrind (Debian packages).
#
#   scripts/status-load.sh            # WRK_SECONDS=10 WRK_THREADS=2 WRK_CONNECTIONS=32 N=200
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${WRK_SECONDS:-10}"; THREADS="${WRK_THREADS:-2}"; CONNS="${WRK_CONNECTIONS:-32}"; N="${N:-200}"
for tool in wrk valgrind curl; do
  command -v "$tool" >/dev/null || { echo "status-load: $tool is required (apt-get install $tool)" >&2; exit 2; }
done
cargo build --release --quiet --locked -p licet-cli -p licet-server --bin licet --example bare_status
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
licet="$target/release/licet"; bare="$target/release/examples/bare_status"
work="$(mktemp -d)"
# Servers are started from $(…) subshells, so their pids are kept in files, not in a variable of this shell.
cleanup() {
  for f in "$work"/*.pid; do [ -e "$f" ] && kill -INT "$(cat "$f")" 2>/dev/null || true; done
  sleep 0.5; rm -rf "$work"
}
trap cleanup EXIT

. scripts/lib/license.sh
make_license "$licet" "$work" load-vendor load-product load

# Starts a server in the background ($1 = name, rest = command); waits for its "http://HOST:PORT" line.
start() {
  local name=$1; shift
  "$@" >"$work/$name.out" 2>"$work/$name.log" &
  echo $! >"$work/$name.pid"
  for _ in $(seq 1200); do  # up to 60 s: under valgrind start-up is slow
    local url; url="$(grep -o 'http://[0-9.]*:[0-9]*' "$work/$name.out" | head -1 || true)"
    if [ -n "$url" ]; then echo "$url"; return; fi
    sleep 0.05
  done
  cat "$work/$name.log" >&2; echo "status-load: $name never listened" >&2; exit 1
}
serve_licet() { start "$1" "${@:2}" "$licet" serve --listen 127.0.0.1:0 --data-dir "$work/data-$1" \
  --trust "$work/keys/jwks.json" --issuer load-vendor --audience load-product --license-file "$work/license.jwt"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
STATUS=/v1/license/status; CHECK='/v1/license/check?feature=sso'

licet_url="$(serve_licet licet)"; lpid="$(cat "$work/licet.pid")"
curl -sf "$licet_url$STATUS" >"$work/status.json"; curl -sf "$licet_url$CHECK" >"$work/check.json"
idle=$(rss_kb "$lpid")
bare_url="$(start bare "$bare" 127.0.0.1:0 "/v1/license/status=$work/status.json" "/v1/license/check=$work/check.json")"
echo "status body $(wc -c <"$work/status.json") bytes, check body $(wc -c <"$work/check.json") bytes"

rps() { # $1 = url; prints requests/s and total requests
  wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_EACH}s" "$1" >"$work/wrk.txt"
  grep -q 'Non-2xx' "$work/wrk.txt" && { cat "$work/wrk.txt" >&2; echo "status-load: non-2xx answers" >&2; exit 1; }
  echo "$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt") $(awk '/requests in/ {print $1}' "$work/wrk.txt")"
}
total=0
for path in "$STATUS" "$CHECK"; do
  read -r bare_rps _ < <(rps "$bare_url$path")
  read -r licet_rps n < <(rps "$licet_url$path")
  total=$((total + n))
  awk -v p="$path" -v l="$licet_rps" -v b="$bare_rps" \
    'BEGIN { printf "%-28s licet %9.0f req/s   bare axum %9.0f req/s   licet/bare %5.1f %%\n", p, l, b, 100 * l / b }'
done
after=$(rss_kb "$lpid")
echo "licet serve RSS: idle $((idle / 1024)) MiB ($idle kB), after $total requests $((after / 1024)) MiB ($after kB)"
[ "$total" -ge 100000 ] || echo "status-load: only $total requests; raise WRK_SECONDS for the 100 000 the RSS figure is for" >&2

# Instructions per request: the same server under callgrind, N then 2N keep-alive requests on one connection.
ir() { # $1 = name, $2 = path, $3 = requests, rest = server command
  local name=$1 path=$2 count=$3; shift 3
  local url; url="$(start "$name" valgrind --tool=callgrind --callgrind-out-file="$work/$name.cg" "$@")"
  curl -sf "$url$path" -o /dev/null  # warm: first-request work is not per-request work
  local args=(); for _ in $(seq "$count"); do args+=("$url$path" -o /dev/null); done
  curl -sf "${args[@]}"
  # Started from a $(…) subshell, so not this shell's child: wait by polling until callgrind has written its file.
  local pid; pid="$(cat "$work/$name.pid")"; kill -INT "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  grep -m1 '^summary:' "$work/$name.cg" | awk '{print $2}'
}
for path in "$STATUS" "$CHECK"; do
  name="$(basename "${path%%\?*}")"
  b1=$(ir "bare-$name-1" "$path" "$N" "$bare" 127.0.0.1:0 "/v1/license/$name=$work/$name.json")
  b2=$(ir "bare-$name-2" "$path" $((2 * N)) "$bare" 127.0.0.1:0 "/v1/license/$name=$work/$name.json")
  l1=$(ir "licet-$name-1" "$path" "$N" "$licet" serve --listen 127.0.0.1:0 --data-dir "$work/cg-$name-1" \
    --trust "$work/keys/jwks.json" --issuer load-vendor --audience load-product --license-file "$work/license.jwt")
  l2=$(ir "licet-$name-2" "$path" $((2 * N)) "$licet" serve --listen 127.0.0.1:0 --data-dir "$work/cg-$name-2" \
    --trust "$work/keys/jwks.json" --issuer load-vendor --audience load-product --license-file "$work/license.jwt")
  awk -v p="$path" -v b=$(( (b2 - b1) / N )) -v l=$(( (l2 - l1) / N )) \
    'BEGIN { printf "%-28s licet %8d instr/req   bare axum %8d instr/req   licet/bare %.2fx\n", p, l, b, l / b }'
done
