#!/usr/bin/env bash
# cargo build --release -p ferrobahn-examples --example echo_multicore -p ferrobahn-load --bin loadgen
# benches/multicore.sh  (DUR=seconds, ROUNDS=n)
# Multicore scaling of examples/echo_multicore with the benches/load generator
# (100 connections x 8 in flight x 20 B), server and generator each in their own
# session and autogroup at nice -19, as `cargo xtask bench ws --nice` does.
set -u
T=${CARGO_TARGET_DIR:-target}/release
EX=$T/examples/echo_multicore
GEN=$T/loadgen
DUR=${DUR:-5}
prio() { sleep 0.05; echo -19 > "/proc/$1/autogroup" 2>/dev/null || true; }
run() { # label mode workers server_cpus gen_cpus
  local label=$1 mode=$2 workers=$3 scpu=$4 gcpu=$5
  local port=$((20000 + RANDOM % 20000))
  setsid nice -n -19 taskset -c "$scpu" "$EX" "$mode" "127.0.0.1:$port" "$workers" > "${TMPDIR:-/tmp}/multicore-srv.out" 2>&1 &
  local pid=$!
  prio "$pid"
  for _ in $(seq 50); do grep -q READY "${TMPDIR:-/tmp}/multicore-srv.out" && break; sleep 0.1; done
  local out
  out=$(timeout 60 setsid nice -n -19 taskset -c "$gcpu" "$GEN" --addr "127.0.0.1:$port" --conns 100 --size 20 --inflight 8 --warmup 1 --duration "$DUR" --server-pid "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null
  echo "$label $out"
}
for round in $(seq ${ROUNDS:-3}); do
  run "r$round 1core-reuseport1" reuseport 1 1 0
  run "r$round 2cores-reuseport1" reuseport 1 0,1 0,1
  run "r$round 2cores-reuseport2" reuseport 2 0,1 0,1
  run "r$round 2cores-threads2" threads 2 0,1 0,1
done
