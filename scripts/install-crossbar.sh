#!/usr/bin/env bash
# install-crossbar.sh - install Crossbar.io, the reference WAMP router, into a
# virtualenv for ferrobahn's client integration tests (crates/ferrobahn-client).
#
# Usage:  scripts/install-crossbar.sh [PREFIX]
#         (default $CROSSBAR_PREFIX or /opt/crossbar-venv)
# Env:    CROSSBAR_VERSION (default 26.10.1), CROSSBAR_PYTHON (default python3;
#         Python 3.11 is known to work).
# Output: progress on stderr; the last line on stdout is the crossbar launcher
#         path, which the tests read from env FERROBAHN_CROSSBAR.
# Re-run safe: an existing venv with the right version is only checked.
set -euo pipefail

CROSSBAR_VERSION=${CROSSBAR_VERSION:-26.10.1}
PY=${CROSSBAR_PYTHON:-python3}

say() { printf '[install-crossbar] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

PREFIX=${1:-${CROSSBAR_PREFIX:-/opt/crossbar-venv}}
case "$PREFIX" in /*) ;; *) PREFIX="$PWD/$PREFIX" ;; esac

command -v "$PY" >/dev/null || die "$PY not found (set CROSSBAR_PYTHON)"
"$PY" -c 'import sys; assert sys.version_info >= (3, 9), sys.version' \
  || die "$PY is older than Python 3.9"

installed_version() {
  "$PREFIX/bin/python" -c 'import importlib.metadata as m; print(m.version("crossbar"))' 2>/dev/null || true
}

if [ -x "$PREFIX/bin/crossbar" ] && [ "$(installed_version)" = "$CROSSBAR_VERSION" ]; then
  say "crossbar $CROSSBAR_VERSION already in $PREFIX"
else
  if [ ! -x "$PREFIX/bin/python" ]; then
    say "creating virtualenv $PREFIX with $("$PY" --version 2>&1)"
    "$PY" -m venv "$PREFIX"
  fi
  export PIP_DISABLE_PIP_VERSION_CHECK=1
  say "upgrading pip, setuptools, wheel"
  "$PREFIX/bin/python" -m pip install --upgrade pip setuptools wheel >&2
  say "installing crossbar==$CROSSBAR_VERSION (takes a few minutes)"
  "$PREFIX/bin/python" -m pip install "crossbar==$CROSSBAR_VERSION" >&2
fi

out=$(cd / && "$PREFIX/bin/crossbar" version 2>&1) || die "crossbar version failed: $out"
case "$out" in
  *"$CROSSBAR_VERSION"*) ;;
  *) die "unexpected crossbar version output: $out" ;;
esac
say "ok: crossbar $CROSSBAR_VERSION in $PREFIX"
echo "$PREFIX/bin/crossbar"
