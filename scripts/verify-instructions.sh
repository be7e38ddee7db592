#!/usr/bin/env bash
# Instructions per license verification, counted by callgrind (repeatable on a shared machine, unlike wall time):
# licet's full `Verifier::verify`, the bare ed25519-dalek check of the same signature, and `jsonwebtoken`'s EdDSA
# `decode` into licet's typed claims and into a `serde_json::Value`, on the tests' typical ~1 KB license.
# Per verification = (Ir(2N) - Ir(N)) / N, so start-up and key parsing cancel out.
#
#   scripts/verify-instructions.sh          # N = 200
set -euo pipefail
cd "$(dirname "$0")/.."
N="${ITERATIONS:-200}"
command -v valgrind >/dev/null || { echo "verify-instructions: valgrind is required" >&2; exit 2; }
cargo build --release --quiet -p licet-core --example verify_loop
bin=target/release/examples/verify_loop
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ir() { # $1 = measurement, $2 = iterations
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg" "$bin" "$1" "$2" >/dev/null 2>"$WORK/err"
  grep -m1 '^summary:' "$WORK/cg" | awk '{print $2}'
}
declare -A per
for m in raw licet jwt-typed jwt-value; do
  a=$(ir "$m" "$N"); b=$(ir "$m" $((2 * N)))
  per[$m]=$(( (b - a) / N ))
  printf '%-10s %10d instructions per verification\n' "$m" "${per[$m]}"
done
awk -v l="${per[licet]}" -v r="${per[raw]}" -v t="${per[jwt-typed]}" -v v="${per[jwt-value]}" 'BEGIN {
  printf "licet / raw ed25519-dalek      %.2fx (target <= 1.30x)\n", l / r
  printf "licet / jsonwebtoken typed     %.2fx (target < 1.00x)\n", l / t
  printf "licet / jsonwebtoken Value     %.2fx\n", l / v }'
