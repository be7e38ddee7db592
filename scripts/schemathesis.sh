#!/usr/bin/env bash
# Runs schemathesis (a property-based API tester, from PyPI) against `licet serve`'s own OpenAPI document
# (/v1/openapi.json): every operation, anonymous and with an owner token, a fixed seed, bounded in time. Fails on a
# 5xx, an answer outside the documented statuses or schemas, a schema-valid request refused or an invalid one
# accepted, a missing token not answered 401, or an answer slower than 5 s. scripts/test.sh calls it after
# `cargo test`. Settings: scripts/schemathesis.toml.
#
# The venv lives in target/schemathesis-venv (made on first use; SCHEMATHESIS_VERSION pins the release).
# `licet vendor serve` has no OpenAPI document yet, so only the install-side server is tested.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
root="$(pwd)"
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
venv="$target/schemathesis-venv"
fail() { echo "scripts/schemathesis.sh: $*" >&2; exit 1; }

if [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  echo "scripts/schemathesis.sh: installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || fail "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" \
    || fail "could not install schemathesis $SCHEMATHESIS_VERSION from PyPI"
fi

cargo build --quiet --locked -p licet-cli
licet="$target/debug/licet"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# A vendor key, a license for the install that runs with one, and an owner token minted from the shell.
"$licet" keygen --kid st --out "$work/keys" >/dev/null 2>&1
cat > "$work/claims.toml" <<'TOML'
iss = "schemathesis-vendor"
sub = "acme"
aud = "schemathesis-product"

[lic]
customer = { id = "acme", name = "Acme" }
features = ["sso"]
sequence = 1

[lic.limits]
users = 50
TOML
"$licet" issue --key "$work/keys/st.private.pem" --kid st --claims "$work/claims.toml" --exp 365d \
  --out "$work/license.jwt" 2>/dev/null
owner="$("$licet" token create --data-dir "$work/owner" --role owner --name schemathesis 2>/dev/null)"

# `licet serve` on a free port (port 0); prints its base URL once it listens.
serve() {
  local name=$1; shift
  "$licet" serve --listen 127.0.0.1:0 --trust "$work/keys/jwks.json" \
    --issuer schemathesis-vendor --audience schemathesis-product "$@" >"$work/$name.out" 2>"$work/$name.log" &
  pids+=($!)
  for _ in $(seq 100); do
    local url
    url="$(sed -n 's|.*open \(http://[^/]*\)/settings/license.*|\1|p' "$work/$name.out")"
    if [ -n "$url" ]; then echo "$url"; return; fi
    sleep 0.1
  done
  cat "$work/$name.log" >&2
  fail "licet serve ($name) never listened"
}
# Anonymous: a new install, no license, the first-install window open.
anon="$(serve anon --data-dir "$work/anon")"
# Owner: a license installed from a file, every change made with the owner token.
owned="$(serve owner --data-dir "$work/owner" --license-file "$work/license.jwt")"

run() {
  local name=$1 url=$2; shift 2
  echo "scripts/schemathesis.sh: $name run against $url"
  # `timeout` bounds the whole run even if an answer never came. It runs in the temp dir, where schemathesis
  # leaves its .schemathesis/ cache, so nothing lands in the work tree.
  (cd "$work" && timeout 300 "$venv/bin/schemathesis" --config-file "$root/scripts/schemathesis.toml" \
    run "$url/v1/openapi.json" --checks all --no-color "$@")
}
status=0
run anonymous "$anon" || status=$?
run owner "$owned" -H "Authorization: Bearer $owner" || status=$?
if [ "$status" != 0 ]; then
  echo "--- licet serve logs ---" >&2
  tail -n 50 "$work"/anon.log "$work"/owner.log >&2
  fail "schemathesis found failures (exit $status); reproduce with the curl lines above"
fi
echo "scripts/schemathesis.sh: no failures"
