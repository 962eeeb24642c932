#!/usr/bin/env bash
# Compression interop (permessage-deflate) with implementations nobody here wrote:
#   1. the Python `websockets` library (PyPI, into a venv) as client against `ferrobahn echo`
#      and as server against our client `ws-roundtrip`, over a matrix of deflate parameters
#      (context takeover on/off, window bits 8..15), 1 KiB .. 4 MiB messages (ws_interop.py);
#   2. headless Chromium (Debian package `chromium`) on browser.html against `ferrobahn echo
#      --deflate`, tokio and async-std (browser_check.py); skipped with a notice when
#      chromium is not installed, unless FERROBAHN_REQUIRE_CHROMIUM=1.
#
#   testsuite/compression/run.sh      # venv in /opt/ferrobahn-websockets (FERROBAHN_WEBSOCKETS_VENV)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${FERROBAHN_WEBSOCKETS_VENV:-/opt/ferrobahn-websockets}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
cd "$repo"
cargo build --release -q -p ferrobahn-cli -p ferrobahn-testsuite
bin=${CARGO_TARGET_DIR:-$repo/target}/release

timeout 900 "$venv/bin/python" "$here/ws_interop.py" \
  --ferrobahn "$bin/ferrobahn" --roundtrip "$bin/ws-roundtrip"

chromium=${CHROMIUM:-chromium}
if ! command -v "$chromium" >/dev/null; then
  if [ "${FERROBAHN_REQUIRE_CHROMIUM:-0}" = 1 ]; then
    echo "browser check: $chromium not found" >&2
    exit 1
  fi
  echo "browser check: SKIPPED ($chromium not installed; apt-get install chromium)"
  exit 0
fi
for runtime in tokio async-std; do
  timeout 300 "$venv/bin/python" "$here/browser_check.py" \
    --ferrobahn "$bin/ferrobahn" --chromium "$chromium" --runtime "$runtime"
done
