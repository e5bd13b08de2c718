#!/usr/bin/env bash
# Fuzzes Derive's render path (Fuzz/RenderFuzzer: client hints, format negotiation and libvips
# rendering of a transformation over small test images) with libFuzzer for a given number of seconds.
# Usage: Scripts/fuzz-render.sh [SECONDS] [extra libFuzzer flags...]
# Exits non-zero when the fuzzer finds a crash, a sanitizer report, a RenderError.processing (a 500;
# DERIVE_FUZZ_ALLOW_500=1 lets those pass) or a render past its time limit. The log and reproducer
# stay in the work directory; set KEEP_FUZZ_DIR=1 to keep it after a clean run too.
# DERIVE_FUZZ_REV=<commit> builds the sources of that commit instead of the work tree.
# To explore past known failures: DERIVE_FUZZ_ALLOW_500=1, or extra flags "-fork=2 -ignore_crashes=1"
# (every failure is then written to the work directory, its message to failures.txt).
set -euo pipefail

seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=Scripts/fuzz-common.sh
source "$root/Scripts/fuzz-common.sh"
fuzz_setup render

# Seed corpus: <image>[.<ext>]|<DPR>|<Width>|<Accept>|<transformation>. Images (FuzzImages.all):
# 0 photo (JPEG 160 px), 1 logo (PNG with alpha), 2 animated GIF (24 frames), 3 1x1 PNG,
# 4 two-page TIFF, 5 16-bit PNG, 6 EXIF-rotated JPEG, 7 1x1 GIF, 8 grey PNG, 9 WebP.
i=0
for seed in \
  "0||||c_fill,w_100,h_80" "0||||c_pad,w_120,h_120,b_red" "0||||c_crop,g_north_east,w_50,h_40,x_5,y_5" \
  "0||||c_fill,g_auto,w_64,h_64/e_sharpen" "1||||c_lpad,w_200,h_100,b_rgb:00ff0080" "0||||c_thumb,w_60,h_60,z_1.5" \
  "6||||c_fit,w_80,h_80/a_90.hflip" "0||||c_mfit,w_300/ar_16:9,c_fill" "1||||e_trim/r_max/bo_2px_solid_blue" \
  "0||||e_blur:300/e_pixelate:8" "0||||e_auto_color/e_vignette:50/e_tint:60:rgb:00ff00" \
  "8||||e_sepia:50/e_contrast:40/e_gamma:-20" "0||||co_red,e_colorize:40/e_blackwhite" \
  "0||||l_logo/c_scale,w_50/fl_layer_apply,g_north_east,x_10,y_10" \
  "1||||u_logo,w_1.2,fl_relative/fl_layer_apply" "0||||l_text:Arial_20_bold:Hi%20there,co_white/fl_layer_apply,g_south" \
  "0||||if_ar_gt_1.0/c_fill,w_60,h_60/if_else/c_scale,w_40/if_end" "0||||if_iw_gt_100,w_50" \
  "0||||\$size_iw_mul_0.5/c_scale,w_\$size" "0||||w_iw_div_3_add_7,h_ih_mul_0.25" \
  "0|2||dpr_auto,w_50" "0||357||w_auto:100:400,c_scale" "0||||w_auto:50:120" "2||||pg_2/w_10" "4||||pg_2/f_png" \
  "2.gif||||e_grayscale,w_10" "2||||a_45,b_blue/f_webp" "1|||image/avif,image/webp|f_auto,q_auto" \
  "0|||image/webp|f_auto/fl_progressive" "5||||w_30/f_png/fl_png8" "3||||c_pad,w_10,h_10/o_50" \
  "9.tif||||r_5:10:15:20,w_40" "7||||e_trim,w_5" "1||||a_-90/fl_lossy/f_png" "0||||t_thumb/fl_attachment:a" \
  "0||||d_avatar.png,w_20/q_20:444"; do
  printf '%s' "$seed" > "$corpus/seed$i"
  i=$((i + 1))
done

fuzz_build_render "$root/Fuzz/RenderFuzzer/main.swift" "$work/fuzz-render"
fuzz_run "$work/fuzz-render" "$seconds" -max_len=512 -timeout=30 -rss_limit_mb=4096 \
  -dict="$root/Fuzz/RenderFuzzer/render.dict" "$@"
