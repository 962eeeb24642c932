#!/usr/bin/env bash
# cargo build --release -p ferrobahn-serializers --all-features --example encode_cost
# [MESSAGES="event4k result64 event4k_topic result64_progress"] benches/callgrind_encode.sh [BINARY] [N1 N2]
# User-space instructions per encoded WAMP message (Serializer::encode of a borrowed
# Message), per message and serializer: callgrind counts
# crates/ferrobahn-serializers/examples/encode_cost.rs for N1 and N2 messages (defaults
# 1000, 11000) and prints the difference divided by N2 - N1, so start-up cancels out.
set -eu
bin=${1:-${CARGO_TARGET_DIR:-target}/release/examples/encode_cost}
n1=${2:-1000} n2=${3:-11000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ir() {
  timeout 300 valgrind --tool=callgrind --callgrind-out-file="$dir/cg" \
    "$bin" "$1" "$2" "$3" > /dev/null 2> "$dir/vg"
  awk '/^(summary|totals):/ {print $2; exit}' "$dir/cg"
}
for msg in ${MESSAGES:-event4k result64}; do
  for ser in json msgpack cbor ubjson ubjson-draft12 json.batched msgpack.batched; do
    a=$(ir "$n1" "$msg" "$ser")
    b=$(ir "$n2" "$msg" "$ser")
    echo "$msg $ser: $(( (b - a) / (n2 - n1) )) instructions/message"
  done
done
