#!/usr/bin/env bash
# Builds bench/cpp/op_floor.cc against the system libtorch (Debian libtorch-dev) and runs it.
set -euo pipefail
cd "$(dirname "$0")"
out=${TMPDIR:-/tmp}/tunekit_op_floor
g++ -O2 -std=c++17 op_floor.cc -ltorch -ltorch_cpu -lc10 -o "$out"
"$out" "${1:-100000}"
