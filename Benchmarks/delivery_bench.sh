#!/usr/bin/env bash
# Delivery benchmark (issue 11): Derive's hits and misses over HTTP against nginx and pyvips, in one
# interleaved run. What it measures and how: the docstring at the top of Benchmarks/compare_delivery.py.
#
#   Benchmarks/delivery_bench.sh [--quick] [--markdown FILE] [--derive PATH] [compare_delivery.py options]
#
# Installs what is missing (apt-get: wrk, nginx-light; a venv with pyvips in Benchmarks/.venv, or
# $DERIVE_BENCH_VENV), builds `swift build -c release --product derive` unless --derive PATH is given,
# then runs compare_delivery.py in the venv. Every process and temp dir it starts is removed at the end.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
VENV="${DERIVE_BENCH_VENV:-$HERE/.venv}"

for arg in "$@"; do
    case "$arg" in -h | --help) exec python3 "$HERE/compare_delivery.py" --help ;; esac
done

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then missing+=(nginx-light); fi
if ! pkg-config --exists vips 2>/dev/null && ! ldconfig -p | grep -q 'libvips\.so\.42'; then missing+=(libvips-dev); fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then missing+=(python3-venv); fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "delivery_bench: installing ${missing[*]}" >&2
    # nginx's package would start the system service on port 80 of every address; the benchmark
    # starts its own nginx on 127.0.0.1 only, so keep the service from starting (policy-rc.d, exit 101)
    # unless the machine already has a policy.
    policy=""
    if [[ " ${missing[*]} " == *" nginx-light "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
        $SUDO chmod +x "$policy"
        trap '$SUDO rm -f "$policy"' EXIT
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    if [ -n "$policy" ]; then $SUDO rm -f "$policy"; trap - EXIT; fi
fi

source "$HERE/bench_common.sh"
bench_venv delivery_bench pyvips pyvips

export DELIVERY_BENCH_ARGS="$*"   # for the report's "Command:" line
bench_args delivery_bench "$@"
exec "$VENV/bin/python" "$HERE/compare_delivery.py" "${BENCH_ARGS[@]}"
