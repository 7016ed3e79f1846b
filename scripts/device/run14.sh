#!/usr/bin/env bash
# scripts/device/run14.sh — the one device call of issue #14 (a session lent a GPU machine): build the
# addon against the machine's CUDA libtorch (does NCCL compile? build.log + nccl-probe.log), run the
# distributed tests there (Gloo), then scripts/device/nccl_check.mts (NCCL, world size 1).
#   prepare (here):  bash ../shared/device/pack.sh                        # .device/ (Node, node_modules)
#   device run, carry [".device"]:  bash scripts/device/run14.sh          (OUT=$OUT)
set -u
T0=$(date +%s)
OUT=${OUT:-/tmp/gpu-out14}; mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
source scripts/device/xz-shim.sh
source .device/boot.sh
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
export CMAKE_BUILD_PARALLEL_LEVEL=$(nproc)
timeout 240 npm run build > "$OUT/build.log" 2>&1; echo "build rc=$? in $(( $(date +%s) - T0 ))s"
grep -nE "error|tunekit\]|NCCL backend" "$OUT/build.log" | head -20
cp native/build/nccl-probe.log "$OUT/" 2>/dev/null || true
timeout 150 node scripts/run-tests.mjs test/distributed/shard.test.ts test/distributed/faults.test.ts test/distributed/launch-cli.test.ts > "$OUT/tests.log" 2>&1
echo "tests rc=$?"; grep -E "^# (tests|pass|fail|skipped)|^not ok" "$OUT/tests.log" | head
timeout 120 node --import tsx scripts/device/nccl_check.mts > "$OUT/nccl.log" 2>&1; echo "nccl rc=$?"
tail -5 "$OUT/nccl.log"; grep "^RESULT" "$OUT/nccl.log" > "$OUT/result.json"
echo "done in $(( $(date +%s) - T0 ))s"
