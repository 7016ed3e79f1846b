#!/usr/bin/env bash
# One command on a fresh Debian/Ubuntu machine: system libtorch (if none is found), npm
# packages, the native build, the Python venv the test suite checks files with (torch 2.x CPU and
# tensorboard from this machine's local package folders: scripts/torch2-venv.sh), then the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund
npm run build
bash scripts/torch2-venv.sh >/dev/null || echo "[tunekit] no Python venv (pip has no local package folders): the TensorBoard reader test will say how to provide one (HF_PYTHON)" >&2
npm run main
