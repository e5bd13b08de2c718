# Shared by Scripts/fuzz-render.sh and Scripts/fuzz-image.sh (sourced, not run): builds a libFuzzer
# harness over DeriveTransform + DeriveRender with -sanitize=fuzzer,address and runs it.
# The caller sets `root` (the repository) before sourcing.

# fuzz_setup NAME: makes the work directory ($work, with $work/corpus) and a snapshot of the sources
# ($src/DeriveTransform, $src/DeriveRender, $src/CVips), so edits made during the build do not break it.
fuzz_setup() {
  if ! pkg-config --exists vips; then
    echo "libvips is missing (pkg-config vips); run 'make deps'" >&2
    exit 2
  fi
  work="$(mktemp -d "${TMPDIR:-/tmp}/derive-fuzz-$1.XXXXXX")"
  corpus="$work/corpus"
  mkdir -p "$corpus" "$work/build/modules" "$work/snapshot"
  if [ -n "${DERIVE_FUZZ_REV:-}" ]; then
    git -C "$root" archive "$DERIVE_FUZZ_REV" Sources/DeriveTransform Sources/DeriveRender Sources/CVips \
      | tar -x -C "$work/snapshot"
  else
    mkdir -p "$work/snapshot/Sources"
    cp -R "$root/Sources/DeriveTransform" "$root/Sources/DeriveRender" "$root/Sources/CVips" "$work/snapshot/Sources/"
  fi
  src="$work/snapshot/Sources"
}

# fuzz_build_render MAIN OUTPUT: DeriveTransform as a static library and module, then every file of
# DeriveRender (recursively) with the harness MAIN as module DeriveRender, linked against libvips.
fuzz_build_render() {
  local main="$1" output="$2" build="$work/build"
  local common=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6)
  local linker=() cflags=() libs=() flag
  if command -v ld.lld >/dev/null 2>&1; then linker=(-use-ld=lld); fi
  for flag in $(pkg-config --cflags vips); do cflags+=(-Xcc "$flag"); done
  for flag in $(pkg-config --libs vips) -lgmodule-2.0; do libs+=("$flag"); done
  echo "building the fuzzer in $work" >&2
  (cd "$build" && swiftc "${common[@]}" -module-name DeriveTransform -emit-library -static \
    -emit-module -emit-module-path "$build/modules/DeriveTransform.swiftmodule" \
    -o "$build/libDeriveTransform.a" "$src"/DeriveTransform/*.swift)
  local render=()
  while IFS= read -r -d '' flag; do render+=("$flag"); done \
    < <(find "$src/DeriveRender" -name '*.swift' -print0 | sort -z)
  (cd "$build" && swiftc "${common[@]}" -module-name DeriveRender "${linker[@]}" \
    -I "$build/modules" -I "$src/CVips" "${cflags[@]}" \
    "${render[@]}" "$main" "$build/libDeriveTransform.a" "${libs[@]}" -o "$output")
}

# fuzz_run BINARY SECONDS [libFuzzer flags...]: runs the fuzzer on $corpus; exits non-zero (keeping
# $work) on a failure; prints executions per second and coverage at the end.
fuzz_run() {
  local binary="$1" seconds="$2"
  shift 2
  echo "fuzzing for ${seconds}s" >&2
  # Let libFuzzer and ASan report crashes (the Swift runtime backtracer would run first otherwise).
  export SWIFT_BACKTRACE=enable=no
  export DERIVE_FUZZ_IMAGES="$root/TestImages"
  # The harnesses append each failure's message here too (in -fork mode libFuzzer drops job logs).
  export DERIVE_FUZZ_FAILURES="$work/failures.txt"
  export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  if [ -f "$root/Fuzz/lsan.supp" ]; then
    export LSAN_OPTIONS="suppressions=$root/Fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
  fi
  local status
  cd "$work"
  set +e
  "$binary" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/" "$@" "$corpus" 2>&1 \
    | tee "$work/fuzz.log" \
    | grep -E --line-buffered "INITED|DONE|ERROR|SUMMARY|Fatal error|Test unit written|stat::(number_of_executed_units|average_exec_per_sec)" >&2
  status=${PIPESTATUS[0]}
  set -e
  local last
  last="$(grep -E '^#[0-9]+.*cov: ' "$work/fuzz.log" | tail -1 || true)"
  echo "final: ${last:-no coverage line}" >&2
  local rate
  rate="$(grep -E 'stat::average_exec_per_sec' "$work/fuzz.log" | awk '{print $2}' || true)"
  # -fork prints no final stats; take the rate of the last status line.
  if [ -z "$rate" ]; then rate="$(printf '%s\n' "$last" | grep -oE 'exec/s: [0-9]+' | awk '{print $2}' || true)"; fi
  echo "exec/s: ${rate:-unknown}" >&2
  if [ -s "$work/failures.txt" ]; then
    echo "failures (count, message):" >&2
    sed -E 's/: (image|w_64|c_fill|a_90|e_grayscale|input).*//' "$work/failures.txt" | cut -c1-240 | sort | uniq -c >&2
  fi
  # With -fork and -ignore_crashes libFuzzer exits 0 after failures; the list says they happened.
  if [ "$status" -eq 0 ] && [ -s "$work/failures.txt" ]; then status=1; fi
  if [ "$status" -ne 0 ]; then
    echo "fuzzer failed (exit $status); log and reproducer in $work" >&2
    exit "$status"
  fi
  echo "no failure in ${seconds}s" >&2
  if [ -z "${KEEP_FUZZ_DIR:-}" ]; then rm -rf "$work"; fi
}
