#!/usr/bin/env bash
# Fuzzes the DeriveTransform parser with libFuzzer for a given number of seconds.
# Usage: Scripts/fuzz-transform.sh [SECONDS] [extra libFuzzer flags...]
# Exits non-zero when the fuzzer finds a crash (the log and reproducer stay in the work directory;
# set KEEP_FUZZ_DIR=1 to keep it after a clean run too).
set -euo pipefail

seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/derive-fuzz.XXXXXX")"
corpus="$work/corpus"
mkdir -p "$corpus"

# Seed corpus: SDK-style strings and delivery paths.
i=0
for seed in \
  "c_fill,g_auto,h_200,w_300/e_sharpen/f_auto,q_auto" "c_fit,w_100/a_90.hflip/e_sepia:50" "t_thumb.small" \
  "b_rgb:ff0000,bo_3px_solid_rgb:00ff00,o_50,r_20" "l_folder:logo,w_50" "if_w_gt_1000_and_ar_lt_1.5,w_500" \
  "\$bar_w_mul_2,\$foo_10,w_\$foo" "co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D" "w_auto:100:400" \
  "l_logo/c_scale,w_50/fl_layer_apply,g_north_east,x_10,y_10" "if_ar_gt_1.0/c_fill,w_200/if_else/c_scale,w_100/if_end" \
  "/demo/image/upload/s--zsPFVs3M--/c_scale,w_100/v1/folder/sample.jpg" "/demo/images/sample/hello.jpg" \
  "/demo/image/fetch/s--hH_YcbiS--/v1234/http://google.com/path/to/image.png" "du_50p,eo_10,so_2.5" "t_loop" \
  "r_20:0:40:40" "g_custom:adv_faces" "q_80:444" "e_tint:equalize:80:red:blue" "a_12.5.hflip" "c_fill,w_100/jpg"; do
  printf '%s' "$seed" > "$corpus/seed$i"
  i=$((i + 1))
done

echo "building the fuzzer in $work" >&2
linker=()
if command -v ld.lld >/dev/null 2>&1; then linker=(-use-ld=lld); fi
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 -module-name DeriveTransform "${linker[@]}" \
  "$root"/Sources/DeriveTransform/*.swift "$root"/Fuzz/TransformFuzzer/main.swift -o "$work/fuzz-transform"

echo "fuzzing for ${seconds}s" >&2
# Let libFuzzer and ASan report crashes (the Swift runtime backtracer would run first otherwise).
export SWIFT_BACKTRACE=enable=no
cd "$work"
set +e
./fuzz-transform -max_total_time="$seconds" -max_len=512 -timeout=10 -print_final_stats=1 "$@" "$corpus" 2>&1 \
  | tee "$work/fuzz.log" | grep -E "INITED|DONE|ERROR|SUMMARY|Test unit written|stat::(number_of_executed_units|average_exec_per_sec)" >&2
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "fuzzer failed (exit $status); log and reproducer in $work" >&2
  exit "$status"
fi
echo "no crash in ${seconds}s" >&2
if [ -z "${KEEP_FUZZ_DIR:-}" ]; then rm -rf "$work"; fi
