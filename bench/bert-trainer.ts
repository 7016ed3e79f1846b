// bench/bert-trainer.ts — BERT-style classifier (hidden 256, 4 layers, 4 heads, FFN 1024, seq 128,
// batch 16) trained through tunekit's Trainer vs a plain PyTorch loop on the same CPU
// (bench/bert_train.py), samples/s side by side.  Target ≥ 1.0×.
// Usage: node --import tsx bench/bert-trainer.ts [steps]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/torch/index.js';
import { BertConfig, BertForSequenceClassification } from '../src/models/index.js';
import { Trainer, TrainingArguments, PrinterCallback, ProgressCallback } from '../src/trainer/index.js';

const STEPS = Number(process.argv[2] ?? 30), B = 16, T = 128, WARMUP = 3;
const py = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
const r = spawnSync(py, [new URL('./bert_train.py', import.meta.url).pathname, String(STEPS)], { encoding: 'utf8' });
if (r.status !== 0) throw new Error(`python reference failed: ${r.stderr}`);
const ref = JSON.parse(r.stdout) as { torch: string; threads: number; samples_per_s: number };
torch.setNumThreads(ref.threads);
torch.manualSeed(0);

const config = new BertConfig({ hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024, num_labels: 2 });
const model = new BertForSequenceClassification(config);
// One fixed random batch repeated, as the Python loop does: the cost measured is the step.
const ids = Array.from({ length: T }, () => 1 + Math.floor(Math.random() * 30521));
const rows = Array.from({ length: B * (STEPS + WARMUP) }, (_, i) => ({ input_ids: ids, attention_mask: new Array(T).fill(1), labels: i % 2 }));
const out = mkdtempSync(join(tmpdir(), 'tk-bench-bert-'));
const args = new TrainingArguments({
  output_dir: out, per_device_train_batch_size: B, max_steps: STEPS + WARMUP, learning_rate: 5e-5,
  weight_decay: 0.01, logging_steps: 1000, save_strategy: 'no', report_to: 'none', disable_tqdm: true,
});
const trainer = new Trainer({ model, args, trainDataset: rows, trainSampler: 'sequential' });
trainer.removeCallback(PrinterCallback);
trainer.removeCallback(ProgressCallback);
let t0 = 0;
trainer.addCallback({ onStepEnd: (_a, state) => { if (state.global_step === WARMUP) t0 = performance.now(); } });
await trainer.train();
const sps = (STEPS * B) / ((performance.now() - t0) / 1000);
rmSync(out, { recursive: true, force: true });

console.log(`BERT classifier (hidden 256, 4 layers, seq 128, batch 16), ${STEPS} steps after ${WARMUP}; libtorch ${torch.version()} / torch ${ref.torch}, ${ref.threads} thread(s)`);
console.log('| loop | samples/s | ratio (target ≥ 1.0) |');
console.log('|---|---:|---:|');
console.log(`| plain PyTorch loop (bench/bert_train.py) | ${ref.samples_per_s.toFixed(1)} | 1.00 |`);
console.log(`| tunekit Trainer | ${sps.toFixed(1)} | ${(sps / ref.samples_per_s).toFixed(2)} |`);
