#!/usr/bin/env bash
# Regeneration benchmark (issue 13): `derive regenerate -j 2` over 200 copies of the 12 MP JPEG,
# side by side with vipsthumbnail (xargs -P 2) and pyvips (2 processes). What it measures and how:
# the docstring at the top of Benchmarks/compare_regen.py.
#
#   Benchmarks/regen_bench.sh [--derive PATH] [--count N] [--rounds R] [-j N] [--markdown FILE]
#
# Installs what is missing (apt-get: libvips-tools for vipsthumbnail, python3-venv; a venv with
# pyvips in Benchmarks/.venv, or $DERIVE_BENCH_VENV), builds `swift build -c release --product derive`
# unless --derive PATH is given. Every temp folder it makes is removed at the end.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
VENV="${DERIVE_BENCH_VENV:-$HERE/.venv}"

for arg in "$@"; do
    case "$arg" in -h | --help) exec python3 "$HERE/compare_regen.py" --help ;; esac
done

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
missing=()
command -v vipsthumbnail >/dev/null 2>&1 || missing+=(libvips-tools)
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then missing+=(python3-venv); fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "regen_bench: installing ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
source "$HERE/bench_common.sh"
bench_venv regen_bench pyvips pyvips

export REGEN_BENCH_ARGS="$*"   # for the report's "Command:" line
bench_args regen_bench "$@"
exec "$VENV/bin/python" "$HERE/compare_regen.py" --image "$ROOT/TestImages/photo_12mp.jpg" "${BENCH_ARGS[@]}"
