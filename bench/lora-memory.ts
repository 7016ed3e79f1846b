// bench/lora-memory.ts — peak RSS of LoRA training vs full fine-tuning of the same Llama, issue #9.
// The model (~30M parameters, as issue #9 asks): hidden 384, 4 layers, 6 heads (kv 6), FFN 1024, vocab 32000, untied embeddings (the shared
// harness's causal-LM conventions), random init after manual_seed(42), built in memory (no checkpoint
// file in the peak). LoRA r=8 alpha=16 dropout 0.1 on q_proj,v_proj; batch 8 x 128 random tokens;
// the Trainer's AdamW (wd 0.01), linear schedule, clip 1.0; 3 optimizer steps (AdamW's moments exist from
// the first step on). Every measurement is a fresh child process: RSS after building the model and
// the data, then the peak (VmHWM, reset after the setup when the kernel allows) over the steps.  The
// tunekit LoRA run also reports who holds a .grad after the first backward and how many tensors the
// optimizer state holds: only the LoRA parameters.  The transformers + peft side (bench/hf/lora_train.py
// without --dir, same shape) is the reference.
// Same libtorch: TUNEKIT_NATIVE=$PWD/native/build-torch2/Release/tunekit_native.node HF_PYTHON=/tmp/venv-hf/bin/python
// Usage: node --import tsx bench/lora-memory.ts [--steps 3] [--batch 8] [--seq 128] [--no-hf] [--json FILE]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resetPeak, statusKb } from './mem.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1]! : dflt; };
const STEPS = Number(opt('steps', '3')), B = Number(opt('batch', '8')), T = Number(opt('seq', '128'));
const SHAPE = { hidden: 384, layers: 4, heads: 6, kv: 6, inter: 1024, vocab: 32000 }; // 31.7M parameters
const py = process.env.HF_PYTHON ?? '/tmp/venv-hf/bin/python';
const threads = Number(process.env.BENCH_THREADS ?? Math.min(2, cpus().length));
const self = fileURLToPath(import.meta.url);
const env = { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };

/** Parameters of the Llama above, by hand: embed + layers (q, k, v, o, gate, up, down, 2 norms) + norm + lm_head. */
function paramCount(s = SHAPE): { total: number; lora: number } {
  const headDim = s.hidden / s.heads;
  const attn = s.hidden * s.hidden * 2 + s.hidden * s.kv * headDim * 2; // q, o + k, v
  const layer = attn + 3 * s.hidden * s.inter + 2 * s.hidden;
  const total = 2 * s.vocab * s.hidden + s.layers * layer + s.hidden;
  const lora = s.layers * 8 * ((s.hidden + s.hidden) + (s.hidden + s.kv * headDim)); // r=8: A (8, in) + B (out, 8) on q and v
  return { total, lora };
}


interface MemResult {
  rss_setup_kb: number; hwm_kb: number; peak_reset: boolean; params_total: number; params_trainable: number;
  params_with_grad_after_backward: [number, number] | null; optimizer_params_with_state: number;
  optimizer_moment_tensors: number; optimizer_moment_elements: number; [k: string]: unknown;
}

/** The tunekit side, in this (child) process. */
async function child(mode: 'lora' | 'full'): Promise<void> {
  const torch = await import('../src/torch/index.js');
  const { LlamaConfig, LlamaForCausalLM } = await import('../src/models/index.js');
  const { LoraConfig, getPeftModel } = await import('../src/peft/index.js');
  const { Trainer, TrainingArguments, PrinterCallback, ProgressCallback } = await import('../src/trainer/index.js');
  const { AdamW } = await import('../src/optim/index.js');
  torch.setNumThreads(threads);
  torch.manualSeed(42);
  const config = new LlamaConfig({
    vocab_size: SHAPE.vocab, hidden_size: SHAPE.hidden, intermediate_size: SHAPE.inter, num_hidden_layers: SHAPE.layers,
    num_attention_heads: SHAPE.heads, num_key_value_heads: SHAPE.kv, max_position_embeddings: 2048, tie_word_embeddings: false,
  });
  const base = new LlamaForCausalLM(config);
  const model = mode === 'lora'
    ? getPeftModel(base, new LoraConfig({ r: 8, lora_alpha: 16, lora_dropout: 0.1, target_modules: ['q_proj', 'v_proj'], task_type: 'CAUSAL_LM' }))
    : base;
  const named = model.namedParameters();
  const total = named.reduce((n, [, p]) => n + p.numel(), 0);
  const trainable = named.reduce((n, [, p]) => n + (p.requiresGrad ? p.numel() : 0), 0);
  const ids = torch.randint(3, SHAPE.vocab, [B * STEPS, T], { generator: new torch.Generator().manualSeed(42) });
  const table = ids.toArray() as number[][];
  ids.dispose();
  const ones = new Array(T).fill(1);
  const rows = table.map((r) => ({ input_ids: r, attention_mask: ones, labels: r }));
  const out = mkdtempSync(join(tmpdir(), 'tk-bench-lora-mem-'));
  const args = new TrainingArguments({
    output_dir: out, per_device_train_batch_size: B, max_steps: STEPS, learning_rate: mode === 'lora' ? 2e-4 : 5e-5, weight_decay: 0.01,
    max_grad_norm: 1.0, lr_scheduler_type: 'linear', warmup_steps: 0, optim: 'adamw_torch', logging_steps: 1,
    save_strategy: 'no', eval_strategy: 'no', report_to: 'none', use_cpu: true, disable_tqdm: true, seed: 42, data_seed: 42,
  });
  const trainer = new Trainer({ model, args, trainDataset: rows });
  trainer.removeCallback(PrinterCallback);
  trainer.removeCallback(ProgressCallback);
  let withGrad: [number, number] | null = null;
  let gradNames: string[] = [];
  let gradsAfterStep = -1;
  trainer.addCallback({
    // after the first backward (and clipping), before the optimizer step: who holds a .grad
    onPreOptimizerStep: () => {
      if (withGrad) return;
      const held = model.namedParameters().filter(([, p]) => { const g = p.grad; g?.dispose(); return g !== null; });
      withGrad = [held.length, held.reduce((n, [, p]) => n + p.numel(), 0)];
      gradNames = held.map(([n]) => n);
    },
    // after the update (the Trainer's zero_grad sets them to None, as HF's)
    onStepEnd: (_a, state) => {
      if (state.global_step !== 1) return;
      gradsAfterStep = model.namedParameters().filter(([, p]) => { const g = p.grad; g?.dispose(); return g !== null; }).length;
    },
  });
  const rssSetup = statusKb('VmRSS');
  const peakReset = resetPeak();
  await trainer.train();
  const hwm = statusKb('VmHWM');
  const opt = trainer.optimizer as InstanceType<typeof AdamW>;
  let moments = 0, momentElems = 0;
  for (const s of opt.state.values()) for (const t of [s.expAvg, s.expAvgSq]) if (t) { moments++; momentElems += t.numel(); }
  const loraNames = gradNames.filter((n) => /\.lora_[AB]\.default\.weight$/.test(n)).length;
  rmSync(out, { recursive: true, force: true });
  const res: MemResult = {
    rss_setup_kb: rssSetup, hwm_kb: hwm, max_rss_kb: process.resourceUsage().maxRSS, peak_reset: peakReset,
    params_total: total, params_trainable: trainable, params_with_grad_after_backward: withGrad, grad_params_named_lora: loraNames,
    params_with_grad_after_step: gradsAfterStep, optimizer_params_with_state: opt.state.size,
    optimizer_moment_tensors: moments, optimizer_moment_elements: momentElems, torch: torch.version(),
  };
  console.log(JSON.stringify(res));
}

const last = (stdout: string): MemResult => JSON.parse(stdout.trim().split('\n').pop()!) as MemResult;
function runOurs(mode: string): MemResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', mode, ...argv], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`tunekit ${mode} failed: ${r.stderr.split('\n').slice(-8).join(' / ')}`);
  return last(r.stdout);
}
function runHf(mode: string): MemResult {
  const r = spawnSync(py, [join(import.meta.dirname, 'hf', 'lora_train.py'), '--mode', mode, '--steps', String(STEPS - 1), '--warmup', '1',
    '--batch', String(B), '--seq', String(T), '--threads', String(threads), '--attn', 'sdpa', '--hidden', String(SHAPE.hidden),
    '--layers', String(SHAPE.layers), '--heads', String(SHAPE.heads), '--kv-heads', String(SHAPE.kv), '--intermediate', String(SHAPE.inter),
    '--vocab', String(SHAPE.vocab)], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`transformers ${mode} failed: ${r.stderr.split('\n').slice(-8).join(' / ')}`);
  return last(r.stdout);
}

async function main(): Promise<void> {
  const { total, lora } = paramCount();
  const mib = (kb: number): string => (kb / 1024).toFixed(0);
  const M = (n: number): string => `${(n / 1e6).toFixed(2)}M`;
  const sides: [string, (m: string) => MemResult][] = [['tunekit', runOurs], ...(argv.includes('--no-hf') ? [] : [['transformers + peft', runHf] as [string, (m: string) => MemResult]])];
  const res: Record<string, Record<string, MemResult>> = {};
  for (const [name, run] of sides) {
    res[name] = {};
    for (const mode of ['full', 'lora']) {
      res[name]![mode] = run(mode);
      process.stderr.write(`${name} ${mode}: peak ${mib(res[name]![mode]!.hwm_kb)} MiB\n`);
    }
  }
  const tk = res.tunekit!;
  if (tk.full!.params_total !== total || tk.lora!.params_trainable !== lora)
    throw new Error(`parameter count: by hand ${total} / ${lora}, model ${tk.full!.params_total} / ${tk.lora!.params_trainable}`);
  // what full fine-tuning keeps and LoRA does not: a gradient and AdamW's two moments per frozen parameter
  const frozen = total - lora;
  const expectedKb = (3 * frozen * 4) / 1024;
  console.log(`Llama hidden ${SHAPE.hidden}, ${SHAPE.layers} layers, ${SHAPE.heads}/${SHAPE.kv} heads, FFN ${SHAPE.inter}, vocab ${SHAPE.vocab}, untied: ` +
    `${total.toLocaleString('en-US')} parameters (${M(total)}); LoRA r=8 on q_proj,v_proj: ${lora.toLocaleString('en-US')} trainable (${(100 * lora / total).toFixed(3)}%). ` +
    `Batch ${B} x ${T}, ${STEPS} optimizer steps, AdamW, fresh process each; libtorch ${String(tk.full!.torch)}, ${threads} threads.`);
  console.log('| side | training | RSS after setup MiB | peak RSS MiB | peak − setup MiB | params with .grad after backward | AdamW moment tensors |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const [name] of sides) {
    for (const mode of ['full', 'lora']) {
      const r = res[name]![mode]!;
      const g = r.params_with_grad_after_backward;
      console.log(`| ${name} | ${mode === 'lora' ? 'LoRA' : 'full fine-tuning'} | ${mib(r.rss_setup_kb)} | ${mib(r.hwm_kb)} | ${mib(r.hwm_kb - r.rss_setup_kb)} | ` +
        `${g ? `${g[0]} (${M(g[1])} elements)` : '?'} | ${r.optimizer_moment_tensors} (${M(r.optimizer_moment_elements)} elements) |`);
    }
  }
  for (const [name] of sides) {
    const f = res[name]!.full!, l = res[name]!.lora!;
    const saved = (f.hwm_kb - f.rss_setup_kb) - (l.hwm_kb - l.rss_setup_kb);
    console.log(`${name}: LoRA saves ${mib(saved)} MiB of training peak (peak − setup) and ${mib(f.hwm_kb - l.hwm_kb)} MiB of peak RSS; ` +
      `what full fine-tuning adds, (grad + 2 AdamW moments) × ${frozen.toLocaleString('en-US')} frozen parameters × 4 bytes = ${mib(expectedKb)} MiB ` +
      `at most (an upper bound: the two peaks fall at different points of a step).`);
  }
  const l = tk.lora!;
  const g = l.params_with_grad_after_backward!;
  console.log(`tunekit LoRA: ${g[0]} parameters hold a .grad after backward (${String(l.grad_params_named_lora)} of them lora_A/lora_B, ${g[1].toLocaleString('en-US')} elements; ` +
    `LoRA parameters: ${(SHAPE.layers * 4)} tensors, ${lora.toLocaleString('en-US')} elements), ${String(l.params_with_grad_after_step)} after the update; ` +
    `the optimizer holds state for ${l.optimizer_params_with_state} parameters: ${l.optimizer_moment_tensors} moment tensors, ${l.optimizer_moment_elements.toLocaleString('en-US')} elements (= 2 × LoRA: ${l.optimizer_moment_elements === 2 * lora ? 'yes' : 'NO'}).`);
  const json = opt('json', '');
  if (json) writeFileSync(json, JSON.stringify({ res, total, lora, steps: STEPS, batch: B, seq: T, threads }, null, 1));
}

const ci = argv.indexOf('--child');
if (ci >= 0) await child(argv[ci + 1] as 'lora' | 'full');
else await main();
