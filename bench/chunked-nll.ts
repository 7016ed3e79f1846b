// bench/chunked-nll.ts — loss_type 'chunked_nll' (native linearCrossEntropy) vs the logits path,
// side by side with transformers' logits path and TRL's SFTTrainer chunked_nll on the same shape
// (bench/hf/chunked_nll.py), issue #10 "big vocabularies".  A random Llama with Qwen2's vocabulary
// (151,936; hidden 256, 2 layers, 4 heads, FFN 512, untied), batch 2 x 512 random tokens with
// labels = input_ids: the (B, T, V) float32 logits are 622 MB, their gradient as much again.  Each
// measurement is a fresh child process: forward + backward (+ zero_grad), one warm-up, the median of
// the timed steps; RSS after setup and the peak (VmHWM reset after setup when the kernel allows).
// Same libtorch: TUNEKIT_NATIVE=$PWD/native/build-torch2/Release/tunekit_native.node HF_PYTHON=/tmp/venv-hf/bin/python
// Usage: node --import tsx bench/chunked-nll.ts [--steps 3] [--batch 2] [--seq 512] [--vocab 151936] [--no-hf] [--json FILE]
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { medianSeconds, resetPeak, statusKb } from './mem.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1]! : dflt; };
const STEPS = Number(opt('steps', '3')), B = Number(opt('batch', '2')), T = Number(opt('seq', '512')), V = Number(opt('vocab', '151936'));
const SHAPE = { hidden: 256, layers: 2, heads: 4, inter: 512 };
const py = process.env.HF_PYTHON ?? '/tmp/venv-hf/bin/python';
const threads = Number(process.env.BENCH_THREADS ?? Math.min(2, cpus().length));
const self = fileURLToPath(import.meta.url);
const env = { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };

interface Result { side: string; mode: string; version: string; s_per_step: number; loss: number; rss_setup_kb: number; hwm_kb: number; peak_reset: boolean }


/** The tunekit side, in this (child) process. */
async function child(mode: 'nll' | 'chunked_nll'): Promise<void> {
  const torch = await import('../src/torch/index.js');
  const { LlamaConfig, LlamaForCausalLM } = await import('../src/models/index.js');
  torch.setNumThreads(threads);
  torch.manualSeed(42);
  const model = new LlamaForCausalLM(new LlamaConfig({
    vocab_size: V, hidden_size: SHAPE.hidden, intermediate_size: SHAPE.inter, num_hidden_layers: SHAPE.layers,
    num_attention_heads: SHAPE.heads, num_key_value_heads: SHAPE.heads, max_position_embeddings: Math.max(2048, T), tie_word_embeddings: false,
  }));
  model.lossType = mode;
  model.train();
  const ids = torch.randint(0, V, [B, T], { generator: new torch.Generator().manualSeed(0) }).keep();
  const step = (): number => torch.tidy(() => {
    const loss = model.forward({ input_ids: ids, labels: ids }).loss!;
    loss.backward();
    model.zeroGrad();
    return loss.item();
  });
  const rssSetup = statusKb('VmRSS');
  const reset = resetPeak();
  const first = step();
  const median = medianSeconds(step, STEPS);
  const r: Result = { side: 'tunekit', mode, version: `tunekit (libtorch ${torch.version()})`, s_per_step: median, loss: first,
    rss_setup_kb: rssSetup, hwm_kb: statusKb('VmHWM'), peak_reset: reset };
  console.log(JSON.stringify(r));
}

const last = (stdout: string): Result => JSON.parse(stdout.trim().split('\n').pop()!) as Result;
function run(side: 'tunekit' | 'hf', mode: string): Result {
  const r = side === 'tunekit'
    ? spawnSync(process.execPath, ['--import', 'tsx', self, '--child', mode, ...argv], { encoding: 'utf8', env })
    : spawnSync(py, [join(import.meta.dirname, 'hf', 'chunked_nll.py'), '--mode', mode, '--steps', String(STEPS), '--batch', String(B), '--seq', String(T),
      '--hidden', String(SHAPE.hidden), '--layers', String(SHAPE.layers), '--heads', String(SHAPE.heads), '--intermediate', String(SHAPE.inter),
      '--vocab', String(V), '--threads', String(threads)], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${side} ${mode} failed: ${r.stderr.split('\n').slice(-8).join(' / ')}`);
  return last(r.stdout);
}

async function main(): Promise<void> {
  const mib = (kb: number): string => (kb / 1024).toFixed(0);
  const rows: Result[] = [];
  for (const mode of ['nll', 'chunked_nll']) {
    for (const side of ['tunekit', ...(argv.includes('--no-hf') ? [] : ['hf'])] as ('tunekit' | 'hf')[]) {
      const r = run(side, mode);
      rows.push(r);
      process.stderr.write(`${r.version} ${mode}: ${r.s_per_step.toFixed(3)} s/step, peak ${mib(r.hwm_kb)} MiB\n`);
    }
  }
  console.log(`Llama hidden ${SHAPE.hidden}, ${SHAPE.layers} layers, FFN ${SHAPE.inter}, vocab ${V}, untied; batch ${B} x ${T} (logits ${(B * T * V * 4 / 2 ** 20).toFixed(0)} MiB in float32); ` +
    `forward + backward, median of ${STEPS} after a warm-up, fresh process each, ${threads} threads.`);
  console.log('| side | loss | first loss | s / step | RSS after setup MiB | peak RSS MiB | peak − setup MiB |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.version} | ${r.mode} | ${r.loss.toFixed(4)} | ${r.s_per_step.toFixed(3)} | ${mib(r.rss_setup_kb)} | ${mib(r.hwm_kb)} | ${mib(r.hwm_kb - r.rss_setup_kb)} |`);
  const get = (side: string, mode: string): Result | undefined => rows.find((r) => r.side === side && r.mode === mode);
  const tn = get('tunekit', 'nll')!, tc = get('tunekit', 'chunked_nll')!;
  const grow = (r: Result): number => r.hwm_kb - r.rss_setup_kb;
  console.log(`tunekit chunked_nll vs tunekit nll: ${(tn.s_per_step / tc.s_per_step).toFixed(2)}x speed, training peak (peak − setup) ${(grow(tc) / grow(tn)).toFixed(2)}x`);
  const hn = get('hf', 'nll'), hc = get('hf', 'chunked_nll');
  if (hn && hc) {
    console.log(`tunekit nll vs transformers nll: ${(hn.s_per_step / tn.s_per_step).toFixed(2)}x speed, training peak ${(grow(tn) / grow(hn)).toFixed(2)}x`);
    console.log(`tunekit chunked_nll vs TRL chunked_nll: ${(hc.s_per_step / tc.s_per_step).toFixed(2)}x speed, training peak ${(grow(tc) / grow(hc)).toFixed(2)}x`);
  }
  const json = opt('json', '');
  if (json) writeFileSync(json, JSON.stringify({ rows, steps: STEPS, batch: B, seq: T, vocab: V, threads, shape: SHAPE }, null, 1));
}

const ci = argv.indexOf('--child');
if (ci >= 0) await child(argv[ci + 1] as 'nll' | 'chunked_nll');
else await main();
