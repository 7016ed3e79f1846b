// bench/lora-trainer.ts — LoRA training through tunekit's Trainer + tunekit/peft vs transformers'
// Trainer + peft (bench/hf/lora_train.py), issue #9.  The shape is the shared harness's `lora` mode
// (harness/bench_train.py): a random Llama (hidden 256, 4 layers, 4 heads, FFN 1024, vocab 32000,
// untied, transformers' init after manual_seed(42), written once by the Python side so both load the
// same weights), LoRA r=8 alpha=16 dropout 0.1 on q_proj,v_proj, batch 16 x 128 random tokens
// (labels = input_ids), AdamW lr 2e-4 wd 0.01, linear schedule, clip 1.0, logging every step.
// Steps/s over the steps after the warm-up; every run a fresh process, the sides interleaved
// (tunekit, HF sdpa, HF eager, tunekit, ...), medians.  Goal: tunekit ≥ 1.3× HF.
// Same libtorch: TUNEKIT_NATIVE=$PWD/native/build-torch2/Release/tunekit_native.node HF_PYTHON=/tmp/venv-hf/bin/python
// Usage: node --import tsx bench/lora-trainer.ts [--rounds 3] [--steps 12] [--warmup 3] [--attn sdpa,eager] [--json FILE]
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1]! : dflt; };
const ROUNDS = Number(opt('rounds', '3')), STEPS = Number(opt('steps', '12')), WARMUP = Number(opt('warmup', '3'));
const B = Number(opt('batch', '16')), T = Number(opt('seq', '128'));
const ATTN = opt('attn', 'sdpa,eager').split(',').filter(Boolean);
const py = process.env.HF_PYTHON ?? '/tmp/venv-hf/bin/python';
const threads = Number(process.env.BENCH_THREADS ?? Math.min(2, cpus().length));
const dir = process.env.BENCH_LORA_DIR ?? '/tmp/tunekit-bench/llama-lora';
const self = fileURLToPath(import.meta.url);
// both sides: the same OpenMP thread count (torch.set_num_threads as well)
const env = { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };

interface RunResult { steps_per_s: number; losses: number[]; params_trainable: number; params_total: number; [k: string]: unknown }

/** The tunekit side, in this (child) process. */
async function child(): Promise<void> {
  const torch = await import('../src/torch/index.js');
  const { LlamaForCausalLM } = await import('../src/models/index.js');
  const { LoraConfig, getPeftModel } = await import('../src/peft/index.js');
  const { Trainer, TrainingArguments, PrinterCallback, ProgressCallback } = await import('../src/trainer/index.js');
  torch.setNumThreads(threads);
  const base = await LlamaForCausalLM.fromPretrained(dir);
  const model = getPeftModel(base, new LoraConfig({ r: 8, lora_alpha: 16, lora_dropout: 0.1, target_modules: ['q_proj', 'v_proj'], task_type: 'CAUSAL_LM' }));
  const [trainable, total] = model.getNbTrainableParameters();
  // harness SyntheticDataset: randint(3, vocab, (n, seq)) from a Generator seeded 42 (same libtorch: same tokens)
  const n = B * (STEPS + WARMUP);
  const ids = torch.randint(3, base.config.vocab_size, [n, T], { generator: new torch.Generator().manualSeed(42) });
  const table = ids.toArray() as number[][];
  ids.dispose();
  const ones = new Array(T).fill(1);
  const rows = table.map((r) => ({ input_ids: r, attention_mask: ones, labels: r }));
  const out = mkdtempSync(join(tmpdir(), 'tk-bench-lora-'));
  const args = new TrainingArguments({
    output_dir: out, per_device_train_batch_size: B, max_steps: STEPS + WARMUP, learning_rate: 2e-4, weight_decay: 0.01,
    max_grad_norm: 1.0, lr_scheduler_type: 'linear', warmup_steps: 0, optim: 'adamw_torch', logging_strategy: 'steps',
    logging_steps: 1, save_strategy: 'no', eval_strategy: 'no', report_to: 'none', use_cpu: true, dataloader_num_workers: 0,
    disable_tqdm: true, seed: 42, data_seed: 42,
  });
  const trainer = new Trainer({ model, args, trainDataset: rows });
  trainer.removeCallback(PrinterCallback);
  trainer.removeCallback(ProgressCallback);
  let t0 = 0, t1 = 0;
  const losses: number[] = [], stepS: number[] = [];
  // `perf record -D -1 --control fifo:$PERF_CTL_FIFO` profiles the timed steps only
  const perfCtl = (cmd: string): void => { if (process.env.PERF_CTL_FIFO) appendFileSync(process.env.PERF_CTL_FIFO, `${cmd}\n`); };
  trainer.addCallback({
    onStepEnd: (_a, state) => {
      const now = performance.now();
      if (state.global_step > WARMUP) stepS.push(Math.round(now - t1) / 1000);
      if (state.global_step === WARMUP) { t0 = now; perfCtl('enable'); }
      t1 = now;
    },
    onTrainEnd: () => perfCtl('disable'),
    onLog: (_a, _s, _c, ctx) => { const l = (ctx as { logs?: { loss?: number } }).logs?.loss; if (typeof l === 'number') losses.push(l); },
  });
  await trainer.train();
  rmSync(out, { recursive: true, force: true });
  const res: RunResult = { steps_per_s: STEPS / ((t1 - t0) / 1000), step_s: stepS, losses, params_trainable: trainable, params_total: total, torch: torch.version(), threads: torch.getNumThreads() };
  console.log(JSON.stringify(res));
}

function last(stdout: string): RunResult { return JSON.parse(stdout.trim().split('\n').pop()!) as RunResult; }

function runOurs(): RunResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', ...argv], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`tunekit side failed: ${r.stderr.split('\n').slice(-8).join(' / ')}`);
  return last(r.stdout);
}
function runHf(attn: string): RunResult {
  const r = spawnSync(py, [join(import.meta.dirname, 'hf', 'lora_train.py'), '--dir', dir, '--steps', String(STEPS), '--warmup', String(WARMUP),
    '--batch', String(B), '--seq', String(T), '--threads', String(threads), '--attn', attn], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`transformers side failed: ${r.stderr.split('\n').slice(-8).join(' / ')}`);
  return last(r.stdout);
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

async function main(): Promise<void> {
  // the checkpoint (transformers' init), once
  const w = spawnSync(py, [join(import.meta.dirname, 'hf', 'lora_train.py'), '--dir', dir, '--write-only'], { encoding: 'utf8', env });
  if (w.status !== 0) throw new Error(`writing the checkpoint failed: ${w.stderr}`);
  const ours: RunResult[] = [], hf: Record<string, RunResult[]> = Object.fromEntries(ATTN.map((a) => [a, []]));
  for (let r = 0; r < ROUNDS; r++) {
    // rotate the order each round so no side always runs first after an idle spell
    const order = ['tunekit', ...ATTN];
    for (let k = 0; k < order.length; k++) {
      const who = order[(k + r) % order.length]!;
      const res = who === 'tunekit' ? runOurs() : runHf(who);
      (who === 'tunekit' ? ours : hf[who]!).push(res);
      process.stderr.write(`round ${r + 1} ${who}: ${res.steps_per_s.toFixed(3)} steps/s\n`);
    }
  }
  const ref = hf[ATTN[0]!]![0]!;
  const o = median(ours.map((x) => x.steps_per_s));
  const fmt = (xs: RunResult[]): string => xs.map((x) => x.steps_per_s.toFixed(3)).join(', ');
  console.log(`Llama (hidden 256, 4 layers, 4 heads, FFN 1024, vocab 32000, untied), LoRA r=8 alpha=16 dropout 0.1 on q_proj,v_proj ` +
    `(${ours[0]!.params_trainable.toLocaleString('en-US')} of ${ours[0]!.params_total.toLocaleString('en-US')} parameters train; peft: ` +
    `${ref.params_trainable.toLocaleString('en-US')} of ${ref.params_total.toLocaleString('en-US')}), batch ${B} x ${T}, ${STEPS} timed steps after ${WARMUP}, ` +
    `${ROUNDS} interleaved rounds; tunekit on libtorch ${String(ours[0]!.torch)}, transformers ${String(ref.transformers)} + peft ${String(ref.peft)} on torch ${String(ref.torch)}, ${threads} threads each`);
  console.log(`first loss: tunekit ${ours[0]!.losses[0]}, transformers ${ref.losses[0]} (same weights and rows; the first batch differs: transformers 5's sampler draws after peft's init consumed the global RNG differently. On one same batch both give 10.426185607910156)`);
  console.log('| trainer | steps/s (each run) | median steps/s | ms/step | tunekit / this (goal ≥ 1.3) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const a of ATTN) {
    const m = median(hf[a]!.map((x) => x.steps_per_s));
    console.log(`| transformers Trainer + peft (${a} attention) | ${fmt(hf[a]!)} | ${m.toFixed(3)} | ${(1000 / m).toFixed(0)} | **${(o / m).toFixed(2)}** |`);
  }
  console.log(`| tunekit Trainer + tunekit/peft (sdpa) | ${fmt(ours)} | ${o.toFixed(3)} | ${(1000 / o).toFixed(0)} | 1.00 |`);
  const json = opt('json', '');
  if (json) writeFileSync(json, JSON.stringify({ ours, hf, steps: STEPS, warmup: WARMUP, batch: B, seq: T, threads }, null, 1));
}

if (argv.includes('--child')) await child();
else await main();
