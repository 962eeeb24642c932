#!/usr/bin/env bash
# Cross-implementation WAMP serialization vectors with AutobahnPython, both directions:
# AutobahnPython encodes -> ferrobahn decodes; ferrobahn encodes -> AutobahnPython decodes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${FERROBAHN_VECTORS_VENV:-/tmp/ferrobahn-wamp-venv}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
PYBJDATA_NO_EXTENSION=1 "$venv/bin/pip" install -q -r "$here/requirements.txt"
"$venv/bin/python" "$here/vectors.py" gen "$dir"
(cd "$repo" && FERROBAHN_WAMP_VECTORS="$dir" cargo test -p ferrobahn-serializers --all-features --test vectors)
"$venv/bin/python" "$here/vectors.py" check "$dir"
