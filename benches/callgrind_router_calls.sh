#!/usr/bin/env bash
# cargo build --release -p ferrobahn-cli --bin ferrobahn && cargo build --release -p ferrobahn-client --example call_bench
# benches/callgrind_router_calls.sh PHASE IN_FLIGHT [N1 N2] [SERIALIZER] [TOOL]
#   PHASE: seq (one call at a time) | batch (IN_FLIGHT calls started together, the
#   next batch when all are done) | flight (IN_FLIGHT kept in flight)
#   TOOL: callgrind (default: user-space instructions per call) | dhat (heap
#   allocations and bytes allocated per call)
# The ROUTER's cost per routed RPC call: `ferrobahn router` (one tokio worker) runs
# under valgrind, driven natively by crates/ferrobahn-client/examples/call_bench.rs
# (caller and callee of a 64 B echo in one process). The router is started afresh for
# N1 and for N2 calls (defaults 1000, 5000) and stopped with SIGINT (a graceful
# shutdown, so valgrind writes its totals); the difference divided by N2 - N1 leaves
# out start-up, handshakes, joins and shutdown. Independent of machine load; kernel
# work is not counted. ROUTER_BIN=path runs another build of `ferrobahn` (a baseline).
# KEEP=dir keeps the tool's output of the N2 run there (callgrind.out / dhat.json), for
# `callgrind_annotate --inclusive=yes dir/callgrind.out`.
# benches/callgrind_calls.sh measures the client side.
set -eu
T=${CARGO_TARGET_DIR:-target}/release
router_bin=${ROUTER_BIN:-$T/ferrobahn}
phase=$1 inflight=$2 n1=${3:-1000} n2=${4:-5000} ser=${5:-wamp.2.msgpack} tool=${6:-callgrind}
dir=$(mktemp -d)
router=
trap '[ -n "$router" ] && kill "$router" 2>/dev/null; rm -rf "$dir"' EXIT

# Runs N calls against a router under valgrind; prints the router's count.
measure() {
  local n=$1 port line i
  port=$((20000 + RANDOM % 20000))
  case $tool in
    callgrind) set -- --tool=callgrind --callgrind-out-file="$dir/cg.$n" ;;
    dhat) set -- --tool=dhat --dhat-out-file="$dir/dhat.$n.json" ;;
    *) echo "TOOL: callgrind or dhat, not $tool" >&2; exit 2 ;;
  esac
  RUST_LOG=warn TOKIO_WORKER_THREADS=1 timeout 600 valgrind "$@" \
    "$router_bin" router --listen "127.0.0.1:$port" > "$dir/router.$n" 2> "$dir/vg.$n" &
  router=$!
  # Wait (at most 60 s) for the router to listen.
  for i in $(seq 600); do
    grep -q "listening on" "$dir/router.$n" 2>/dev/null && break
    sleep 0.1
  done
  timeout 600 "$T/examples/call_bench" "ws://127.0.0.1:$port/ws" "$n" "$inflight" "$ser" 64 "$phase" \
    > "$dir/bench.$n"
  kill -INT "$router"
  wait "$router" || true
  router=
  case $tool in
    callgrind) awk '/^(summary|totals):/ {print $2; exit}' "$dir/cg.$n" ;;
    # "Total:     123,456 bytes in 789 blocks"
    dhat) awk '/Total:/ {gsub(",", ""); print $3, $6; exit}' "$dir/vg.$n" ;;
  esac
}

a=$(measure "$n1")
b=$(measure "$n2")
if [ -n "${KEEP:-}" ]; then
  mkdir -p "$KEEP"
  case $tool in
    callgrind) cp "$dir/cg.$n2" "$KEEP/callgrind.out" ;;
    dhat) cp "$dir/dhat.$n2.json" "$KEEP/dhat.json" ;;
  esac
fi
case $tool in
  callgrind)
    echo "router $phase in_flight=$inflight $ser: $(( (b - a) / (n2 - n1) )) instructions/call" ;;
  dhat)
    read -r abytes ablocks <<< "$a"
    read -r bbytes bblocks <<< "$b"
    awk -v d=$((n2 - n1)) -v k=$((bblocks - ablocks)) -v y=$((bbytes - abytes)) \
      -v p="$phase" -v f="$inflight" -v s="$ser" \
      'BEGIN { printf "router %s in_flight=%s %s: %.2f allocations/call, %.0f bytes/call\n", p, f, s, k / d, y / d }' ;;
esac
