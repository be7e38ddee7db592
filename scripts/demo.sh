#!/usr/bin/env bash
# Sets up and runs the licet demo on a fresh machine: builds the CLI, makes a demo vendor key (`licet keygen`),
# issues a demo license (`licet issue`), and starts `licet serve` with the embedded SQLite store in .demo/,
# seeded with that license. Open the printed URL for Settings → License. Ctrl-C stops it.
# LICET_DEMO_LISTEN (default 127.0.0.1:8087) chooses the address.
set -euo pipefail
cd "$(dirname "$0")/.."
# The same build as the test command's (`cargo test --workspace` = every target, dev-dependencies' features
# unified in): `cargo build -p licet-cli` alone resolves other features and recompiled 22 crates after a test run
# (4 min here), and a release build would compile everything a second time. Measured in docs/performance.md.
cargo build --locked --workspace --all-targets
bin="${CARGO_TARGET_DIR:-target}/debug/licet"
dir=.demo
mkdir -p "$dir"

if [ ! -f "$dir/keys/demo-vendor-1.private.pem" ]; then
  "$bin" keygen --kid demo-vendor-1 --out "$dir/keys"
fi

cat > "$dir/claims.toml" <<'TOML'
iss = "demo-vendor"
sub = "demo-customer"
aud = "demo-product"

[lic]
edition = "enterprise"
products = ["reports", "connectors"]
features = ["sso", "audit-export"]
sequence = 1

[lic.customer]
id = "acme"
name = "Acme Corp (demo)"

[lic.limits]
users = 50
agents = "unlimited"

[[lic.orgs]]
id = "engineering"
plan = "team"
features = ["sso"]
TOML

if [ ! -f "$dir/demo.lic" ]; then
  "$bin" issue --key "$dir/keys/demo-vendor-1.private.pem" --kid demo-vendor-1 \
    --claims "$dir/claims.toml" --exp 365d --format armored --out "$dir/demo.lic"
fi

# The license is seeded from a file, so the first-install window never opens: mint the owner token from the shell.
if [ ! -f "$dir/owner-token" ]; then
  "$bin" token create --data-dir "$dir/data" --role owner --name demo-owner > "$dir/owner-token"
fi

echo "demo license: $dir/demo.lic (installed on first start)"
echo "owner token (paste it into the page's API token box to make changes): $(cat "$dir/owner-token")"
exec "$bin" serve \
  --data-dir "$dir/data" \
  --listen "${LICET_DEMO_LISTEN:-127.0.0.1:8087}" \
  --profile sovereign \
  --trust "$dir/keys/jwks.json" \
  --issuer demo-vendor --audience demo-product \
  --license-file "$dir/demo.lic"
