#!/usr/bin/env bash
# cargo build --release -p ferrobahn-examples --example echo_multicore -p ferrobahn-load --bin loadgen
# benches/multicore.sh  (DUR=seconds, ROUNDS=n, MODE=plain|deflate, SIZE=bytes)
# Multicore scaling of examples/echo_multicore with the benches/load generator
# (100 connections x 8 in flight, 20 B messages), server and generator each in their
# own session and autogroup at nice -19, as `cargo xtask bench ws --nice` does.
#
# MODE=deflate: the server accepts permessage-deflate (echo_multicore --deflate) and
# the generator offers it and sends one pre-compressed frame over and over (it never
# inflates the replies, it only counts their frames), so the server's inflate + deflate
# per echo make it CPU-bound while the generator stays light: scaling from 1 to 2
# cores shows on a 2-core box. Messages are 1 KiB of text unless SIZE says otherwise.
# Compare gen_cpu (the generator's share of one core) with server_cpu in the output.
set -u
T=${CARGO_TARGET_DIR:-target}/release
EX=$T/examples/echo_multicore
GEN=$T/loadgen
DUR=${DUR:-5}
MODE=${MODE:-plain}
case "$MODE" in
  plain) SIZE=${SIZE:-20}; SRV_OPT=(); GEN_OPT=() ;;
  deflate) SIZE=${SIZE:-1024}; SRV_OPT=(--deflate); GEN_OPT=(--deflate) ;;
  *) echo "MODE must be plain or deflate" >&2; exit 2 ;;
esac
prio() { sleep 0.05; echo -19 > "/proc/$1/autogroup" 2>/dev/null || true; }
run() { # label mode workers server_cpus gen_cpus
  local label=$1 mode=$2 workers=$3 scpu=$4 gcpu=$5
  local port=$((20000 + RANDOM % 20000))
  setsid nice -n -19 taskset -c "$scpu" "$EX" "$mode" "127.0.0.1:$port" "$workers" "${SRV_OPT[@]}" > "${TMPDIR:-/tmp}/multicore-srv.out" 2>&1 &
  local pid=$!
  prio "$pid"
  for _ in $(seq 50); do grep -q READY "${TMPDIR:-/tmp}/multicore-srv.out" && break; sleep 0.1; done
  local out
  out=$(timeout 60 setsid nice -n -19 taskset -c "$gcpu" "$GEN" --addr "127.0.0.1:$port" --conns 100 --size "$SIZE" --inflight 8 --warmup 1 --duration "$DUR" --server-pid "$pid" "${GEN_OPT[@]}")
  kill "$pid"; wait "$pid" 2>/dev/null
  echo "$label $out"
}
for round in $(seq ${ROUNDS:-3}); do
  run "r$round $MODE-${SIZE}B 1core-reuseport1" reuseport 1 1 0
  run "r$round $MODE-${SIZE}B 2cores-reuseport1" reuseport 1 0,1 0,1
  run "r$round $MODE-${SIZE}B 2cores-reuseport2" reuseport 2 0,1 0,1
  run "r$round $MODE-${SIZE}B 2cores-threads2" threads 2 0,1 0,1
done
