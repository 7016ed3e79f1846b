#!/usr/bin/env bash
# One command on a fresh Debian/Ubuntu machine: system libtorch (if none is found), npm
# packages, the native build, then the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund
npm run build
npm run main
