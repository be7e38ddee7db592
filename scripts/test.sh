#!/usr/bin/env bash
# The README's test command: installs what the test suite needs on a fresh machine, then runs the whole suite.
# `.ci/run` calls exactly this script, so a newcomer's first run and CI run the same thing.
#
# What it installs when missing (Debian's packages, as root or through sudo; cargo-fuzz from crates.io):
#   chromium + chromium-driver  browser tests of licet-server's page and licet-vendor's console (headless, WebDriver)
#   softhsm2                    HSM tests of licet-cli and licet-vendor (a software PKCS#11 token)
#   openssl                     key interop tests (keys made by `licet keygen` used by OpenSSL, and the reverse)
#   curl                        scripts/schemathesis.sh seeds the vendor server with it
#   prometheus (promtool) + python3-prometheus-client
#                               licet-server's /metrics format tests (`promtool check metrics`, the strict parser)
#   cargo-fuzz                  licet-fuzz's `libfuzzer` test (LICET_FUZZ_SECONDS per target; 0 turns it off)
#   python3-venv + schemathesis scripts/schemathesis.sh's API runs against licet serve and licet vendor serve
#                               (schemathesis pinned, from PyPI into target/schemathesis-venv)
# PostgreSQL: the store, runtime and server suites also run against the PostgreSQL at LICET_TEST_DATABASE_URL
# (default postgres://postgres@127.0.0.1:5432/test). If nothing answers there the script stops with a sentence
# rather than letting those tests skip; LICET_SKIP_POSTGRES=1 runs without them, on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "scripts/test.sh: $*" >&2; exit 1; }
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else fail "cannot install $* without root or sudo; install it by hand and run again"
  fi
}

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
[ -e /usr/lib/softhsm/libsofthsm2.so ] || missing+=(softhsm2)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v promtool >/dev/null || missing+=(prometheus)
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null || missing+=(python3-prometheus-client)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "scripts/test.sh: installing ${missing[*]} (Debian packages)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || fail "apt-get update failed; the suite needs ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
    || fail "could not install ${missing[*]}; the browser, HSM, key interop and metrics format tests need them"
fi

export LICET_FUZZ_SECONDS="${LICET_FUZZ_SECONDS:-15}"
if [ "$LICET_FUZZ_SECONDS" != 0 ] && ! command -v cargo-fuzz >/dev/null; then
  echo "scripts/test.sh: installing cargo-fuzz 0.13.2 (licet-fuzz's libfuzzer test)"
  cargo install cargo-fuzz --locked --version 0.13.2 || fail "could not install cargo-fuzz; set LICET_FUZZ_SECONDS=0 to skip the live fuzz run"
fi

if [ "${LICET_SKIP_POSTGRES:-0}" != 1 ]; then
  export LICET_TEST_DATABASE_URL="${LICET_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
  hostport="${LICET_TEST_DATABASE_URL#*@}"; hostport="${hostport%%/*}"
  host="${hostport%%:*}"; port="${hostport##*:}"; [ "$port" = "$hostport" ] && port=5432
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null \
    || fail "no PostgreSQL answers at $host:$port (LICET_TEST_DATABASE_URL=$LICET_TEST_DATABASE_URL); start it, point LICET_TEST_DATABASE_URL elsewhere, or set LICET_SKIP_POSTGRES=1 to run without the PostgreSQL tests"
else
  unset LICET_TEST_DATABASE_URL
  echo "scripts/test.sh: LICET_SKIP_POSTGRES=1: the PostgreSQL variants of the store, runtime and server tests do not run"
fi

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
cargo fmt --all --check || fail "cargo fmt --check found unformatted code; run cargo fmt"
# clippy.toml bans clock reads in core and the crates deny unwrap/panic on input: only clippy enforces that.
cargo clippy --workspace --all-targets --locked -- -D warnings || fail "cargo clippy found warnings (see above)"
cargo test --workspace --locked
# licet serve against its own OpenAPI document, by schemathesis (PyPI, into target/schemathesis-venv); about a minute.
scripts/schemathesis.sh
