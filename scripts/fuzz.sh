#!/usr/bin/env bash
# Runs one fuzz target with the limits docs/security.md reports:  scripts/fuzz.sh <target> [runs] [max_len]
#   targets: token claims verify config activation_request upload_body document mapping verify_mapped (see
#   fuzz/Cargo.toml); runs defaults to
#   10 000 000; max_len defaults to just above the size limit the target's parser enforces.
#   FUZZ_SECONDS=30 scripts/fuzz.sh <target>   stops after 30 s instead of after a number of runs.
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain; without one, the stable toolchain is used
# with RUSTC_BOOTSTRAP=1 (cargo-fuzz passes -Z flags). The sanitizer is off (-s none): licet is safe Rust, so
# AddressSanitizer finds nothing the Rust checks do not, and halves the throughput on a small machine. Debug
# assertions (overflow checks included) are on (-a). New corpus entries go to fuzz/corpus/<target> (not checked
# in); crashes to fuzz/artifacts/<target>. A crash, once fixed, is copied to fuzz/regressions/<target> so that
# `cargo test -p licet-fuzz` replays it for ever.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
target="${1:?usage: scripts/fuzz.sh <target> [runs] [max_len]}"
runs="${2:-10000000}"
case "$target" in
  token | verify | document | verify_mapped) default_len=70000 ;;  # the 64 KiB token limit, and past it
  activation_request) default_len=17000 ;;    # the 16 KiB request limit, and past it
  upload_body) default_len=8192 ;;            # twice the target's 4 KiB body limit
  *) default_len=65536 ;;
esac
max_len="${3:-$default_len}"
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  export RUSTC_BOOTSTRAP=1
fi
# The config target writes each input to a scratch file: on tmpfs it runs about four times faster than on disk.
if [ "$target" = config ] && [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ]; then
  export TMPDIR=/dev/shm
fi
limit=(-runs="$runs")
[ -n "${FUZZ_SECONDS:-}" ] && limit=(-max_total_time="$FUZZ_SECONDS")
mkdir -p "corpus/$target"
extra=()
[ -d "regressions/$target" ] && extra+=("regressions/$target")
exec cargo "${toolchain[@]}" fuzz run -s none -a "$target" "corpus/$target" "seeds/$target" "${extra[@]}" -- \
  "${limit[@]}" -rss_limit_mb=512 -max_len="$max_len" -timeout=10 -print_final_stats=1
