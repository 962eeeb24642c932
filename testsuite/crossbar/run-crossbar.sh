#!/bin/sh
# run-crossbar.sh CBDIR CROSSBAR: run a Crossbar.io node for the tests and stop it when
# the process that started this script exits (the test binary), or on SIGTERM; then
# remove CBDIR (env FERROBAHN_CROSSBAR_KEEP=1 keeps it, with node.log).
set -eu
CBDIR=$1
CROSSBAR=$2
WATCH=${PPID}
"$CROSSBAR" start --cbdir "$CBDIR" --loglevel warn >"$CBDIR/node.log" 2>&1 &
CB=$!
stop() {
  kill -TERM "$CB" 2>/dev/null || true
  wait "$CB" 2>/dev/null || true
  [ -n "${FERROBAHN_CROSSBAR_KEEP:-}" ] || rm -rf "$CBDIR"
}
trap 'stop; exit 0' TERM INT HUP
while kill -0 "$WATCH" 2>/dev/null && kill -0 "$CB" 2>/dev/null; do
  sleep 0.5
done
stop
