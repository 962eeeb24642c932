#!/usr/bin/env bash
# wss interop: the Python `websockets` client (PyPI) against `ferrobahn echo`
# with --tls-cert/--tls-key, on tokio and async-std. Installs websockets and
# trustme into a venv (FERROBAHN_TLS_VENV, default /opt/ferrobahn-tls-py).
# Takes about 10 s once the venv and the binary exist.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${FERROBAHN_TLS_VENV:-/opt/ferrobahn-tls-py}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements.txt"
cd "$repo"
cargo build -q -p ferrobahn-cli
target=$(cargo metadata --format-version 1 --no-deps | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
timeout 120 "$venv/bin/python" "$here/interop.py" "$target/debug/ferrobahn"
