#!/usr/bin/env bash
# scripts/device/run10.sh — the one device call of issue #10: build against the machine's CUDA
# libtorch, run the mixed-precision / deferred-sync / chunked-loss / fused-AdamW tests there, then
# the GPU table (bench10.mts vs bench10.py, one process per config and side, tunekit first).
#   prepare (here):  bash ../shared/device/pack.sh            # .device/ (Node, node_modules)
#   device run, carry [".device"]:  bash scripts/device/run10.sh    (OUT=$OUT; BUDGET seconds, default 540)
# Writes $OUT/run.log, build.log, tests.log, bench.log and results.jsonl (one RESULT per line).
# Dry run on a CPU machine (tiny shapes, no build): DRY=1 bash scripts/device/run10.sh
set -u
T0=$(date +%s)
BUDGET=${BUDGET:-540}
OUT=${OUT:-/tmp/gpu-out10}; mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
left() { echo $(( BUDGET - ($(date +%s) - T0) )); }
cap() { local w=$1 l; l=$(( $(left) - ${2:-10} )); [ "$l" -lt "$w" ] && w=$l; [ "$w" -lt 5 ] && w=5; echo "$w"; }
if [ -n "${DRY:-}" ]; then
  export STEPS=2 WARMUP=1 BATCH=2 SEQ=16 HIDDEN=32 LAYERS=2 HEADS=4 KV=2 FFN=64 VOCAB=500
  PY=${HF_PYTHON:-/tmp/venv-hf/bin/python}
else
  source scripts/device/xz-shim.sh
  source .device/boot.sh
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  PY=python3
  export CMAKE_BUILD_PARALLEL_LEVEL=$(nproc)
  timeout "$(cap 240 200)" npm run build > "$OUT/build.log" 2>&1; echo "build rc=$? in $(( $(date +%s) - T0 ))s"
  grep -nE "error|tunekit\]" "$OUT/build.log" | head -20
  timeout "$(cap 90 180)" node scripts/run-tests.mjs test/trainer/mixed-precision.test.ts test/trainer/fp16.test.ts test/trainer/deferred-sync.test.ts \
    test/torch/linear-cross-entropy.test.ts test/optim/fused-adamw.test.ts test/optim/grad-scaler.test.ts test/trainer/chunked-nll.test.ts test/trainer/memory-metrics.test.ts test/nn/module-api.test.ts > "$OUT/tests.log" 2>&1
  echo "tests rc=$?"; grep -E "^# (tests|pass|fail|skipped)|^not ok" "$OUT/tests.log" | head
fi
$PY -c 'import torch, transformers, peft; print("torch", torch.__version__, "cuda", torch.version.cuda, "| transformers", transformers.__version__, "| peft", peft.__version__)'
: > "$OUT/results.jsonl"
for c in bert_fp32 bert_bf16 qwen_full qwen_lora qwen_full_chunked; do
  for side in tunekit transformers; do
    [ "$c" = qwen_full_chunked ] && [ "$side" = transformers ] && continue
    [ "$(left)" -lt 25 ] && { echo "out of budget before $c $side"; continue; }
    if [ "$side" = tunekit ]; then cmd=(node --import tsx scripts/device/bench10.mts "$c"); else cmd=("$PY" scripts/device/bench10.py "$c"); fi
    timeout "$(cap 120 15)" "${cmd[@]}" > "$OUT/bench-$c-$side.log" 2>&1; rc=$?
    grep -v "^RESULT" "$OUT/bench-$c-$side.log" | tail -3
    grep "^RESULT" "$OUT/bench-$c-$side.log" | sed 's/^RESULT //' >> "$OUT/results.jsonl" || echo "{\"config\": \"$c\", \"side\": \"$side\", \"rc\": $rc}" >> "$OUT/results.jsonl"
  done
done
$PY - "$OUT/results.jsonl" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {(r.get("config"), r.get("side")): r for r in rows}
print("| config | tunekit samples/s | transformers samples/s | ratio | tunekit tokens/s | tunekit peak GiB | transformers peak GiB |")
print("|---|---:|---:|---:|---:|---:|---:|")
for c in ["bert_fp32", "bert_bf16", "qwen_full", "qwen_lora", "qwen_full_chunked"]:
    t, h = by.get((c, "tunekit"), {}), by.get((c, "transformers"), {}) if c != "qwen_full_chunked" else by.get(("qwen_full", "transformers"), {})
    ts, hs = t.get("samples_per_s"), h.get("samples_per_s")
    f = lambda v, p=1: "?" if v is None else f"{v:.{p}f}"
    print(f"| {c} | {f(ts)} | {f(hs)} | {f(ts / hs if ts and hs else None, 2)} | {f(t.get('tokens_per_s'), 0)} | {f(t.get('peak_allocated_gib'), 2)} | {f(h.get('peak_allocated_gib'), 2)} |"
          + (f" tunekit error: {t['error'][:120]}" if "error" in t else "") + (f" transformers error: {h['error'][:120]}" if "error" in h else ""))
PYEOF
echo "done in $(( $(date +%s) - T0 ))s"
