#!/usr/bin/env bash
# The Cloudinary SDK compatibility suite (Tests/Compat/sdk_compat.py) against the debug `derive`, once
# with the current `cloudinary` release from PyPI (JSON bodies on the Admin API) and once with 1.41.x
# (query strings with indexed lists, multipart). Each SDK gets its own virtual environment under
# .build/compat/ (kept between runs; delete it to refresh). DERIVE_BIN picks another binary.
#
#   Scripts/sdk-compat.sh [--big N]      (N: originals for the delete_all_resources walk, default 1001)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${DERIVE_BIN:-$(swift build --show-bin-path)/derive}"
[ -x "$BIN" ] || { echo "sdk-compat: no derive binary at $BIN (swift build first)" >&2; exit 2; }
python3 -c 'import venv, ensurepip' 2>/dev/null || {
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
}
status=0
for spec in "cloudinary" "cloudinary==1.41.*"; do
    name=$(echo "$spec" | tr -c 'a-z0-9.\n' '_')
    venv=".build/compat/$name"
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import cloudinary' 2>/dev/null; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check "$spec"
    fi
    "$venv/bin/python" Tests/Compat/sdk_compat.py --bin "$BIN" "$@" || status=1
done
exit $status
