#!/usr/bin/env bash
# Runs one fuzz target with the limits docs/security.md reports:  scripts/fuzz.sh <target> [runs] [max_len]
#   targets: token claims verify (see fuzz/Cargo.toml); runs defaults to 10 000 000.
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). The sanitizer is off (-s none): licet is
# safe Rust, so AddressSanitizer finds nothing the Rust checks do not, and halves the throughput on a small
# machine. Debug assertions (overflow checks included) are on (-a). New corpus entries go to fuzz/corpus/<target>
# (not checked in); crashes to fuzz/artifacts/<target>. A crash, once fixed, is copied to fuzz/regressions/<target>
# so that `cargo test -p licet-fuzz` replays it for ever.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
target="${1:?usage: scripts/fuzz.sh <target> [runs] [max_len]}"
runs="${2:-10000000}"
max_len="${3:-70000}"
mkdir -p "corpus/$target"
extra=()
[ -d "regressions/$target" ] && extra+=("regressions/$target")
exec cargo +nightly fuzz run -s none -a "$target" "corpus/$target" "seeds/$target" "${extra[@]}" -- \
  -runs="$runs" -rss_limit_mb=512 -max_len="$max_len" -timeout=10 -print_final_stats=1
