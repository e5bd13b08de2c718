#!/usr/bin/env bash
# Fuzzes Derive's image decoding (Fuzz/ImageFuzzer: probe, then a few fixed renders of the input bytes)
# with libFuzzer for a given number of seconds.
# Usage: Scripts/fuzz-image.sh [SECONDS] [extra libFuzzer flags...]
# Exits non-zero when the fuzzer finds a crash, a sanitizer report, a RenderError.processing (a 500;
# DERIVE_FUZZ_ALLOW_500=1 lets those pass) or a render past its time limit. The log and reproducer
# stay in the work directory; set KEEP_FUZZ_DIR=1 to keep it after a clean run too.
# DERIVE_FUZZ_REV=<commit> builds the sources of that commit instead of the work tree.
# To explore past known failures: DERIVE_FUZZ_ALLOW_500=1, or extra flags "-fork=2 -ignore_crashes=1"
# (every failure is then written to the work directory, its message to failures.txt).
set -euo pipefail

seconds="${1:-30}"
shift || true
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=Scripts/fuzz-common.sh
source "$root/Scripts/fuzz-common.sh"
fuzz_setup image

# Seed corpus: the small files of TestImages/ (every decoder Derive accepts, plus broken inputs).
for name in tiny_1x1.gif tiny_1x1.jpg tiny_1x1.png anim_tiny_24frames.gif alpha_magick_600_q80.webp \
  exif_orient_1.jpg exif_orient_6.jpg gray_camera.jpg photo_coffee_q80.webp broken_not_an_image.jpg \
  broken_zero_bytes.jpg multipage_2pages.tif rgb16_chessboard.png bomb_50000x50000_header_only.png; do
  cp "$root/TestImages/$name" "$corpus/"
done
# Larger seeds cut to their first 64 KiB (a truncated image is a seed too).
for name in broken_truncated_half.jpg alpha_logo_skimage.png gray_camera.png; do
  head -c 65536 "$root/TestImages/$name" > "$corpus/head64k_$name"
done

fuzz_build_render "$root/Fuzz/ImageFuzzer/main.swift" "$work/fuzz-image"
fuzz_run "$work/fuzz-image" "$seconds" -max_len=65536 -timeout=30 -rss_limit_mb=4096 "$@"
