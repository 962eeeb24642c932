#!/usr/bin/env bash
# cargo build --release -p ferrobahn-cli --bin ferrobahn && cargo build --release -p ferrobahn-wamp-bench --bin wamp-driver
# benches/callgrind_router_fanout.sh SUBSCRIBERS [SIZE] [N1 N2] [SERIALIZER] [TOOL]
#   TOOL: callgrind (default: user-space instructions per delivered event and per
#   publication) | dhat (heap allocations and bytes allocated per publication)
# The ROUTER's cost of PubSub fan-out: `ferrobahn router` (one tokio worker) runs under
# valgrind, driven natively by `wamp-driver fanout --light --publications N` (one
# publisher, SUBSCRIBERS light subscribers of one topic, SIZE-byte string payloads,
# defaults 10 and 4096). The router is started afresh for N1 and for N2 publications
# (defaults 200, 1200) and stopped with SIGINT (a graceful shutdown, so valgrind
# writes its totals); the difference divided by N2 - N1 leaves out start-up,
# handshakes, joins, subscribes and shutdown. Independent of machine load; kernel work
# is not counted. ROUTER_BIN=path runs another build of `ferrobahn` (a baseline);
# KEEP=dir keeps the N2 run's callgrind file there (for callgrind_annotate).
set -eu
T=${CARGO_TARGET_DIR:-target}/release
router_bin=${ROUTER_BIN:-$T/ferrobahn}
subs=$1 size=${2:-4096} n1=${3:-200} n2=${4:-1200} ser=${5:-wamp.2.msgpack} tool=${6:-callgrind}
dir=$(mktemp -d)
router=
trap '[ -n "$router" ] && kill "$router" 2>/dev/null; rm -rf "$dir"' EXIT

# Runs N publications against a router under valgrind; prints the router's count.
measure() {
  local n=$1 port i
  port=$((20000 + RANDOM % 20000))
  case $tool in
    callgrind) set -- --tool=callgrind --callgrind-out-file="$dir/cg.$n" ;;
    dhat) set -- --tool=dhat --dhat-out-file="$dir/dhat.$n.json" ;;
    *) echo "TOOL: callgrind or dhat, not $tool" >&2; exit 2 ;;
  esac
  RUST_LOG=warn TOKIO_WORKER_THREADS=1 timeout 900 valgrind "$@" \
    "$router_bin" router --listen "127.0.0.1:$port" > "$dir/router.$n" 2> "$dir/vg.$n" &
  router=$!
  # Wait (at most 60 s) for the router to listen.
  for i in $(seq 600); do
    grep -q "listening on" "$dir/router.$n" 2>/dev/null && break
    sleep 0.1
  done
  timeout 900 "$T/wamp-driver" --url "ws://127.0.0.1:$port/ws" --serializer "$ser" \
    fanout --subscribers "$subs" --size "$size" --light --publications "$n" > "$dir/driver.$n"
  grep -q "^published $n delivered $((n * subs))\$" "$dir/driver.$n" || {
    echo "driver: $(cat "$dir/driver.$n")" >&2; exit 1; }
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
if [ -n "${KEEP:-}" ] && [ "$tool" = callgrind ]; then
  mkdir -p "$KEEP"
  cp "$dir/cg.$n1" "$KEEP/cg.$n1"
  cp "$dir/cg.$n2" "$KEEP/cg.$n2"
fi
d=$((n2 - n1))
case $tool in
  callgrind)
    echo "router fanout $subs x $size B $ser: $(( (b - a) / d / subs )) instructions/delivered event, $(( (b - a) / d )) instructions/publication" ;;
  dhat)
    read -r abytes ablocks <<< "$a"
    read -r bbytes bblocks <<< "$b"
    awk -v d=$d -v k=$((bblocks - ablocks)) -v y=$((bbytes - abytes)) -v n="$subs" \
      -v z="$size" -v s="$ser" \
      'BEGIN { printf "router fanout %s x %s B %s: %.2f allocations/publication, %.0f bytes/publication\n", n, z, s, k / d, y / d }' ;;
esac
