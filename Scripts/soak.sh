#!/usr/bin/env bash
# Soak test: `derive serve` on loopback under mixed valid, hostile, signed and garbage requests while the CLI
# overwrites and deletes the same ids; fails on a crash, a 5xx other than 503, a malformed response or
# memory growth. Usage: Scripts/soak.sh [SECONDS] [extra Tests/Soak/soak.py flags...]
# The binary is $DERIVE_BIN, else .build/debug/derive (what `make test` builds).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-${SOAK_SECONDS:-60}}"
shift || true
bin="${DERIVE_BIN:-$root/.build/debug/derive}"
exec python3 "$root/Tests/Soak/soak.py" --bin "$bin" --seconds "$seconds" "$@"
