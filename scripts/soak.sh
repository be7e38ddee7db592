#!/usr/bin/env bash
# Soak test for `licet serve`: build release, start the server on loopback over a temporary SQLite data dir, drive
# it with wrk (status reads, gate decisions through `GET /v1/license/check`, health checks) while installing a
# fresh license every few seconds with curl, sample the server's RSS every 10 s, then check: zero 5xx, no license
# lost (every gate decision allowed; status active with the last installed fingerprint), memory flat. Prints a
# summary; exits non-zero if a check fails. Figures go in docs/reliability.md.
#
#   scripts/soak.sh                 # 10 minutes
#   SOAK_SECONDS=120 scripts/soak.sh
# Needs: wrk (apt-get install -y wrk), curl, python3 (JSON), sha256sum.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${SOAK_SECONDS:-600}"
INSTALL_EVERY="${SOAK_INSTALL_EVERY:-5}"
THREADS="${SOAK_THREADS:-2}"
CONNECTIONS="${SOAK_CONNECTIONS:-16}"
ISS="https://licenses.soak.example"
AUD="soak-product"

for tool in wrk curl python3 sha256sum; do
  command -v "$tool" >/dev/null || { echo "soak: $tool is required" >&2; exit 2; }
done
cargo build --release --quiet -p licet-cli
LICET="$PWD/target/release/licet"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -n "${SAMPLER_PID:-}" ] && kill "$SAMPLER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

"$LICET" keygen --kid soak-test-only --out "$WORK/keys" >/dev/null
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
mkdir -p "$WORK/data"
"$LICET" serve --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" --profile "${SOAK_PROFILE:-honeyframe}" \
  --trust "$WORK/keys/jwks.json" --issuer "$ISS" --audience "$AUD" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$BASE/healthz" >/dev/null || { echo "soak: server did not start"; cat "$WORK/server.err"; exit 1; }
TOKEN="$("$LICET" token create --data-dir "$WORK/data" --role owner --name soak 2>/dev/null | tail -n1)"

issue() { # $1 = sequence; prints the compact token
  cat >"$WORK/claims.json" <<JSON
{"iss":"$ISS","sub":"soak-customer","aud":"$AUD","iat":$(date +%s),
 "lic":{"schema":"1.0","customer":{"id":"cus_soak","name":"Soak Test"},"sequence":$1,"features":["sso"]}}
JSON
  "$LICET" issue --key "$WORK/keys/soak-test-only.private.pem" --kid soak-test-only --claims "$WORK/claims.json" --exp 365d
}

seq_no=0; installs=0; install_5xx=0; install_other=0; last_fp=""
install_next() { # issues the next sequence and uploads it; counts the outcome
  seq_no=$((seq_no + 1))
  tok="$(issue "$seq_no")"
  code="$(curl -s -o "$WORK/install.json" -w '%{http_code}' -X POST "$BASE/v1/license" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/jwt' --data-binary "$tok")"
  installs=$((installs + 1))
  case "$code" in
    2??) last_fp="$(printf %s "$tok" | sha256sum | cut -d' ' -f1)" ;;
    5??) install_5xx=$((install_5xx + 1)); cat "$WORK/install.json" >&2 ;;
    *) install_other=$((install_other + 1)); echo "install $seq_no: HTTP $code $(cat "$WORK/install.json")" >&2 ;;
  esac
}
# The first license goes in before the load starts, so that every gate decision under load has one in force.
install_next

# RSS sampler: one line per 10 s, in kB.
( while kill -0 "$SERVER_PID" 2>/dev/null; do
    awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status" >>"$WORK/rss.txt" 2>/dev/null || true
    sleep 10
  done ) &
SAMPLER_PID=$!

# wrk counts 5xx itself (its "Non-2xx" line lumps 4xx in).
cat >"$WORK/count.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) s5xx = 0; s4xx = 0 end
function response(status, headers, body)
  if status >= 500 then s5xx = s5xx + 1 elseif status >= 400 then s4xx = s4xx + 1 end
end
function done(summary, latency, requests)
  local a, b = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("s5xx"); b = b + t:get("s4xx") end
  io.write(string.format("5xx=%d 4xx=%d\n", a, b))
end
LUA
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/count.lua" "$BASE/v1/license/status" \
  >"$WORK/wrk-status.txt" 2>&1 &
WRK1=$!
wrk -t1 -c2 -d"${DURATION}s" -s "$WORK/count.lua" "$BASE/healthz" >"$WORK/wrk-health.txt" 2>&1 &
WRK2=$!
# The gate's decision for a write that needs feature `sso`: every answer must be 200 (a 403 means the license in
# force lapsed for a moment, e.g. while one was being replaced).
wrk -t1 -c4 -d"${DURATION}s" --latency -s "$WORK/count.lua" "$BASE/v1/license/check?feature=sso&write=true" \
  >"$WORK/wrk-check.txt" 2>&1 &
WRK3=$!

end=$(( $(date +%s) + DURATION ))
while [ "$(date +%s)" -lt "$end" ]; do
  install_next
  sleep "$INSTALL_EVERY"
done
wait "$WRK1" "$WRK2" "$WRK3"

status="$(curl -fsS "$BASE/v1/license/status")"
state="$(printf %s "$status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')"
fp="$(printf %s "$status" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("license_fingerprint") or "")')"
read -r rss_first rss_last rss_max rss_n < <(awk 'NR==1{f=$1} {l=$1; if($1>m)m=$1} END{print f, l, m, NR}' "$WORK/rss.txt")
wrk_5xx="$(grep -ho '5xx=[0-9]*' "$WORK/wrk-status.txt" "$WORK/wrk-health.txt" "$WORK/wrk-check.txt" | cut -d= -f2 | paste -sd+ | bc)"
check_4xx="$(grep -o '4xx=[0-9]*' "$WORK/wrk-check.txt" | cut -d= -f2)"

echo "== soak: ${DURATION}s, ${THREADS} threads × ${CONNECTIONS} connections on status, 4 on check, 2 on healthz"
grep -E "Requests/sec|Latency |requests in|99%|Socket errors|5xx=" "$WORK/wrk-status.txt" | sed 's/^/status  /'
grep -E "Requests/sec|Latency |requests in|99%|Socket errors|5xx=" "$WORK/wrk-check.txt" | sed 's/^/check   /'
grep -E "Requests/sec|requests in|5xx=" "$WORK/wrk-health.txt" | sed 's/^/healthz /'
echo "installs: $installs of about $((DURATION / INSTALL_EVERY + 1)) expected (one before the load, then one per ${INSTALL_EVERY}s plus issuing)" \
  "(5xx: $install_5xx, other non-2xx: $install_other), last sequence $seq_no"
echo "final state: $state; fingerprint matches last install: $([ "$fp" = "$last_fp" ] && echo yes || echo "NO ($fp != $last_fp)")"
echo "server RSS (kB): first $rss_first, last $rss_last, max $rss_max over $rss_n samples"
echo "server RSS (kB) once a minute: $(awk 'NR % 6 == 1 {printf "%s ", $1}' "$WORK/rss.txt")"

fail=0
[ "$wrk_5xx" = 0 ] && [ "$install_5xx" = 0 ] || { echo "FAIL: 5xx responses"; fail=1; }
[ "$install_other" = 0 ] || { echo "FAIL: installs refused"; fail=1; }
[ "$check_4xx" = 0 ] || { echo "FAIL: $check_4xx gate decisions refused the licensed feature"; fail=1; }
[ "$state" = active ] && [ "$fp" = "$last_fp" ] || { echo "FAIL: license lost"; fail=1; }
# Flat: the last sample within 20% (plus 8 MB of allocator slack) of the first sample after warm-up.
awk -v f="$rss_first" -v l="$rss_last" 'BEGIN{exit !(l <= f*1.2 + 8192)}' || { echo "FAIL: RSS grew"; fail=1; }
[ "$fail" = 0 ] && echo "soak: PASS"
exit "$fail"
