# Shared by the *_bench.sh scripts (sourced): the venv and the `derive` binary a benchmark uses.
# Expects ROOT (the repository) and VENV (the venv's folder) to be set.

# bench_venv NAME MODULE PACKAGE...: makes VENV (if needed) and installs PACKAGEs unless MODULE imports.
bench_venv() {
    local name="$1" module="$2"
    shift 2
    if ! "$VENV/bin/python" -c "import $module" >/dev/null 2>&1; then
        echo "$name: installing $* into the venv $VENV" >&2
        [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q "$@"
    fi
}

# bench_args NAME ARG...: sets the array BENCH_ARGS to ARGs, plus `--derive PATH` to a release build
# made here when ARGs name no binary.
bench_args() {
    local name="$1" derive="" i
    shift
    BENCH_ARGS=("$@")
    for ((i = 0; i < ${#BENCH_ARGS[@]}; i++)); do
        case "${BENCH_ARGS[$i]}" in
            --derive) derive="${BENCH_ARGS[$((i + 1))]:-}" ;;
            --derive=*) derive="${BENCH_ARGS[$i]#--derive=}" ;;
        esac
    done
    if [ -z "$derive" ]; then
        echo "$name: swift build -c release --product derive" >&2
        (cd "$ROOT" && swift build -c release --product derive >&2)
        BENCH_ARGS+=(--derive "$(cd "$ROOT" && swift build -c release --show-bin-path)/derive")
    fi
}
