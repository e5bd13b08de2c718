#!/usr/bin/env bash
# API benchmark (issue 12): uploads through the Cloudinary Python SDK against the `derive upload` CLI,
# bulk delete over HTTP (`delete_all_resources` + `next_cursor`) against `derive delete --all`, and
# delivery (wrk) with the API idle and under load, in one run. What it measures and how: the docstring
# at the top of Benchmarks/compare_api.py.
#
#   Benchmarks/api_bench.sh [--quick] [--markdown FILE] [--derive PATH] [compare_api.py options]
#
# Installs what is missing (apt-get: wrk; a venv with the `cloudinary` SDK in Benchmarks/.venv, or
# $DERIVE_BENCH_VENV), builds `swift build -c release --product derive` unless --derive PATH is given,
# then runs compare_api.py in the venv. Every process and temp dir it starts is removed at the end.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
VENV="${DERIVE_BENCH_VENV:-$HERE/.venv}"

for arg in "$@"; do
    case "$arg" in -h | --help) exec python3 "$HERE/compare_api.py" --help ;; esac
done

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if ! pkg-config --exists vips 2>/dev/null && ! ldconfig -p | grep -q 'libvips\.so\.42'; then missing+=(libvips-dev); fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then missing+=(python3-venv); fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "api_bench: installing ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

source "$HERE/bench_common.sh"
bench_venv api_bench cloudinary cloudinary

export API_BENCH_ARGS="$*"   # for the report's "Command:" line
bench_args api_bench "$@"
exec "$VENV/bin/python" "$HERE/compare_api.py" "${BENCH_ARGS[@]}"
