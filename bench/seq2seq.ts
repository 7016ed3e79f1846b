// bench/seq2seq.ts — T5 / Seq2Seq speed (issue #12): tunekit vs transformers (bench/hf/seq2seq_bench.py)
// on the same CPU, the same libtorch and the same weights. A t5-small-shaped T5 (d_model 256, d_ff 1024,
// 4 + 4 layers, 4 heads, d_kv 64, vocab 32128, tied head, relu, dropout 0.1; transformers' init, saved
// once by the Python side, loaded by both) on SAMSum (../shared/data/samsum/val.csv, "summarize: " +
// dialogue -> summary), tokenized once by tunekit's T5 tokenizer (spiece.model) into fixed-shape rows
// (source 128, target 64, labels padded with -100) that both sides read from one JSON file.
//   (a) training, batch 8, fp32: a plain forward / backward / clip 1.0 / AdamW loop, and the
//       Seq2SeqTrainer (the Trainer's step; Seq2SeqTrainer only changes evaluation): steps/s = 1 / the
//       median step time after a warm-up;
//   (b) generation: greedy and beam 4, batch 1 and 8, 64 new tokens forced (min_new_tokens =
//       max_new_tokens), new tokens/s (batch x 64 / time; beams not counted), median of repeats.
// Every measurement is a fresh process; the sides alternate, round after round.
// Same libtorch: run tunekit against the torch of the Python side:
//   TUNEKIT_NATIVE=$PWD/native/build-torch2/Release/tunekit_native.node HF_PYTHON=/tmp/venv-hf/bin/python \
//     node --import tsx bench/seq2seq.ts [--rounds 2] [--steps 12] [--only train|generate] [--quick]
// BENCH_THREADS (default 1: the VM is shared, see docs/benchmarks.md) sets intra-op threads on both sides.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/torch/index.js';
import { AutoModelForSeq2SeqLM } from '../src/models/index.js';
import { AutoTokenizer } from '../src/tokenizers/index.js';
import { parseCsv } from '../src/data/index.js';
import { AdamW, clipGradNorm } from '../src/optim/index.js';
import { PrinterCallback, ProgressCallback, Seq2SeqTrainer, Seq2SeqTrainingArguments } from '../src/trainer/index.js';
import '../src/generation/index.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1]! : dflt; };
const quick = argv.includes('--quick');
const py = process.env.HF_PYTHON ?? '/tmp/venv-hf/bin/python';
const threads = Number(process.env.BENCH_THREADS ?? 1);
const DIR = process.env.BENCH_T5_DIR ?? '/tmp/tunekit-bench/t5-bench';
const MODEL = join(DIR, 'model'), IDS = join(DIR, 'samsum-ids.json');
const SHARED = new URL('../../shared/data/', import.meta.url).pathname;
const HF_SCRIPT = new URL('./hf/seq2seq_bench.py', import.meta.url).pathname;
const SRC_LEN = 128, TGT_LEN = 64, ROWS = 512, BATCH = 8;

interface Ids { input_ids: number[][]; attention_mask: number[][]; labels: number[][] }

/** SAMSum val -> fixed-shape id rows (T5 tokenizer; truncate + pad to 128 / 64; label padding -100). */
async function prepareIds(): Promise<void> {
  const csv = readFileSync(join(SHARED, 'samsum', 'val.csv'), 'utf8');
  const cols = parseCsv(csv, 'val.csv', {}).columns;
  const dialogue = cols.get('dialogue') as (string | null)[], summary = cols.get('summary') as (string | null)[];
  const picked = dialogue.map((d, i) => ({ dialogue: d, summary: summary[i] })).filter((r): r is { dialogue: string; summary: string } => !!r.dialogue && !!r.summary).slice(0, ROWS);
  const tok = await AutoTokenizer.fromPretrained(join(SHARED, 'tokenizers', 't5'), { model_max_length: 512 });
  const src = await tok.call(picked.map((r) => `summarize: ${r.dialogue}`), { truncation: true, maxLength: SRC_LEN, padding: 'max_length' });
  const tgt = await tok.call(picked.map((r) => r.summary), { truncation: true, maxLength: TGT_LEN, padding: 'max_length' });
  const labels = (tgt.get('input_ids') as number[][]).map((r) => r.map((id) => (id === tok.padTokenId ? -100 : id)));
  const ids: Ids = { input_ids: src.get('input_ids') as number[][], attention_mask: src.get('attention_mask') as number[][], labels };
  writeFileSync(IDS, JSON.stringify(ids));
}

function hf(args: string[]): Record<string, unknown> {
  const r = spawnSync(py, [HF_SCRIPT, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`transformers side failed: ${r.stderr.split('\n').slice(-8).join(' / ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

function ours(args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', ...args], { encoding: 'utf8', env: process.env });
  if (r.status !== 0) throw new Error(`tunekit side failed: ${r.stderr.split('\n').slice(-8).join(' / ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const i64 = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'int64' });

/** Rows i*b ... i*b+b-1 (wrapping), as the Python side's batch_at. */
function batchAt(data: Ids, i: number, b: number): { input_ids: number[][]; attention_mask: number[][]; labels: number[][] } {
  const n = data.input_ids.length, idx = Array.from({ length: b }, (_, j) => (i * b + j) % n);
  return { input_ids: idx.map((r) => data.input_ids[r]!), attention_mask: idx.map((r) => data.attention_mask[r]!), labels: idx.map((r) => data.labels[r]!) };
}

// ---- tunekit side (a fresh process per measurement) ----

async function childTrain(modeAndLoss: string, steps: number, warmup: number): Promise<Record<string, unknown>> {
  torch.setNumThreads(threads);
  const data = JSON.parse(readFileSync(IDS, 'utf8')) as Ids;
  const model = await AutoModelForSeq2SeqLM.fromPretrained(MODEL);
  // 'loop:chunked_nll' / 'trainer:chunked_nll': the loss without the (B, Tt, V) logits (src/models/t5/head.ts)
  const [mode, lossType] = modeAndLoss.split(':') as [string, string | undefined];
  if (lossType) (model as unknown as { lossType: string }).lossType = lossType;
  // dropout off, no grad: the first batch's loss, to compare with the Python side's (same weights)
  model.eval();
  const evalLoss = torch.noGrad(() => torch.tidy(() => {
    const b = batchAt(data, 0, 8);
    return (model.forward({ input_ids: i64(b.input_ids), attention_mask: i64(b.attention_mask), labels: i64(b.labels) }).loss as torch.Tensor).item();
  }));
  model.train();
  const times: number[] = [], cpu: number[] = [];
  const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  let losses: number[] = [];
  if (mode === 'loop') {
    const optim = new AdamW(model.parameters(), { lr: 1e-4, weightDecay: 0.01 });
    for (let i = 0; i < warmup + steps; i++) {
      const b = batchAt(data, i, BATCH);
      const t0 = performance.now(), c0 = cpuMs();
      const loss = torch.tidy(() => {
        const out = model.forward({ input_ids: i64(b.input_ids), attention_mask: i64(b.attention_mask), labels: i64(b.labels) });
        out.loss!.backward();
        clipGradNorm(model.parameters(), 1.0);
        optim.step();
        optim.zeroGrad();
        return out.loss!.item();
      });
      losses.push(loss);
      if (i >= warmup) { times.push(performance.now() - t0); cpu.push(cpuMs() - c0); }
    }
  } else {
    const rows = Array.from({ length: BATCH * (warmup + steps) }, (_, i) => batchAt(data, i, 1)).map((b) => ({ input_ids: b.input_ids[0]!, attention_mask: b.attention_mask[0]!, labels: b.labels[0]! }));
    const out = mkdtempSync(join(tmpdir(), 'tk-bench-s2s-'));
    const args = new Seq2SeqTrainingArguments({
      output_dir: out, per_device_train_batch_size: BATCH, max_steps: warmup + steps, learning_rate: 1e-4, weight_decay: 0.01,
      logging_steps: 1, save_strategy: 'no', report_to: 'none', disable_tqdm: true, seed: 0,
    });
    const trainer = new Seq2SeqTrainer({ model, args, trainDataset: rows });
    trainer.removeCallback(PrinterCallback);
    trainer.removeCallback(ProgressCallback);
    let last = 0, lastCpu = 0;
    trainer.addCallback({ onStepEnd: (_a, state) => {
      const now = performance.now(), c = cpuMs();
      if (state.global_step > warmup) { times.push(now - last); cpu.push(c - lastCpu); }
      last = now; lastCpu = c;
    } });
    await trainer.train();
    losses = trainer.state.log_history.filter((h) => h.loss !== undefined).map((h) => h.loss as number);
    rmSync(out, { recursive: true, force: true });
  }
  model.dispose();
  return { steps_per_s: 1000 / median(times), cpu_steps_per_s: 1000 / median(cpu), step_ms: times.map((t) => Math.round(t * 10) / 10), eval_loss: evalLoss, first_losses: losses.slice(0, 3), torch: torch.version() };
}

async function childGenerate(batch: number, beams: number, fresh: number, repeats: number): Promise<Record<string, unknown>> {
  torch.setNumThreads(threads);
  const data = JSON.parse(readFileSync(IDS, 'utf8')) as Ids;
  const model = await AutoModelForSeq2SeqLM.fromPretrained(MODEL);
  model.eval();
  const b = batchAt(data, 0, batch);
  const ids = i64(b.input_ids).keep(), mask = i64(b.attention_mask).keep();
  const kw = { input_ids: ids, attention_mask: mask, num_beams: beams, do_sample: false, max_new_tokens: fresh, min_new_tokens: fresh, use_cache: true };
  model.generate({ ...kw, max_new_tokens: 2, min_new_tokens: 2 }).dispose(); // warm-up
  const rates: number[] = [], cpu: number[] = [];
  const cpuS = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  let row0: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now(), c0 = cpuS();
    const out = model.generate(kw);
    const dt = (performance.now() - t0) / 1000, dc = cpuS() - c0;
    if (out.size(0) !== batch || out.size(1) !== 1 + fresh) throw new Error(`generated shape [${out.shape}], not [${batch}, ${1 + fresh}]`);
    row0 = (out.toArray() as number[][])[0]!.slice(0, 12);
    out.dispose();
    rates.push((batch * fresh) / dt);
    cpu.push((batch * fresh) / dc);
  }
  model.dispose();
  return { tokens_per_s: median(rates), cpu_tokens_per_s: median(cpu), runs: rates.map((x) => Math.round(x * 10) / 10), row0, torch: torch.version() };
}

if (argv[0] === '--child') {
  const [kind, ...rest] = argv.slice(1);
  const res = kind === 'train' ? await childTrain(rest[0]!, Number(rest[1]), Number(rest[2]))
    : await childGenerate(Number(rest[0]), Number(rest[1]), Number(rest[2]), Number(rest[3]));
  console.log(JSON.stringify(res));
  process.exit(0);
}

// ---- driver ----
mkdirSync(DIR, { recursive: true });
if (!existsSync(join(MODEL, 'model.safetensors'))) console.error('make:', JSON.stringify(hf(['make', MODEL])));
if (!existsSync(IDS)) await prepareIds();
const rounds = Number(opt('rounds', quick ? '1' : '2'));
const steps = Number(opt('steps', quick ? '4' : '12')), warmup = 2;
const only = opt('only', 'all');
const fresh = quick ? 16 : 64, repeats = quick ? 2 : 3;
console.log(`tunekit on libtorch ${torch.version()}, ${threads} thread(s) each side, ${rounds} round(s), sides alternating\n`);

if (only === 'all' || only === 'train') {
  console.log(`training, batch ${BATCH}, source ${SRC_LEN} / target ${TGT_LEN}, fp32, median of ${steps} steps after ${warmup}`);
  console.log('| loop | side | steps/s (each run) | median steps/s | ms/step | eval loss | tunekit / transformers (goal ≥ 1.1) |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const mode of ['loop', 'trainer']) {
    const t: number[] = [], c: number[] = [], h: number[] = [];
    let tl = 0, hl = 0, meta: Record<string, unknown> = {};
    for (let r = 0; r < rounds; r++) {
      // rotate the order each round: the shared VM's load drifts
      const runs: Array<() => void> = [
        () => { const a = hf(['train', MODEL, IDS, mode, String(steps), String(warmup), String(BATCH), String(threads)]); h.push(a.steps_per_s as number); hl = a.eval_loss as number; meta = a; console.error(mode, 'hf', JSON.stringify(a)); },
        () => { const o = ours(['train', mode, String(steps), String(warmup)]); t.push(o.steps_per_s as number); tl = o.eval_loss as number; console.error(mode, 'tk', JSON.stringify(o)); },
        // the Seq2SeqTrainer's own training forwards already skip the logits (Seq2SeqTrainer.computeLoss): no third run there
        ...(mode === 'loop' ? [() => { const o = ours(['train', `${mode}:chunked_nll`, String(steps), String(warmup)]); c.push(o.steps_per_s as number); console.error(mode, 'tk chunked', JSON.stringify(o)); }] : []),
      ];
      for (let i = 0; i < runs.length; i++) runs[(i + r) % runs.length]!();
    }
    const name = mode === 'loop' ? 'plain loop (forward, backward, clip, AdamW)' : 'Seq2SeqTrainer';
    const row = (side: string, xs: number[], loss: string, ratio: string) =>
      console.log(`| ${name} | ${side} | ${xs.map((x) => x.toFixed(3)).join(', ')} | ${median(xs).toFixed(3)} | ${(1000 / median(xs)).toFixed(0)} | ${loss} | ${ratio} |`);
    row(`transformers ${meta.transformers}`, h, hl.toFixed(5), '');
    row('tunekit', t, tl.toFixed(5), `**${(median(t) / median(h)).toFixed(2)}**`);
    if (c.length) row('tunekit, lossType chunked_nll', c, '', `**${(median(c) / median(h)).toFixed(2)}**`);
  }
}

if (only === 'all' || only === 'generate') {
  console.log(`\ngeneration, source ${SRC_LEN} tokens, ${fresh} new tokens forced, median of ${repeats}; tokens/s = batch x new tokens / s`);
  console.log('| decoding | batch | tunekit tok/s (each run) | transformers tok/s (each run) | tunekit / transformers (goal ≥ 1.5) | same tokens |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const [beams, batch] of [[1, 1], [1, 8], [4, 1], [4, 8]] as const) {
    const t: number[] = [], h: number[] = [];
    let same = true;
    for (let r = 0; r < rounds; r++) {
      const a = hf(['generate', MODEL, IDS, String(batch), String(beams), String(fresh), String(repeats), String(threads)]);
      const o = ours(['generate', String(batch), String(beams), String(fresh), String(repeats)]);
      h.push(a.tokens_per_s as number); t.push(o.tokens_per_s as number);
      same &&= JSON.stringify(a.row0) === JSON.stringify(o.row0);
      console.error(`beams ${beams} batch ${batch}`, 'hf', JSON.stringify(a), '\n tk', JSON.stringify(o));
    }
    console.log(`| ${beams === 1 ? 'greedy' : `beam ${beams}`} | ${batch} | ${t.map((x) => x.toFixed(1)).join(', ')} | ${h.map((x) => x.toFixed(1)).join(', ')} | **${(median(t) / median(h)).toFixed(2)}** | ${same ? 'yes' : 'no'} |`);
  }
}
