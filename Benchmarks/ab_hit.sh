#!/usr/bin/env bash
# Two `derive` builds, hits against /health, alternating: is build B's hit path faster than A's?
#
#     Benchmarks/ab_hit.sh PATH/TO/derive-A PATH/TO/derive-B [ROUNDS]
#
# Both servers run at once on their own temporary data folders with the 12 MP JPEG uploaded and its
# c_fill,w_300,h_200 derivative stored; each round runs `wrk -t2 -c16 -d4s` on A's /health, A's hit,
# then B's, and prints each server's hit/health ratio (the ratio cancels most of this VM's drift, which
# moves requests/s by ±10 % from minute to minute). Needs wrk (Benchmarks/delivery_bench.sh installs it).
set -euo pipefail
a=$1 b=$2 rounds=${3:-4}
here=$(cd "$(dirname "$0")" && pwd)
folders=() pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for folder in "${folders[@]}"; do rm -rf "$folder"; done
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Sets `port` (not echoed: a command substitution would run it in a subshell, and the clean-up would
# never learn the server's pid).
start() {
    local folder
    folder=$(mktemp -d) port=$(free_port)
    folders+=("$folder")
    "$1" upload "$here/../TestImages/photo_12mp.jpg" --public-id photo --data "$folder" >/dev/null
    DERIVE_ACCESS_LOG=0 "$1" serve --data "$folder" --host 127.0.0.1 --port "$port" --gc-interval 0 >/dev/null 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
}
hit=/demo/image/upload/c_fill,w_300,h_200/photo.jpg
start "$a"
port_a=$port
start "$b"
port_b=$port
for port in "$port_a" "$port_b"; do curl -sf -o /dev/null "http://127.0.0.1:$port$hit"; done  # the miss
rate() { wrk -t2 -c16 -d4s "$1" | awk '/Requests\/sec/ { print $2 }'; }
for round in $(seq "$rounds"); do
    for side in A B; do
        port=$port_a binary=$a
        [ "$side" = B ] && port=$port_b binary=$b
        health=$(rate "http://127.0.0.1:$port/health")
        served=$(rate "http://127.0.0.1:$port$hit")
        echo "round $round $side ($(basename "$binary")): health $health/s, hit $served/s, hit/health" \
            "$(python3 -c "print(round($served / $health, 3))")"
    done
done
