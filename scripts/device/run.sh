#!/usr/bin/env bash
# scripts/device/run.sh — the one device call: build against the machine's CUDA libtorch, then the decoder/generation CUDA
# checks (.gpu/decoder_cuda.mts) and a few test files with the CUDA-built addon. Output in $OUT.
set -u
T0=$(date +%s)
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
source scripts/device/xz-shim.sh
source .device/boot.sh
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
python3 -c 'import torch, transformers; print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__)'
export CMAKE_BUILD_PARALLEL_LEVEL=$(nproc)
timeout 170 npm run build > "$OUT/build.log" 2>&1; echo "build rc=$? in $(( $(date +%s) - T0 ))s"
grep -nE "error|tunekit\]|linking libtorch_cuda" "$OUT/build.log" | head -20
export TUNEKIT_SHARED=$PWD/.gpu/shared
timeout 170 node --import tsx scripts/device/decoder_cuda.mts > "$OUT/decoder.log" 2>&1; echo "decoder rc=$?"
grep -v "^RESULT" "$OUT/decoder.log" | cut -c1-400 | tail -20
grep "^RESULT" "$OUT/decoder.log" > "$OUT/result.json"
timeout 70 node scripts/run-tests.mjs test/generation/fixtures.test.ts test/generation/stories.test.ts test/models/decoder-lms.test.ts test/models/decoder-step.test.ts test/torch/workers.test.ts test/torch/limits.test.ts > "$OUT/tests.log" 2>&1; echo "tests rc=$?"
grep -E "^# (tests|pass|fail|skipped)|^not ok" "$OUT/tests.log" | head
echo "done in $(( $(date +%s) - T0 ))s"
