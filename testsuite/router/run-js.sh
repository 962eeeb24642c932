#!/usr/bin/env bash
# AutobahnJS interop of the ferrobahn router: installs `autobahn` (npm) into
# testsuite/router/js, then runs the Rust integration test that starts the router and
# runs js/demos.js against it over JSON and MessagePack. Needs node (>= 20) and npm.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
(cd "$here/js" && npm ci --no-audit --no-fund --loglevel=error)
cd "$repo"
FERROBAHN_AUTOBAHN_JS=1 cargo test -p ferrobahn-router --test autobahn_js -- --nocapture
