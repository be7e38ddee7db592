#!/usr/bin/env bash
# Runs schemathesis (a property-based API tester, from PyPI) against both of licet's HTTP servers, each from its own
# OpenAPI document (/v1/openapi.json): `licet serve` (install side) anonymously and with an owner token, and
# `licet vendor serve` (the vendor control plane) anonymously and with its admin token, on data seeded first (a
# customer, an install with entitlements, an active signing key, a license), every operation, a fixed seed, each run
# bounded in time. Fails on a 5xx, an answer outside the documented statuses or schemas, a schema-valid request
# refused or an invalid one accepted, a missing token not answered 401, or an answer slower than 5 s.
# scripts/test.sh calls it after `cargo test`. Settings: scripts/schemathesis.toml (the vendor's in its
# `[[project]]`, chosen by the document's title).
#
# The venv lives in target/schemathesis-venv (made on first use; SCHEMATHESIS_VERSION pins the release).
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

# The feature set `cargo test --workspace` built (scripts/test.sh runs this script after it): nothing recompiles.
# `-p licet-cli` alone resolves other features and recompiled 22 crates.
cargo build --quiet --locked --workspace --all-targets
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
. scripts/lib/license.sh
make_license "$licet" "$work" schemathesis-vendor schemathesis-product st
owner="$("$licet" token create --data-dir "$work/owner" --role owner --name schemathesis 2>/dev/null)"

# Prints the base URL a server just started as $name says it listens on (in $work/$name.out, through the sed
# expression given), waiting up to 10 s.
await_url() {
  local name=$1 expr=$2 what=$3
  for _ in $(seq 100); do
    local url
    url="$(sed -n "$expr" "$work/$name.out")"
    if [ -n "$url" ]; then echo "$url"; return; fi
    sleep 0.1
  done
  cat "$work/$name.out" "$work/$name.log" >&2
  fail "$what ($name) never listened"
}
# `licet serve` on a free port (port 0); prints its base URL once it listens.
serve() {
  local name=$1; shift
  "$licet" serve --listen 127.0.0.1:0 --trust "$work/keys/jwks.json" \
    --issuer schemathesis-vendor --audience schemathesis-product "$@" >"$work/$name.out" 2>"$work/$name.log" &
  pids+=($!)
  await_url "$name" 's|.*open \(http://[^/]*\)/settings/license.*|\1|p' "licet serve"
}
# Anonymous: a new install, no license, the first-install window open.
anon="$(serve anon --data-dir "$work/anon")"
# Owner: a license installed from a file, every change made with the owner token.
owned="$(serve owner --data-dir "$work/owner" --license-file "$work/license.jwt")"

# `licet vendor serve` on a free port, on its own SQLite file; prints its base URL once it listens.
vendor_admin="schemathesis-vendor-admin-token"
vendor_serve() {
  local name=$1
  "$licet" vendor serve --listen 127.0.0.1:0 --admin-token "$vendor_admin" \
    --database-url "sqlite://$work/$name.db" >"$work/$name.log" 2>"$work/$name.out" &
  pids+=($!)
  await_url "$name" 's|.*listening on \(http://[^ ]*\) .*|\1|p' "licet vendor serve"
}
# What the document's examples name (customer acme, install inst-1, org tenant-1, key k1), so that generated
# requests reach real records and not only 404s.
vendor_seed() {
  local url=$1
  call() {
    curl -fsS -o /dev/null -X "$1" -H "Authorization: Bearer $vendor_admin" -H 'content-type: application/json' \
      ${3:+--data "$3"} "$url$2" || fail "seeding the vendor server: $1 $2 failed"
  }
  call POST /v1/keys "{\"kid\": \"k1\", \"private_ref\": \"file:$work/keys/st.private.pem\", \"activate\": true}"
  call POST /v1/customers '{"id": "acme", "name": "Acme"}'
  call POST /v1/installs '{"id": "inst-1", "customer_id": "acme", "fingerprints": ["LICET-FP-1"]}'
  call PUT /v1/installs/inst-1/entitlements '{"features": ["sso"], "limits": {"users": 50}, "validity_days": 365}'
  call PUT /v1/installs/inst-1/entitlements/orgs/tenant-1 '{"id": "tenant-1", "plan": "pro"}'
  call POST /v1/installs/inst-1/licenses
}
vendor_anon="$(vendor_serve vendor-anon)"
vendor_owned="$(vendor_serve vendor-admin)"
vendor_seed "$vendor_owned"

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
run vendor-anonymous "$vendor_anon" || status=$?
run vendor-admin "$vendor_owned" -H "Authorization: Bearer $vendor_admin" || status=$?
if [ "$status" != 0 ]; then
  echo "--- server logs ---" >&2
  tail -n 50 "$work"/anon.log "$work"/owner.log "$work"/vendor-anon.log "$work"/vendor-admin.log >&2
  fail "schemathesis found failures (exit $status); reproduce with the curl lines above"
fi
echo "scripts/schemathesis.sh: no failures"
