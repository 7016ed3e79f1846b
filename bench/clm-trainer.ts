// bench/clm-trainer.ts — causal-LM training through tunekit's Trainer vs transformers' Trainer
// (bench/hf/clm_train.py) on the same CPU, libtorch and weights: a random Llama (hidden 256,
// 4 layers, 8/4 heads, vocab 4096, transformers' init), batch 8 x 128 tokens, AdamW + linear
// schedule + clip 1.0. samples/s after a warm-up, side by side. Goal ≥ 1.1×.
// Same libtorch: TUNEKIT_NATIVE=<a build against the venv's torch> HF_PYTHON=/tmp/venv-hf/bin/python
// Usage: node --import tsx bench/clm-trainer.ts [steps]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/torch/index.js';
import { LlamaForCausalLM } from '../src/models/index.js';
import { Trainer, TrainingArguments, PrinterCallback, ProgressCallback } from '../src/trainer/index.js';

const STEPS = Number(process.argv[2] ?? 20), WARMUP = 3, B = 8, T = 128;
const py = process.env.HF_PYTHON ?? '/tmp/venv-hf/bin/python';
const threads = Number(process.env.BENCH_THREADS ?? Math.min(2, cpus().length));
const dir = process.env.BENCH_CLM_DIR ?? '/tmp/tunekit-bench/llama-clm';

function hf(): { samples_per_s: number; torch: string; transformers: string; attn: string } {
  const r = spawnSync(py, [new URL('./hf/clm_train.py', import.meta.url).pathname, dir, String(STEPS), String(WARMUP), String(B), String(T), String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`transformers side failed: ${r.stderr.split('\n').slice(-5).join(' / ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function ours(): Promise<number> {
  torch.setNumThreads(threads);
  const model = await LlamaForCausalLM.fromPretrained(dir);
  const g = new torch.Generator().manualSeed(0);
  const ids = (torch.randint(3, model.config.vocab_size, [T], { generator: g }).toArray() as number[]);
  const rows = Array.from({ length: B * (STEPS + WARMUP) }, () => ({ input_ids: ids, attention_mask: new Array(T).fill(1), labels: ids }));
  const out = mkdtempSync(join(tmpdir(), 'tk-bench-clm-'));
  const args = new TrainingArguments({
    output_dir: out, per_device_train_batch_size: B, max_steps: STEPS + WARMUP, learning_rate: 5e-4, weight_decay: 0.01,
    logging_steps: 1000, save_strategy: 'no', report_to: 'none', disable_tqdm: true, seed: 0,
  });
  const trainer = new Trainer({ model, args, trainDataset: rows });
  trainer.removeCallback(PrinterCallback);
  trainer.removeCallback(ProgressCallback);
  let t0 = 0;
  trainer.addCallback({ onStepEnd: (_a, state) => { if (state.global_step === WARMUP) t0 = performance.now(); } });
  await trainer.train();
  const sps = (STEPS * B) / ((performance.now() - t0) / 1000);
  rmSync(out, { recursive: true, force: true });
  model.dispose();
  return sps;
}

const ref1 = hf();           // also writes the checkpoint the first time
const a = await ours();
const ref2 = hf();
const b = await ours();
const refRate = (ref1.samples_per_s + ref2.samples_per_s) / 2, ourRate = (a + b) / 2;
console.log(`Llama causal LM (hidden 256, 4 layers, vocab 4096), batch ${B} x ${T}, ${STEPS} steps after ${WARMUP}, two alternating rounds; ` +
  `tunekit on libtorch ${torch.version()}, transformers ${ref1.transformers} on torch ${ref1.torch} (${ref1.attn} attention), ${threads} threads each`);
console.log('| trainer | samples/s (round 1, round 2) | ratio (goal ≥ 1.1) |');
console.log('|---|---:|---:|');
console.log(`| transformers Trainer | ${ref1.samples_per_s.toFixed(1)}, ${ref2.samples_per_s.toFixed(1)} | 1.00 |`);
console.log(`| tunekit Trainer | ${a.toFixed(1)}, ${b.toFixed(1)} | ${(ourRate / refRate).toFixed(2)} |`);
