#!/usr/bin/env bash
# AutobahnPython interop of the ferrobahn router: installs `autobahn` (asyncio) into a
# venv, then runs the Rust integration test that starts the router and runs demos.py
# (the WAMP v2 example demos) against it over JSON, MessagePack and CBOR.
#
#   testsuite/router/run.sh            # venv in /opt/ferrobahn-py (FERROBAHN_PY_VENV overrides)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${FERROBAHN_PY_VENV:-/opt/ferrobahn-py}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements.txt"
cd "$repo"
FERROBAHN_AUTOBAHN_PY="$venv/bin/python" cargo test -p ferrobahn-router --test autobahn_py -- --nocapture
