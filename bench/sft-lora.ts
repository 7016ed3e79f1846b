// bench/sft-lora.ts — LoRA SFT tokens/s: tunekit's SFTTrainer + peftConfig vs TRL's SFTTrainer + peft
// (bench/hf/sft_common.py --lora) in the same run, issue #11 (goal: tunekit ≥ 1.3× TRL).  The data,
// tokenizer and random Llama of bench/sft-packing.ts (117 chat_sft_samples conversations through
// Qwen3's template on stories260K's tokenizer; hidden 256, 4 layers, 4/2 heads, FFN 1024, vocab 576,
// tied); LoRA r 16, alpha 32, dropout 0.05 on q,k,v,o,gate,up,down_proj (peft's LoraConfig on both
// sides), padded batches (no packing) of 4, max_length 1024, loss_type chunked_nll, float32, lr 2e-4,
// rows in dataset order; gradient checkpointing on (TRL's default; --gc 0 for off), the same on both.
// Real tokens per second over the timed steps; fresh process per run, the sides interleaved, medians.
// Same libtorch: TUNEKIT_NATIVE=$PWD/native/build-torch2/Release/tunekit_native.node HF_PYTHON=/tmp/venv-hf/bin/python
// Usage: node --import tsx bench/sft-lora.ts [--rounds 3] [--batch 4] [--max-length 1024] [--steps 6] [--warmup 1]
//        [--gc 1|0] [--no-trl] [--quick] [--json FILE]
import { writeFileSync } from 'node:fs';
import { interleave, loadAvg, median, runSide, threads, writeData, type RunSpec, type Shape } from './sft-common.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const opt = (name: string, dflt: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1]! : dflt; };
const ROUNDS = Number(opt('rounds', quick ? '1' : '3'));
const B = Number(opt('batch', '4')), MAXLEN = Number(opt('max-length', quick ? '256' : '1024'));
const STEPS = Number(opt('steps', quick ? '1' : '6')), WARMUP = Number(opt('warmup', '1'));
const GC = opt('gc', '1') === '1';
const SIDES = argv.includes('--no-trl') || quick ? ['tunekit'] : ['tunekit', 'trl'];
const SHAPE: Shape = { hidden: 256, layers: 4, heads: 4, kvHeads: 2, intermediate: 1024 };
const dir = process.env.BENCH_SFT_DIR ?? '/tmp/tunekit-bench/sft-llama256';

writeData(dir, SHAPE);
const spec: RunSpec = { mode: 'pad', lora: true, batch: B, maxLength: MAXLEN, steps: STEPS, warmup: WARMUP, lossType: 'chunked_nll', gc: GC };
const load0 = loadAvg();
const runs = interleave(SIDES, ROUNDS, (side) => runSide(side as 'tunekit' | 'trl', dir, spec));
const med = (k: string): number => median(runs[k]!.map((r) => r.tokens_per_s));
const tk = runs.tunekit![0]!, ref = runs.trl?.[0] ?? null;
console.log(`Llama hidden ${SHAPE.hidden}, ${SHAPE.layers} layers, ${SHAPE.heads}/${SHAPE.kvHeads} heads, FFN ${SHAPE.intermediate}, vocab 576 (tied); LoRA r 16, alpha 32, dropout 0.05 on all seven projections ` +
  `(${tk.params_trainable.toLocaleString('en-US')} of ${tk.params_total.toLocaleString('en-US')} parameters train${ref ? `; peft: ${ref.params_trainable.toLocaleString('en-US')} of ${ref.params_total.toLocaleString('en-US')}` : ''}); ` +
  `padded batches of ${B} (fill ${tk.fill.toFixed(2)}), max_length ${MAXLEN}, loss_type chunked_nll, fp32, gradient checkpointing ${GC ? 'on' : 'off'}; ` +
  `${STEPS} timed steps after ${WARMUP} (${tk.timed_tokens.toLocaleString('en-US')} real tokens), ${ROUNDS} interleaved round(s); tunekit on libtorch ${tk.torch}` +
  `${ref ? `, TRL ${String(ref.trl)} + peft ${String(ref.peft)} + transformers ${String(ref.transformers)} on torch ${ref.torch} (${String(ref.attn)})` : ''}, ${threads} thread(s) each; ` +
  `load average ${load0} → ${loadAvg()}`);
if (ref) console.log(`same data on both sides: ${tk.timed_tokens} vs ${ref.timed_tokens} timed tokens; losses tunekit ${tk.losses.map((l) => l.toFixed(4)).join(' ')}, TRL ${ref.losses.map((l) => l.toFixed(4)).join(' ')}`);
console.log('| trainer | tokens/s (each run) | median tokens/s | s / step | tunekit / this (goal ≥ 1.3) |');
console.log('|---|---:|---:|---:|---:|');
for (const s of SIDES) {
  const m = med(s), stepS = median(runs[s]!.map((r) => r.seconds / STEPS));
  const name = s === 'tunekit' ? 'tunekit SFTTrainer + peftConfig' : 'TRL SFTTrainer + peft';
  console.log(`| ${name} | ${runs[s]!.map((r) => r.tokens_per_s.toFixed(0)).join(', ')} | ${m.toFixed(0)} | ${stepS.toFixed(2)} | ${s === 'tunekit' ? '1.00' : `**${(med('tunekit') / m).toFixed(2)}**`} |`);
}
const json = opt('json', '');
if (json) writeFileSync(json, JSON.stringify({ runs, batch: B, max_length: MAXLEN, steps: STEPS, warmup: WARMUP, gc: GC, threads, shape: SHAPE }, null, 1));
