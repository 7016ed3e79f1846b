// bench/inference.ts — BERT inference on CPU, tunekit vs transformers on the same libtorch (issue
// #10: "inference >= 1.1x with peak memory <= HF's").  A random BertForSequenceClassification of
// bert-base's shape (hidden 768, 12 layers, 12 heads, FFN 3072, vocab 30522, 2 labels) in eval mode
// under noGrad, batch 32 x 128 random tokens, attention mask of ones; forward only.  Fresh child
// process per side: one warm-up, the median of the timed forwards; RSS after setup and the peak
// (VmHWM reset after setup when the kernel allows).  The reference side is bench/hf/bert_infer.py.
// Same libtorch: TUNEKIT_NATIVE=$PWD/native/build-torch2/Release/tunekit_native.node HF_PYTHON=/tmp/venv-hf/bin/python
// Usage: node --import tsx bench/inference.ts [--batch 32] [--seq 128] [--layers 12] [--steps 3] [--rounds 2] [--no-hf] [--json FILE]
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { medianSeconds, resetPeak, statusKb } from './mem.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1]! : dflt; };
const B = Number(opt('batch', '32')), T = Number(opt('seq', '128')), L = Number(opt('layers', '12')), STEPS = Number(opt('steps', '3'));
const ROUNDS = Number(opt('rounds', '2'));
const SHAPE = { hidden: 768, heads: 12, inter: 3072, vocab: 30522 };
const py = process.env.HF_PYTHON ?? '/tmp/venv-hf/bin/python';
const threads = Number(process.env.BENCH_THREADS ?? Math.min(2, cpus().length));
const self = fileURLToPath(import.meta.url);
const env = { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };

interface Result { side: string; version: string; s_per_forward: number; rss_setup_kb: number; hwm_kb: number; peak_reset: boolean }


async function child(): Promise<void> {
  const torch = await import('../src/torch/index.js');
  const { BertConfig, BertForSequenceClassification } = await import('../src/models/index.js');
  torch.setNumThreads(threads);
  torch.manualSeed(42);
  const model = new BertForSequenceClassification(new BertConfig({
    hidden_size: SHAPE.hidden, num_hidden_layers: L, num_attention_heads: SHAPE.heads, intermediate_size: SHAPE.inter,
    vocab_size: SHAPE.vocab, num_labels: 2, max_position_embeddings: Math.max(512, T),
  }));
  model.eval();
  const ids = torch.randint(0, SHAPE.vocab, [B, T], { generator: new torch.Generator().manualSeed(0) }).keep();
  const mask = torch.ones([B, T], { dtype: 'int64' }).keep();
  const step = (): number => torch.tidy(() => torch.noGrad(() => model.forward({ input_ids: ids, attention_mask: mask }).logits.sum().item()));
  const rssSetup = statusKb('VmRSS');
  const reset = resetPeak();
  step();
  const median = medianSeconds(step, STEPS);
  const r: Result = { side: 'tunekit', version: `tunekit (libtorch ${torch.version()})`, s_per_forward: median,
    rss_setup_kb: rssSetup, hwm_kb: statusKb('VmHWM'), peak_reset: reset };
  console.log(JSON.stringify(r));
}

const last = (stdout: string): Result => JSON.parse(stdout.trim().split('\n').pop()!) as Result;
function run(side: 'tunekit' | 'transformers'): Result {
  const r = side === 'tunekit'
    ? spawnSync(process.execPath, ['--import', 'tsx', self, '--child', ...argv], { encoding: 'utf8', env })
    : spawnSync(py, [join(import.meta.dirname, 'hf', 'bert_infer.py'), '--batch', String(B), '--seq', String(T), '--layers', String(L),
      '--hidden', String(SHAPE.hidden), '--heads', String(SHAPE.heads), '--intermediate', String(SHAPE.inter), '--vocab', String(SHAPE.vocab),
      '--steps', String(STEPS), '--threads', String(threads)], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${side} failed: ${r.stderr.split('\n').slice(-8).join(' / ')}`);
  return last(r.stdout);
}

async function main(): Promise<void> {
  const mib = (kb: number): string => (kb / 1024).toFixed(0);
  const rows: Result[] = [];
  // interleaved rounds: machine drift hits both sides alike
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of ['tunekit', ...(argv.includes('--no-hf') ? [] : ['transformers'])] as ('tunekit' | 'transformers')[]) {
      const x = run(side);
      rows.push(x);
      process.stderr.write(`round ${r + 1} ${x.version}: ${x.s_per_forward.toFixed(3)} s/forward, peak ${mib(x.hwm_kb)} MiB (setup ${mib(x.rss_setup_kb)})\n`);
    }
  }
  console.log(`BertForSequenceClassification, hidden ${SHAPE.hidden}, ${L} layers, ${SHAPE.heads} heads, FFN ${SHAPE.inter}, vocab ${SHAPE.vocab}; ` +
    `batch ${B} x ${T}, eval + no-grad forward, median of ${STEPS} after a warm-up, ${ROUNDS} interleaved rounds, fresh process each, ${threads} threads.`);
  console.log('| round | side | s / forward | RSS after setup MiB | peak RSS MiB | peak − setup MiB |');
  console.log('|---:|---|---:|---:|---:|---:|');
  rows.forEach((x, i) => console.log(`| ${Math.floor(i / (rows.length / ROUNDS)) + 1} | ${x.version} | ${x.s_per_forward.toFixed(3)} | ${mib(x.rss_setup_kb)} | ${mib(x.hwm_kb)} | ${mib(x.hwm_kb - x.rss_setup_kb)} |`));
  const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const tk = rows.filter((x) => x.side === 'tunekit'), hf = rows.filter((x) => x.side === 'transformers');
  if (hf.length) {
    const speed = med(hf.map((x) => x.s_per_forward)) / med(tk.map((x) => x.s_per_forward));
    const grow = (xs: Result[]): number => med(xs.map((x) => x.hwm_kb - x.rss_setup_kb));
    console.log(`tunekit vs transformers: ${speed.toFixed(2)}x speed (goal >= 1.1), inference peak (peak − setup) ${(grow(tk) / grow(hf)).toFixed(2)}x (goal <= 1.0), ` +
      `peak RSS ${(med(tk.map((x) => x.hwm_kb)) / med(hf.map((x) => x.hwm_kb))).toFixed(2)}x`);
  }
  const json = opt('json', '');
  if (json) writeFileSync(json, JSON.stringify({ rows, batch: B, seq: T, layers: L, threads, shape: SHAPE }, null, 1));
}

if (argv.includes('--child')) await child();
else await main();
