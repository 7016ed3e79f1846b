#!/usr/bin/env bash
# Adapters trained and saved by tunekit, loaded by Python's peft: a current one (0.21 on transformers 5.x,
# the venv of the machine's local pip folders) and the shared harness's 0.14 (transformers 4.47.1 on
# Debian's torch 1.13).  Each must give tunekit's logits (scripts/fixtures/peft_roundtrip.py).
#   node --import tsx scripts/fixtures/peft-roundtrip.mts /tmp/rt     # tunekit writes the adapters
#   bash scripts/peft-roundtrip.sh /tmp/rt/*                         # both pefts load them
# HF_PYTHON (default /tmp/venv-hf/bin/python) is the peft 0.21 interpreter; the harness needs
# `bash ../shared/harness/setup.sh` once per machine.
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: bash scripts/peft-roundtrip.sh <case dir> [...]" >&2; exit 2; }
SHARED="${TUNEKIT_SHARED:-$(cd .. && pwd)/shared}"
rc=0
PYNEW="${HF_PYTHON:-/tmp/venv-hf/bin/python}"
if [ -x "$PYNEW" ]; then
  "$PYNEW" -W ignore scripts/fixtures/peft_roundtrip.py "$@" || rc=1
else
  echo "peft-roundtrip: no peft 0.21 interpreter at $PYNEW (set HF_PYTHON)" >&2; rc=1
fi
if [ -f "$SHARED/harness/env.sh" ] && [ -d /tmp/hfref ]; then
  # shellcheck disable=SC1091
  ( source "$SHARED/harness/env.sh" && "$PY" -W ignore scripts/fixtures/peft_roundtrip.py "$@" ) || rc=1
else
  echo "peft-roundtrip: the shared harness (peft 0.14) is not set up: bash $SHARED/harness/setup.sh" >&2; rc=1
fi
exit $rc
