#!/usr/bin/env bash
# Makes a virtual environment holding a CPU torch 2.x from this machine's local package folders
# (pip is configured with them: `pip config list`), offline, and prints its torch folder — a
# libtorch root for `LIBTORCH=... npm run build`.  CI uses it to build and test the addon against
# libtorch 2.x beside Debian's 1.13.   usage: scripts/torch2-venv.sh [venv dir] [torch spec]
# The venv also gets tensorboard: its python (<venv>/bin/python, exported as HF_PYTHON) runs
# TensorBoard's own reader on the event files of report_to: 'tensorboard'
# (test/trainer/tensorboard-trainer.test.ts).
set -euo pipefail
VENV="${1:-${TMPDIR:-/tmp}/tunekit-torch2-venv}"
SPEC="${2:-${TUNEKIT_TORCH2_SPEC:-torch==2.13.0+cpu}}"
PY="${PYTHON:-python3}"

# The local indexes: pip's configured extra-index-urls (the first becomes --index-url, so pip never
# waits on the unreachable default index) and find-links.
cfg="$(pip config list 2>/dev/null || true)"
urls="$(printf '%s\n' "$cfg" | sed -n "s/^global\.extra-index-url='\(.*\)'$/\1/p" | head -1)"
links="$(printf '%s\n' "$cfg" | sed -n "s/^global\.find-links='\(.*\)'$/\1/p" | head -1)"
[ -n "$urls$links" ] || { echo "torch2-venv: pip has no local package folders configured (pip config list): cannot install $SPEC offline" >&2; exit 1; }
args=()
first=1
for u in $urls; do
  if [ $first = 1 ]; then args+=(--index-url "$u"); first=0; else args+=(--extra-index-url "$u"); fi
done
[ $first = 1 ] && args+=(--no-index)
for l in $links; do args+=(--find-links "$l"); done

if [ ! -x "$VENV/bin/python" ]; then "$PY" -m venv "$VENV" >&2; fi
if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  "$VENV/bin/pip" install -q "${args[@]}" "$SPEC" >&2
fi
TB_SPEC="${TUNEKIT_TENSORBOARD_SPEC:-tensorboard}"
if ! "$VENV/bin/python" -c "import tensorboard.backend.event_processing.event_accumulator" >/dev/null 2>&1; then
  "$VENV/bin/pip" install -q "${args[@]}" "$TB_SPEC" >&2
fi
"$VENV/bin/python" -W ignore -c "import os, torch; print(os.path.dirname(torch.__file__))"
