#!/usr/bin/env bash
# Regenerates docs/license-page.png from the browser test (headless Chromium; needs chromium and chromium-driver).
set -euo pipefail
cd "$(dirname "$0")/.."
LICET_UPDATE_SCREENSHOT=1 cargo test -p licet-server --test it browser::import_an_offline_file -- --exact --nocapture 2>/dev/null \
  || LICET_UPDATE_SCREENSHOT=1 cargo test -p licet-server --test it browser::import_an_offline_file
echo "wrote docs/license-page.png"
