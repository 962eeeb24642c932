#!/usr/bin/env bash
# cargo build --release -p ferrobahn-load --bins
# benches/callgrind_echo.sh SERVER SIZE CONNS [SECONDS]
#   SERVER: ferrobahn-tokio | ferrobahn-async-std | tokio-websockets | fastwebsockets | tungstenite
# User-space instructions per echoed message of an echo server, counted by
# valgrind's callgrind: independent of machine load, unlike msg/s. The server runs
# under callgrind (about 50x slower, so the generator is never the limit), the
# generator (8 messages in flight per connection) drives it for SECONDS (default 5),
# and the total instruction count (start-up and handshakes included, small next to
# thousands of messages) is divided by the messages echoed. Kernel work (the socket
# copies) is not counted; valgrind counts a `rep movsb`/`rep stosb` per byte, so
# memcpy/memset weigh more here than on the CPU.
set -u
T=${CARGO_TARGET_DIR:-target}/release
server=$1 size=$2 conns=$3 dur=${4:-5}
case "$server" in
  ferrobahn-tokio) cmd=("$T/echo-ferrobahn" --runtime tokio) ;;
  ferrobahn-async-std) cmd=("$T/echo-ferrobahn" --runtime async-std) ;;
  tokio-websockets|fastwebsockets|tungstenite) cmd=("$T/echo-$server") ;;
  *) echo "unknown server $server" >&2; exit 2 ;;
esac
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "${cmd[@]}" \
  --listen "127.0.0.1:$port" --lifetime 120 > "$dir/srv.out" 2> "$dir/vg.err" &
pid=$!
for _ in $(seq 150); do grep -q READY "$dir/srv.out" && break; sleep 0.2; done
timeout 120 "$T/loadgen" --addr "127.0.0.1:$port" --conns "$conns" --size "$size" \
  --inflight 8 --warmup 0 --duration "$dur" > "$dir/gen.json"
kill -INT $(pgrep -P "$pid") "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$dir"/cg.out*)
python3 - "$dir/gen.json" "$ir" "$server" "$conns" "$size" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ir, msgs = int(sys.argv[2]), max(d["messages"], 1)
print(f"{sys.argv[3]} {sys.argv[4]} x {sys.argv[5]} B: {msgs} messages, "
      f"{ir} instructions, {ir / msgs:.0f} per message")
PY
rm -rf "$dir"
