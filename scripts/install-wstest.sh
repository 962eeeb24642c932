#!/usr/bin/env bash
# install-wstest.sh - install the Autobahn WebSocket Testsuite (`wstest`, PyPI
# package `autobahntestsuite`, Python 2.7 only) on Debian 12 without Docker and
# without a system Python 2.
#
# Steps (each one is skipped when its marker says it is already done):
#   1. python  - CPython 2.7 comes from Debian bullseye .debs. A private apt
#                state under PREFIX/apt (own sources list, lists, cache and an
#                empty dpkg status) downloads them, `dpkg-deb -x` unpacks them
#                into PREFIX/py27. /etc/apt, the dpkg database and /usr stay
#                untouched. WSTEST_PYTHON2=/path/to/python2.7 uses an existing
#                interpreter instead.
#   2. pip     - pip 20.3.4 (the last release for Python 2) is fetched as a
#                wheel by the host's python3 and installs itself, setuptools 44
#                and wheel into PYTHONUSERBASE=PREFIX/site.
#   3. wstest  - autobahntestsuite from PyPI with every dependency pinned by a
#                constraints file (some unpinned transitive dependencies have
#                newer releases that no longer import on Python 2).
#   4. launch  - PREFIX/bin/wstest and PREFIX/bin/python2.7 set LD_LIBRARY_PATH
#                and PYTHONUSERBASE, then exec the real thing.
#   5. check   - `wstest --autobahnversion` and an import smoke test.
#
# Usage:  scripts/install-wstest.sh [PREFIX]   (default $WSTEST_PREFIX or /opt/wstest)
# Output: progress on stderr; the last line on stdout is the wstest launcher path.
# Needs:  apt-get, dpkg-deb, python3 with pip, gcc (installed via apt if
#         missing), write access to PREFIX, network access to deb.debian.org
#         and PyPI. Delete PREFIX to start over.
set -euo pipefail

readonly TESTSUITE_VERSION=25.10.1
readonly PIP_VERSION=20.3.4
readonly SUITE=bullseye
readonly DEBS="python2.7 python2.7-minimal python2.7-dev libpython2.7 libpython2.7-minimal
               libpython2.7-stdlib libpython2.7-dev libssl1.1 libffi7"

say() { printf '[install-wstest] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

PREFIX=${1:-${WSTEST_PREFIX:-/opt/wstest}}
case "$PREFIX" in /*) ;; *) PREFIX="$PWD/$PREFIX" ;; esac
mkdir -p "$PREFIX"
PREFIX=$(cd "$PREFIX" && pwd -P)

case "$(dpkg --print-architecture)" in
  amd64) ARCH=amd64 TRIPLET=x86_64-linux-gnu ;;
  arm64) ARCH=arm64 TRIPLET=aarch64-linux-gnu ;;
  *) die "unsupported architecture $(dpkg --print-architecture)" ;;
esac

readonly APTDIR=$PREFIX/apt DEBDIR=$PREFIX/apt/debs PYROOT=$PREFIX/py27
readonly SITE=$PREFIX/site BIN=$PREFIX/bin CACHE=$PREFIX/cache
readonly PY=$PYROOT/usr/bin/python2.7
readonly PIPFLAGS="--disable-pip-version-check --no-python-version-warning --no-warn-script-location"

# Run the unpacked interpreter with its own libraries and user site.
use_py27_env() {
  export LD_LIBRARY_PATH="$PYROOT/usr/lib/$TRIPLET${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PYTHONUSERBASE="$SITE" PIP_CACHE_DIR="$CACHE/pip"
  unset PYTHONHOME PYTHONPATH PYTHONNOUSERSITE PYTHONSTARTUP
}

check_tools() {
  local t
  for t in apt-get dpkg-deb python3; do
    command -v "$t" >/dev/null || die "$t not found"
  done
  python3 -m pip --version >/dev/null 2>&1 || die "python3 has no pip (apt-get install python3-pip)"
  if ! command -v gcc >/dev/null || [ ! -e /usr/include/stdio.h ]; then
    say "installing gcc and libc6-dev (wsaccel is compiled from source)"
    apt-get install -y --no-install-recommends gcc libc6-dev >&2 \
      || { apt-get update >&2 && apt-get install -y --no-install-recommends gcc libc6-dev >&2; }
  fi
}

write_apt_config() {
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -f "$keyring" ] || die "$keyring missing (apt-get install debian-archive-keyring)"
  mkdir -p "$APTDIR/etc/sources.list.d" "$APTDIR/etc/preferences.d" \
           "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$DEBDIR"
  printf 'deb [signed-by=%s] http://deb.debian.org/debian %s main\n' "$keyring" "$SUITE" \
    > "$APTDIR/etc/sources.list"
  printf 'deb [signed-by=%s] http://deb.debian.org/debian-security %s-security main\n' \
    "$keyring" "$SUITE" >> "$APTDIR/etc/sources.list"
  : > "$APTDIR/status"
  cat > "$APTDIR/apt.conf" <<EOF
Dir::Etc::SourceList "$APTDIR/etc/sources.list";
Dir::Etc::SourceParts "$APTDIR/etc/sources.list.d";
Dir::Etc::Preferences "$APTDIR/etc/preferences";
Dir::Etc::PreferencesParts "$APTDIR/etc/preferences.d";
Dir::State::Lists "$APTDIR/lists";
Dir::State::status "$APTDIR/status";
Dir::Cache "$APTDIR/cache";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Architecture "$ARCH";
APT::Architectures { "$ARCH"; };
APT::Sandbox::User "root";
Acquire::Check-Valid-Until "false";
Acquire::Languages "none";
Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled "false";
EOF
}

step_python() {
  [ -f "$PYROOT/.done" ] && return 0
  if [ -n "${WSTEST_PYTHON2:-}" ]; then
    "$WSTEST_PYTHON2" -c 'import sys, ssl, ctypes, zlib; assert sys.version_info[:2] == (2, 7)' \
      || die "WSTEST_PYTHON2=$WSTEST_PYTHON2 is not a usable Python 2.7"
    say "using $WSTEST_PYTHON2 (no Debian packages fetched)"
    rm -rf "$PYROOT" && mkdir -p "$PYROOT/usr/bin"
    ln -s "$(readlink -f "$WSTEST_PYTHON2")" "$PY"
    touch "$PYROOT/.done"
    return 0
  fi
  if [ ! -f "$DEBDIR/.done" ]; then
    say "downloading CPython 2.7 packages from Debian $SUITE (private apt state in $APTDIR)"
    write_apt_config
    # APT_CONFIG is read first; /etc/apt/apt.conf.d still applies (proxies),
    # but sources, lists, cache and status above replace the system's.
    APT_CONFIG="$APTDIR/apt.conf" apt-get update >&2
    rm -f "$DEBDIR"/*.deb
    # shellcheck disable=SC2086
    (cd "$DEBDIR" && APT_CONFIG="$APTDIR/apt.conf" apt-get download $DEBS >&2)
    local p
    for p in $DEBS; do
      compgen -G "$DEBDIR/${p}_*.deb" >/dev/null || die "package $p was not downloaded"
    done
    touch "$DEBDIR/.done"
  fi
  say "unpacking into $PYROOT"
  rm -rf "$PYROOT" && mkdir -p "$PYROOT"
  local deb
  for deb in "$DEBDIR"/*.deb; do dpkg-deb -x "$deb" "$PYROOT"; done
  # Debian's sitecustomize.py links to /etc/python2.7; use the unpacked copy.
  local sc=$PYROOT/usr/lib/python2.7/sitecustomize.py
  [ -L "$sc" ] && ln -sfn ../../../etc/python2.7/sitecustomize.py "$sc"
  (use_py27_env; "$PY" -c 'import ssl, ctypes, zlib, bz2, hashlib, sqlite3' >&2) \
    || die "the unpacked Python 2.7 cannot import its standard modules"
  touch "$PYROOT/.done"
}

step_pip() {
  use_py27_env
  mkdir -p "$SITE" "$BIN" "$CACHE/pip"
  if [ -d "$SITE/lib/python2.7/site-packages/pip-$PIP_VERSION.dist-info" ] \
     && "$PY" -m pip --version >/dev/null 2>&1; then
    return 0
  fi
  say "bootstrapping pip $PIP_VERSION for Python 2.7"
  local wheels=$CACHE/bootstrap wheel
  wheel=$wheels/pip-$PIP_VERSION-py2.py3-none-any.whl
  mkdir -p "$wheels"
  if [ ! -f "$wheel" ]; then
    (unset LD_LIBRARY_PATH PYTHONUSERBASE
     python3 -m pip download --disable-pip-version-check --no-deps --only-binary=:all: \
       -d "$wheels" "pip==$PIP_VERSION" >&2)
  fi
  # A pip wheel can run itself: python wheel/pip install ...
  # shellcheck disable=SC2086
  "$PY" "$wheel/pip" install --user $PIPFLAGS \
    "pip==$PIP_VERSION" setuptools==44.0.0 wheel==0.37.1 >&2
}

# Versions known to install and import together on Python 2.7.
write_constraints() {
  cat > "$PREFIX/constraints.txt" <<EOF
autobahntestsuite==$TESTSUITE_VERSION
autobahn==0.10.9
Automat==20.2.0
PyHamcrest==1.10.1
Twisted==19.10.0
Werkzeug==1.0.1
attrs==21.4.0
cffi==1.15.1
constantly==15.1.0
cryptography==3.3.2
enum34==1.1.10
hyperlink==21.0.0
idna==2.10
incremental==16.10.1
ipaddress==1.0.23
jinja2==2.11.3
klein==17.10.0
linecache2==1.0.0
markupsafe==1.1.1
pyOpenSSL==19.1.0
pyasn1==0.5.1
pyasn1-modules==0.3.0
pycparser==2.21
service-identity==18.1.0
setuptools==44.0.0
six==1.16.0
traceback2==1.4.0
txaio==2.1.0
typing==3.10.0.0
ujson==2.0.3
unittest2==1.1.0
wsaccel==0.6.6
zope.interface==4.6.0
EOF
}

step_testsuite() {
  use_py27_env
  if [ -f "$SITE/.done-$TESTSUITE_VERSION" ] && [ -x "$SITE/bin/wstest" ]; then
    return 0
  fi
  write_constraints
  say "installing autobahntestsuite==$TESTSUITE_VERSION with pinned dependencies"
  # Debian's headers live under PYROOT; point the compiler there (wsaccel, ujson).
  # shellcheck disable=SC2086
  CFLAGS="-I$PYROOT/usr/include -I$PYROOT/usr/include/python2.7 ${CFLAGS:-}" \
    "$PY" -m pip install --user $PIPFLAGS --no-build-isolation \
      -c "$PREFIX/constraints.txt" "autobahntestsuite==$TESTSUITE_VERSION" >&2
  "$PY" -m pip check --no-python-version-warning >&2 || die "pip check failed"
  touch "$SITE/.done-$TESTSUITE_VERSION"
}

# write_launcher NAME COMMAND...: a /bin/sh wrapper that sets up the environment.
write_launcher() {
  local name=$1; shift
  cat > "$BIN/$name.tmp" <<EOF
#!/bin/sh
# Generated by ferrobahn scripts/install-wstest.sh (CPython 2.7 in $PYROOT).
P='$PREFIX'
LD_LIBRARY_PATH="\$P/py27/usr/lib/$TRIPLET\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
PYTHONUSERBASE="\$P/site"
export LD_LIBRARY_PATH PYTHONUSERBASE
unset PYTHONHOME PYTHONPATH PYTHONNOUSERSITE PYTHONSTARTUP
exec $* "\$@"
EOF
  chmod 755 "$BIN/$name.tmp"
  mv -f "$BIN/$name.tmp" "$BIN/$name"
}

step_launchers() {
  write_launcher python2.7 '"$P/py27/usr/bin/python2.7"'
  write_launcher wstest '"$P/py27/usr/bin/python2.7"' '"$P/site/bin/wstest"'
}

step_check() {
  local out
  out=$(cd / && env -u LD_LIBRARY_PATH -u PYTHONUSERBASE "$BIN/wstest" --autobahnversion 2>&1) \
    || die "wstest --autobahnversion failed: $out"
  case "$out" in
    *"AutobahnTestSuite $TESTSUITE_VERSION"*) ;;
    *) die "unexpected wstest --autobahnversion output: $out" ;;
  esac
  env -u LD_LIBRARY_PATH -u PYTHONUSERBASE "$BIN/python2.7" -c '
import autobahntestsuite.fuzzing, OpenSSL.SSL, wsaccel.utf8validator, wsaccel.xormask, ujson
from twisted.internet import reactor
assert "EPoll" in type(reactor).__name__, type(reactor).__name__
' >&2 || die "import check failed"
  say "ok: $(printf '%s' "$out" | tr '\n' ' ')"
}

check_tools
step_python
step_pip
step_testsuite
step_launchers
step_check
echo "$BIN/wstest"
