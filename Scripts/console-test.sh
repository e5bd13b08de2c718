#!/usr/bin/env bash
# Browser tests of the web console (Tests/Console/console_test.py): headless Chromium from Debian
# (`chromium`, `chromium-driver`, installed here if missing) driven by Selenium from PyPI (a venv under
# .build/console-test/, kept between runs) against the debug `derive serve` on a free loopback port.
# Screenshots go to .build/console-test/screenshots/ (their paths are printed). DERIVE_BIN picks another binary.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${DERIVE_BIN:-$(swift build --show-bin-path)/derive}"
[ -x "$BIN" ] || { echo "console-test: no derive binary at $BIN (swift build first)" >&2; exit 2; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
missing=""
command -v chromium >/dev/null || missing="$missing chromium"
command -v chromedriver >/dev/null || missing="$missing chromium-driver"
python3 -c 'import venv, ensurepip' 2>/dev/null || missing="$missing python3-venv"
if [ -n "$missing" ]; then
    echo "console-test: installing$missing"
    $SUDO apt-get update -qq && $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi
venv=.build/console-test/venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import selenium' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check selenium
fi
exec "$venv/bin/python" Tests/Console/console_test.py --bin "$BIN" --screenshots .build/console-test/screenshots "$@"
