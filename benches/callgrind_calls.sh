#!/usr/bin/env bash
# cargo build --release -p ferrobahn-cli -p ferrobahn-client --example call_bench
# benches/callgrind_calls.sh PHASE IN_FLIGHT [N1 N2] [SERIALIZER]
#   PHASE: seq (one call at a time) | batch (IN_FLIGHT calls started together, the
#   next batch when all are done) | flight (IN_FLIGHT kept in flight)
# User-space instructions per RPC call of the WAMP client, caller and callee in one
# thread (crates/ferrobahn-client/examples/call_bench.rs) against `ferrobahn router`
# (run natively): callgrind counts the client process for N1 and N2 calls (defaults
# 1000, 5000) and prints the difference divided by N2 - N1, so start-up, handshakes
# and joins cancel out. Independent of machine load; kernel work is not counted.
# CLIENT_BIN=path runs another build of call_bench (a baseline).
set -eu
T=${CARGO_TARGET_DIR:-target}/release
client_bin=${CLIENT_BIN:-$T/examples/call_bench}
phase=$1 inflight=$2 n1=${3:-1000} n2=${4:-5000} ser=${5:-wamp.2.msgpack}
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
"$T/ferrobahn" router --listen "127.0.0.1:$port" > "$dir/router.out" 2>&1 &
router=$!
trap 'kill $router 2>/dev/null; rm -rf "$dir"' EXIT
sleep 0.5
ir() {
  timeout 300 valgrind --tool=callgrind --callgrind-out-file="$dir/cg.$1" \
    "$client_bin" "ws://127.0.0.1:$port/ws" "$1" "$inflight" "$ser" 64 "$phase" \
    > /dev/null 2> "$dir/vg.$1"
  awk '/^(summary|totals):/ {print $2; exit}' "$dir/cg.$1"
}
a=$(ir "$n1")
b=$(ir "$n2")
echo "$phase in_flight=$inflight $ser: $(( (b - a) / (n2 - n1) )) instructions/call"
