// bench/sft-common.ts — what bench/sft-packing.ts and bench/sft-lora.ts share (issue #11): the tunekit
// side of one SFT training run (a child process: tunekit's SFTTrainer on the rows and checkpoint
// bench/hf/sft_common.py writes), the TRL side (that script), and the interleaved rounds.
// Both sides: the same checkpoint, tokenizer, rows in dataset order (sequential sampler), batch,
// max_length, loss_type, gradient checkpointing, float32, seed and thread count. Tokens/s counts
// real tokens only: the `num_tokens` both trainers log every step (attention_mask sum when padded,
// the packed row's length when padding-free), over the steps after the warm-up.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const py = process.env.HF_PYTHON ?? '/tmp/venv-hf/bin/python';
// One thread each by default (BENCH_THREADS=2 for both cores): on this shared 2-core VM another job
// often holds a core, and two OpenMP threads per side then ran 3-4× slower and erratically (threads
// spinning at barriers while one of them waits for the busy core); one thread each is stable.
export const threads = Number(process.env.BENCH_THREADS ?? 1);
/** Both sides: the same OpenMP thread count (torch.set_num_threads as well). */
const env = { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
const PY_SCRIPT = join(import.meta.dirname, 'hf', 'sft_common.py');
const SELF = fileURLToPath(import.meta.url);

/** One run's settings: the flags of bench/hf/sft_common.py (the child reads the same ones). */
export interface RunSpec {
  mode: 'pack' | 'pad';
  lora?: boolean;
  batch: number;
  maxLength: number;
  steps: number;
  warmup: number;
  lossType: 'nll' | 'chunked_nll';
  gc: boolean;
}
/** The model written once by the Python side (Llama, stories260K tokenizer + Qwen3's template). */
export interface Shape { hidden: number; layers: number; heads: number; kvHeads: number; intermediate: number; tokenizer?: 'stories' | 'qwen3' }

export interface RunResult {
  side: 'tunekit' | 'trl'; mode: string; lora: boolean; tokens_per_s: number; timed_tokens: number; seconds: number;
  step_s: number[]; step_tokens: number[] | null; fill: number; losses: number[]; dataset_rows: number; dataset_tokens: number;
  params_trainable: number; params_total: number; torch: string; [k: string]: unknown;
}

const flags = (s: RunSpec): string[] => ['--mode', s.mode, ...(s.lora ? ['--lora'] : []), '--batch', String(s.batch), '--max-length', String(s.maxLength),
  '--steps', String(s.steps), '--warmup', String(s.warmup), '--loss-type', s.lossType, '--gc', s.gc ? '1' : '0', '--threads', String(threads)];
const last = (stdout: string): RunResult => JSON.parse(stdout.trim().split('\n').pop()!) as RunResult;

/** Writes <dir>/rows.jsonl and <dir>/model (once per shape: the Python side's init). */
export function writeData(dir: string, s: Shape): void {
  if (existsSync(join(dir, 'rows.jsonl')) && existsSync(join(dir, 'model', 'model.safetensors'))) return;
  const r = spawnSync(py, [PY_SCRIPT, '--dir', dir, '--write-only', '--hidden', String(s.hidden), '--layers', String(s.layers), '--heads', String(s.heads),
    '--kv-heads', String(s.kvHeads), '--intermediate', String(s.intermediate), '--tokenizer', s.tokenizer ?? 'stories'], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`writing the data and checkpoint failed: ${r.stderr.split('\n').slice(-8).join(' / ')}`);
}

/** One run in a fresh process: tunekit (this file as a child) or TRL (bench/hf/sft_common.py). */
export function runSide(side: 'tunekit' | 'trl', dir: string, s: RunSpec, extraEnv: Record<string, string> = {}): RunResult {
  const r = side === 'tunekit'
    ? spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', '--dir', dir, ...flags(s)], { encoding: 'utf8', env: { ...env, ...extraEnv }, maxBuffer: 1 << 26 })
    : spawnSync(py, [PY_SCRIPT, '--dir', dir, ...flags(s)], { encoding: 'utf8', env: { ...env, ...extraEnv }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${side} ${s.mode}${s.lora ? ' lora' : ''} failed: ${r.stderr.split('\n').slice(-8).join(' / ')}`);
  return last(r.stdout);
}

export const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

/**
 * Runs every config `rounds` times, interleaved (A B C D, then B C D A, ...: the order rotates so no
 * config always runs first after an idle spell); returns the runs per config key.
 */
export function interleave(keys: string[], rounds: number, run: (key: string) => RunResult): Record<string, RunResult[]> {
  const out: Record<string, RunResult[]> = Object.fromEntries(keys.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < keys.length; k++) {
      const key = keys[(k + r) % keys.length]!;
      const res = run(key);
      out[key]!.push(res);
      process.stderr.write(`round ${r + 1} ${key}: ${res.tokens_per_s.toFixed(0)} tokens/s (${res.timed_tokens} tokens in ${res.seconds.toFixed(1)} s, fill ${res.fill.toFixed(2)})\n`);
    }
  }
  return out;
}

/** The load average of the machine (the VM is shared: worth printing beside the numbers). */
export function loadAvg(): string {
  try { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); } catch { return 'n/a'; }
}

/** The tunekit side, in this (child) process: flags as bench/hf/sft_common.py. */
async function child(argv: string[]): Promise<void> {
  const opt = (name: string, dflt: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1]! : dflt; };
  const num = (name: string, dflt: number): number => Number(opt(name, String(dflt)));
  const dir = opt('dir', ''), mode = opt('mode', 'pad'), lora = argv.includes('--lora');
  const B = num('batch', 4), steps = num('steps', 8), warmup = num('warmup', 2), total = steps + warmup;
  const torch = await import('../src/torch/index.js');
  const { AutoModelForCausalLM } = await import('../src/models/index.js');
  const { AutoTokenizer } = await import('../src/tokenizers/index.js');
  const { SFTConfig, SFTTrainer, PrinterCallback, ProgressCallback } = await import('../src/trainer/index.js');
  torch.setNumThreads(num('threads', threads));
  const rows = readFileSync(join(dir, 'rows.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const tok = await AutoTokenizer.fromPretrained(join(dir, 'model'));
  const model = await AutoModelForCausalLM.fromPretrained(join(dir, 'model'));
  const out = mkdtempSync(join(tmpdir(), 'tk-bench-sft-'));
  const args = new SFTConfig({
    output_dir: out, per_device_train_batch_size: B, max_steps: total, learning_rate: lora ? 2e-4 : 2e-5,
    max_length: num('max-length', 1024), packing: mode === 'pack', packing_strategy: 'bfd', loss_type: opt('loss-type', 'chunked_nll') as 'nll',
    gradient_checkpointing: num('gc', 0) === 1, bf16: false, logging_strategy: 'steps', logging_steps: 1, save_strategy: 'no', eval_strategy: 'no',
    report_to: 'none', use_cpu: true, dataloader_num_workers: 0, disable_tqdm: true, seed: 42, data_seed: 42,
  });
  // peft's LoraConfig as bench/hf/sft_common.py's
  const peftConfig = lora ? { task_type: 'CAUSAL_LM', r: 16, lora_alpha: 32, lora_dropout: 0.05,
    target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] } : undefined;
  const trainer = new SFTTrainer({ model: model as never, args, trainDataset: rows as never, processingClass: tok as never, peftConfig: peftConfig as never, trainSampler: 'sequential' });
  trainer.removeCallback(PrinterCallback);
  trainer.removeCallback(ProgressCallback);
  await trainer.ready;
  const lengths = (trainer.trainDataset as unknown as { input_ids: number[] }[]).map((r) => r.input_ids.length);
  if (lengths.length < B * total) throw new Error(`${lengths.length} prepared rows are fewer than batch ${B} x ${total} steps`);
  const params = (trainer.model as unknown as { parameters(): { numel(): number; requiresGrad: boolean }[] }).parameters();
  let t0 = 0, t1 = 0;
  const stepS: number[] = [], tokens: number[] = [], losses: number[] = [];
  // `perf record -D -1 --control fifo:$PERF_CTL_FIFO` profiles the timed steps only
  const perfCtl = (cmd: string): void => { if (process.env.PERF_CTL_FIFO) appendFileSync(process.env.PERF_CTL_FIFO, `${cmd}\n`); };
  trainer.addCallback({
    onStepEnd: (_a, state) => {
      const now = performance.now();
      if (state.global_step > warmup) stepS.push(Math.round(now - t1) / 1000);
      if (state.global_step === warmup) { t0 = now; perfCtl('enable'); }
      t1 = now;
    },
    onTrainEnd: () => perfCtl('disable'),
    onLog: (_a, _s, _c, ctx) => {
      const l = (ctx as { logs?: { loss?: number; num_tokens?: number } }).logs;
      if (typeof l?.loss === 'number') { losses.push(l.loss); tokens.push(l.num_tokens!); }
    },
  });
  await trainer.train();
  rmSync(out, { recursive: true, force: true });
  const timed = Array.from({ length: steps }, (_, i) => lengths.slice((warmup + i) * B, (warmup + i + 1) * B));
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const timedTokens = tokens.at(-1)! - (warmup ? tokens[warmup - 1]! : 0);
  const res: RunResult = {
    side: 'tunekit', mode, lora, tokens_per_s: timedTokens / ((t1 - t0) / 1000), timed_tokens: timedTokens, seconds: (t1 - t0) / 1000,
    step_s: stepS, step_tokens: warmup ? tokens.slice(warmup - 1).slice(1).map((t, i) => t - tokens[warmup - 1 + i]!) : null,
    fill: mode === 'pad' ? sum(timed.map(sum)) / sum(timed.map((b) => b.length * Math.max(...b))) : 1, losses,
    dataset_rows: lengths.length, dataset_tokens: sum(lengths),
    params_trainable: sum(params.filter((p) => p.requiresGrad).map((p) => p.numel())), params_total: sum(params.map((p) => p.numel())),
    torch: torch.version(), threads: torch.getNumThreads(),
  };
  console.log(JSON.stringify(res));
}

if (process.argv.includes('--child') && fileURLToPath(import.meta.url) === process.argv[process.argv.indexOf('--child') - 1]) await child(process.argv.slice(2));
