// bench/sft-packing.ts — SFT tokens/s with packing (TRL's bfd: padding-free, one flattened row per
// batch with position_ids) vs padding, tunekit's SFTTrainer and TRL's (bench/hf/sft_common.py) in the
// same run, issue #11 (goal: packing ≥ 2× padding).  Data: the 117 conversations of
// ../shared/data/chat_sft_samples (eight sources, 300..35k tokens each) through Qwen3's chat template
// on stories260K's 512-token tokenizer (TRL clone_chat_template: 576 ids), so the lm_head is small
// and the step costs what a real model's layers and attention cost; a random Llama (hidden 256,
// 4 layers, 4/2 heads, FFN 1024, tied), max_length 1024 (truncation keep_start), full fine-tuning,
// loss_type chunked_nll, float32, no gradient checkpointing, rows in dataset order on both sides.
// Real (non-pad) tokens per second over the timed steps; fresh process per run, the configs
// interleaved, medians.  "packing, block-diagonal mask" is tunekit's packing with the varlen
// attention path off (TUNEKIT_VARLEN=0: SDPA over the whole row with the block-diagonal mask, as
// before src/nn/varlen.ts); --no-mask-baseline drops it.  "padding, unpadded" is tunekit's padding
// as its SFTTrainer runs it by default (models/causal-lm.ts withUnpaddedTraining: the layers run on
// the real tokens only, one packed row with varlen attention); --no-unpad drops it.  "fill" = real tokens / (batch x longest
// row) of the padded batches timed:
// the most packing can gain by dropping padding is 1 / fill.
// Same libtorch: TUNEKIT_NATIVE=$PWD/native/build-torch2/Release/tunekit_native.node HF_PYTHON=/tmp/venv-hf/bin/python
// --tokenizer qwen3: Qwen3's own tokenizer and template (bench/hf/sft_common.py), the lengths a real chat model sees.
// "padding" on the tunekit side is TUNEKIT_UNPAD=0 (the SFTTrainer otherwise unpads padded batches itself).
// Usage: node --import tsx bench/sft-packing.ts [--rounds 3] [--batch 4] [--max-length 1024] [--steps 4] [--warmup 1] [--tokenizer stories|qwen3]
//        [--no-trl] [--no-mask-baseline] [--no-unpad] [--quick] [--json FILE] [--attention-probe]
import { writeFileSync } from 'node:fs';
import { interleave, loadAvg, median, runSide, threads, writeData, type RunResult, type RunSpec, type Shape } from './sft-common.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const opt = (name: string, dflt: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1]! : dflt; };
const ROUNDS = Number(opt('rounds', quick ? '1' : '3'));
const B = Number(opt('batch', '4')), MAXLEN = Number(opt('max-length', quick ? '256' : '1024'));
const STEPS = Number(opt('steps', quick ? '1' : '4')), WARMUP = Number(opt('warmup', '1'));
const SIDES = argv.includes('--no-trl') || quick ? ['tunekit'] : ['tunekit', 'trl'];
const TOKENIZER = opt('tokenizer', 'stories') as 'stories' | 'qwen3';
if (TOKENIZER !== 'stories' && TOKENIZER !== 'qwen3') throw new Error(`--tokenizer: 'stories' or 'qwen3', got '${TOKENIZER}'`);
const SHAPE: Shape = { hidden: 256, layers: 4, heads: 4, kvHeads: 2, intermediate: 1024, tokenizer: TOKENIZER };
const dir = process.env.BENCH_SFT_DIR ?? (TOKENIZER === 'qwen3' ? '/tmp/tunekit-bench/sft-qwen3-llama256' : '/tmp/tunekit-bench/sft-llama256');

/**
 * --attention-probe (tunekit only, in this process): one layer's attention of a padding-free batch,
 * forward + backward, as the model runs it — SDPA over the flattened row with the block-diagonal
 * mask of causalMask(segmentIds) — vs SDPA run per sequence (causal, no mask), which costs
 * sum(len²) instead of (sum len)², and vs varlenAttention (src/nn/varlen.ts: the same per sequence,
 * equal lengths batched into one call), what decoders now run on the CPU.  q (1, 4, T, 64), k / v (1, 2, T, 64).
 */
async function attentionProbe(): Promise<void> {
  const torch = await import('../src/torch/index.js');
  const { attention, causalMask, sequenceIndices, cuSeqlensFromSegments, varlenAttention } = await import('../src/nn/index.js');
  const { medianSeconds } = await import('./mem.js');
  torch.setNumThreads(threads);
  console.log(`| segments in the row | tokens | SDPA + block-diagonal mask ms | SDPA per sequence ms | ratio | varlenAttention ms | mask / varlen |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const segs of [[1024, 1024, 1024, 1024], [1024, 1024], Array<number>(16).fill(256), [700, 300, 24]]) {
    const t = segs.reduce((a, b) => a + b, 0);
    const [q, k, v] = [4, 2, 2].map((h) => torch.randn([1, h, t, 64]).requiresGrad_().keep());
    const pos = torch.tensor(segs.flatMap((n) => Array.from({ length: n }, (_, i) => i)), { dtype: 'int64' }).unsqueeze(0); // (1, T)
    const mask = causalMask({ queryLength: t, batchSize: 1, segmentIds: sequenceIndices(pos, 1), pastLength: 0 }).keep(); // (1, 1, T, T)
    const masked = (): void => torch.tidy(() => { attention(q!, k!, v!, { mask }).sum().backward(); });
    const perSeq = (): void => torch.tidy(() => {
      let o = 0;
      const outs = segs.map((n) => { const sl = (x: typeof q) => x!.narrow(2, o, n); const r = attention(sl(q), sl(k), sl(v), { isCausal: true }); o += n; return r; });
      torch.cat(outs, 2).sum().backward();
    });
    const cu = cuSeqlensFromSegments(sequenceIndices(pos, 1)).keep();
    const varlen = (): void => torch.tidy(() => { varlenAttention(q!, k!, v!, cu).sum().backward(); });
    masked(); perSeq(); varlen();
    const a = medianSeconds(masked, 3) * 1000, b = medianSeconds(perSeq, 3) * 1000, c = medianSeconds(varlen, 3) * 1000;
    const name = segs.every((n) => n === segs[0]) ? `${segs.length} × ${segs[0]}` : segs.join(' + ');
    console.log(`| ${name} | ${t} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(1)}× | ${c.toFixed(0)} | ${(a / c).toFixed(1)}× |`);
  }
  console.log(`(libtorch ${torch.version()}, ${threads} thread(s), median of 3 after a warm-up)`);
}
if (argv.includes('--attention-probe')) { await attentionProbe(); process.exit(0); }

writeData(dir, SHAPE);
const spec = (mode: 'pack' | 'pad'): RunSpec => ({ mode, batch: B, maxLength: MAXLEN, steps: STEPS, warmup: WARMUP, lossType: 'chunked_nll', gc: false });
const MASK_BASELINE = !argv.includes('--no-mask-baseline');
const UNPAD = !argv.includes('--no-unpad');
// --skip 'trl pack': leave a configuration out (TRL's padding-free row of batch × max_length tokens
// attends through one block-diagonal mask: at 8 × 3072 tokens minutes per step on the CPU)
const SKIP = new Set(opt('skip', '').split(',').map((k) => k.trim()).filter(Boolean));
const keys = [...SIDES.flatMap((s) => [`${s} pack`, `${s} pad`]), ...(MASK_BASELINE ? ['tunekit pack-mask'] : []), ...(UNPAD ? ['tunekit pad-unpad'] : [])]
  .filter((k) => !SKIP.has(k));
for (const k of SKIP) if (!keys.includes(k) && !['tunekit pack', 'tunekit pad', 'trl pack', 'trl pad', 'tunekit pack-mask', 'tunekit pad-unpad'].includes(k))
  throw new Error(`bench/sft-packing.ts: --skip: unknown configuration '${k}'`);
if (SKIP.has('tunekit pad') || SKIP.has('tunekit pack')) throw new Error("bench/sft-packing.ts: --skip: 'tunekit pack' and 'tunekit pad' are the comparison itself");
const load0 = loadAvg();
const runs = interleave(keys, ROUNDS, (key) => {
  const [side, mode] = key.split(' ') as ['tunekit' | 'trl', 'pack' | 'pad' | 'pack-mask' | 'pad-unpad'];
  if (mode === 'pack-mask') return runSide(side, dir, spec('pack'), { TUNEKIT_VARLEN: '0' });
  // tunekit's SFTTrainer unpads padded batches by default: "padding" as TRL computes it is TUNEKIT_UNPAD=0
  if (mode === 'pad-unpad') return runSide(side, dir, spec('pad'));
  return runSide(side, dir, spec(mode), side === 'tunekit' && mode === 'pad' ? { TUNEKIT_UNPAD: '0' } : {});
});
const med = (k: string): number => (runs[k] ? median(runs[k]!.map((r) => r.tokens_per_s)) : NaN);
const each = (k: string): string => (runs[k] ? runs[k]!.map((r) => r.tokens_per_s.toFixed(0)).join(', ') : 'skipped');
const first = (k: string): RunResult => runs[k]![0]!;

const tk = first('tunekit pad'), ref = SIDES.includes('trl') && runs['trl pad'] ? first('trl pad') : null;
console.log(`Llama hidden ${SHAPE.hidden}, ${SHAPE.layers} layers, ${SHAPE.heads}/${SHAPE.kvHeads} heads, FFN ${SHAPE.intermediate}, ${TOKENIZER === 'qwen3' ? "Qwen3's tokenizer, vocab 151,680" : 'vocab 576'} (tied), ` +
  `${tk.params_total.toLocaleString('en-US')} parameters, full fine-tuning; batch ${B}, max_length ${MAXLEN}, loss_type chunked_nll, fp32, no gradient checkpointing; ` +
  `${tk.dataset_tokens.toLocaleString('en-US')} tokens in 117 rows (${first('tunekit pack').dataset_rows} packed rows); ${STEPS} timed steps after ${WARMUP}, ` +
  `${ROUNDS} interleaved round(s); tunekit on libtorch ${tk.torch}${ref ? `, TRL ${String(ref.trl)} + transformers ${String(ref.transformers)} on torch ${ref.torch} (${String(ref.attn)})` : ''}, ` +
  `${threads} thread(s) each; load average ${load0} → ${loadAvg()}`);
if (ref) {
  const same = ref.dataset_tokens === tk.dataset_tokens && ref.losses[0] !== undefined && Math.abs(ref.losses[0] - tk.losses[0]!) < 1e-3;
  console.log(`same data on both sides: ${tk.dataset_tokens} vs ${ref.dataset_tokens} tokens, first loss ${tk.losses[0]} vs ${ref.losses[0]!.toFixed(4)}${same ? '' : ' — MISMATCH'}`);
}
console.log(`padded batches timed: fill ${tk.fill.toFixed(2)} (packing can gain at most ${(1 / tk.fill).toFixed(2)}× by dropping padding)`);
console.log('| trainer | mode | tokens/s (each run) | median tokens/s | s / step | packing / padding (goal ≥ 2) | tunekit / TRL |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const s of SIDES) {
  for (const mode of ['pack', 'pad'] as const) {
    const k = `${s} ${mode}`, m = med(k);
    const ratio = mode === 'pack' ? `**${(m / med(`${s} pad`)).toFixed(2)}**` : '';
    const vs = s === 'tunekit' && runs[`trl ${mode}`] ? `**${(m / med(`trl ${mode}`)).toFixed(2)}**` : '';
    if (!runs[k]) { console.log(`| ${s === 'tunekit' ? 'tunekit SFTTrainer' : 'TRL SFTTrainer'} | ${mode} | skipped (--skip) | | | | |`); continue; }
    const stepS = median(runs[k]!.map((r) => r.seconds / STEPS));
    console.log(`| ${s === 'tunekit' ? 'tunekit SFTTrainer' : 'TRL SFTTrainer'} | ${mode === 'pack' ? 'packing (bfd, padding-free)' : s === 'tunekit' ? 'padding (TUNEKIT_UNPAD=0: as TRL computes it)' : 'padding'} | ${each(k)} | ${m.toFixed(0)} | ${stepS.toFixed(2)} | ${ratio} | ${vs} |`);
  }
}
if (runs['trl pad']) console.log(`tunekit packing / TRL padding: ${(med('tunekit pack') / med('trl pad')).toFixed(2)}×`);
if (MASK_BASELINE && runs['tunekit pack-mask']) {
  const k = 'tunekit pack-mask', m = med(k);
  const vs = SIDES.includes('trl') ? (m / med('trl pack')).toFixed(2) : '';
  console.log(`| tunekit SFTTrainer | packing, block-diagonal mask (TUNEKIT_VARLEN=0) | ${each(k)} | ${m.toFixed(0)} | ${median(runs[k]!.map((r) => r.seconds / STEPS)).toFixed(2)} | ${(m / med('tunekit pad')).toFixed(2)} | ${vs} |`);
  console.log(`varlen / mask (packing): ${(med('tunekit pack') / m).toFixed(2)}×`);
}
if (UNPAD && runs['tunekit pad-unpad']) {
  const k = 'tunekit pad-unpad', m = med(k);
  const vs = SIDES.includes('trl') ? (m / med('trl pad')).toFixed(2) : '';
  console.log(`| tunekit SFTTrainer | padding, unpadded (the SFTTrainer's default) | ${each(k)} | ${m.toFixed(0)} | ${median(runs[k]!.map((r) => r.seconds / STEPS)).toFixed(2)} |  | ${vs} |`);
  console.log(`unpadded / padded (padding): ${(m / med('tunekit pad')).toFixed(2)}×; packing / unpadded padding: ${(med('tunekit pack') / m).toFixed(2)}×`);
}
const json = opt('json', '');
if (json) writeFileSync(json, JSON.stringify({ runs, batch: B, max_length: MAXLEN, steps: STEPS, warmup: WARMUP, threads, shape: SHAPE }, null, 1));
