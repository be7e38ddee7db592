# Sourced by the scripts that run `licet serve` against a license of their own (schemathesis.sh, status-load.sh).
# make_license LICET DIR ISSUER AUDIENCE KID: a vendor key in DIR/keys (DIR/keys/jwks.json to trust) and a license
# for customer acme (features sso and audit, 50 users, one year) in DIR/license.jwt.
make_license() {
  local licet=$1 dir=$2 iss=$3 aud=$4 kid=$5
  "$licet" keygen --kid "$kid" --out "$dir/keys" >/dev/null 2>&1
  cat > "$dir/claims.toml" <<TOML
iss = "$iss"
sub = "acme"
aud = "$aud"

[lic]
customer = { id = "acme", name = "Acme" }
features = ["sso", "audit"]
sequence = 1

[lic.limits]
users = 50
TOML
  "$licet" issue --key "$dir/keys/$kid.private.pem" --kid "$kid" --claims "$dir/claims.toml" --exp 365d \
    --out "$dir/license.jwt" 2>/dev/null
}
