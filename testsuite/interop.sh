#!/usr/bin/env bash
# Interop runs against implementations nobody here wrote; installs what they need:
#   1. WAMP serialization vectors with AutobahnPython, both directions (testsuite/wamp)
#   2. AutobahnPython components (seed demos, advanced options, auth) against our router
#   3. AutobahnJS (npm) in Node against our router, JSON and MessagePack
#   4. our WAMP client against Crossbar.io (PyPI), on tokio and async-std
#   5. permessage-deflate with the Python `websockets` library (PyPI) both ways, and
#      headless Chromium against our echo server (testsuite/compression/run.sh)
#   5. wss: the Python `websockets` client (PyPI) against `ferrobahn echo --tls-cert` (testsuite/tls)
# Each part prints its own results; the script fails on the first failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"

part() { printf '\n---- interop: %s\n' "$1"; }

part "WAMP vectors (AutobahnPython)"
bash testsuite/wamp/run-vectors.sh

part "router x AutobahnPython"
bash testsuite/router/run.sh

part "router x AutobahnJS"
bash testsuite/router/run-js.sh

part "client x Crossbar.io"
crossbar=$(bash scripts/install-crossbar.sh | tail -n 1)
FERROBAHN_CROSSBAR="$crossbar" cargo test -p ferrobahn-client

part "wss x Python websockets"
bash testsuite/tls/run.sh

part "compression x websockets (Python), headless Chromium"
FERROBAHN_REQUIRE_CHROMIUM=${FERROBAHN_REQUIRE_CHROMIUM:-1} bash testsuite/compression/run.sh
