#!/bin/sh
# run-crossbar.sh CBDIR CROSSBAR: run a Crossbar.io node for the tests and stop it when
# the process that started this script exits (the test binary), or on SIGTERM.
set -eu
CBDIR=$1
CROSSBAR=$2
WATCH=${PPID}
"$CROSSBAR" start --cbdir "$CBDIR" --loglevel warn >"$CBDIR/node.log" 2>&1 &
CB=$!
trap 'kill -TERM $CB 2>/dev/null; wait $CB 2>/dev/null; exit 0' TERM INT HUP
while kill -0 "$WATCH" 2>/dev/null && kill -0 "$CB" 2>/dev/null; do
  sleep 0.5
done
kill -TERM "$CB" 2>/dev/null || true
wait "$CB" 2>/dev/null || true
