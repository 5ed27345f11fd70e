#!/usr/bin/env bash
# reportqa on a fresh machine.
#   bash run.sh          set up, index the bundled corpus, open the chat UI
#                        (bash run.sh serve --host 0.0.0.0 opens it to the network)
#   bash run.sh test     set up (with test tools and the Milvus extra) and run the test suite
# Environment: REPORTQA_VENV (default .venv), PYTHON (default python3), REPORTQA_PORT (default 7860),
#              REPORTQA_TORCH_INDEX (optional pip index URL for torch, e.g. a CUDA build's:
#              https://download.pytorch.org/whl/cu128; --device auto then uses the GPU).
set -euo pipefail
cd "$(dirname "$0")"
VENV=${REPORTQA_VENV:-.venv}
PY=${PYTHON:-python3}
mode=${1:-serve}

say() { printf '\n==> %s\n' "$*" >&2; }

setup() {
    if [ ! -x "$VENV/bin/python" ]; then
        say "Creating virtual environment $VENV"
        "$PY" -m venv "$VENV"
    fi
    local pip=("$VENV/bin/python" -m pip install --progress-bar off -q)
    # CPU torch first, pinned: a bare torch requirement would pull gigabytes of CUDA packages.
    if ! "$VENV/bin/python" -c 'import torch, sys; sys.exit(torch.__version__.split("+")[0] != "2.13.0")' 2>/dev/null; then
        say "Installing PyTorch 2.13.0 (a large download: pip shows its progress)"
        local torch_pip=("$VENV/bin/python" -m pip install)
        if [ -n "${REPORTQA_TORCH_INDEX:-}" ]; then
            "${torch_pip[@]}" --index-url "$REPORTQA_TORCH_INDEX" torch==2.13.0
        else
            "${torch_pip[@]}" torch==2.13.0
        fi
    fi
    say "Installing reportqa and its dependencies"
    "${pip[@]}" -e ".$1"
}

ensure_chromium() {
    # Debian's chromium for the browser tests, and a CJK font so Chinese renders in screenshots.
    [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" && return 0
    say "Installing Debian's chromium and a Chinese font for the browser tests"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
}

case "$mode" in
    serve)
        setup ""
        say "Indexing corpus/ and opening the chat UI on http://127.0.0.1:${REPORTQA_PORT:-7860} (Ctrl-C stops it)"
        exec "$VENV/bin/reportqa" serve --port "${REPORTQA_PORT:-7860}" "${@:2}"
        ;;
    test)
        setup "[test,milvus]"
        ensure_chromium
        say "Running the tests"
        "$VENV/bin/python" -m pytest -ra "${@:2}"
        ;;
    *)
        echo "usage: bash run.sh [test]" >&2
        exit 2
        ;;
esac
