#!/usr/bin/env bash
# Regenerates the fuzz seed corpora (fuzz/seeds/<target>/) from tokens issued with licet-core's test-only keys.
# Deterministic: re-running it on an unchanged tree changes nothing. The replay test (cargo test -p licet-fuzz)
# feeds every seed and every fuzz/regressions/ file through the fuzz targets.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet -p licet-fuzz --bin licet-fuzz-seeds -- fuzz/seeds
