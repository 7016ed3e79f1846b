// examples/clm/chunks.ts — the causal-LM text preparation of the HF course's chapter 7.6 and of
// transformers' examples/pytorch/language-modeling/run_clm.py: group_texts concatenates a batch of
// tokenized documents (optionally with a separator such as the EOS id after each, so a block that
// spans two documents marks the boundary) and cuts the stream into fixed `blockSize` blocks,
// dropping the remainder.  No labels column: DataCollatorForLanguageModeling({ mlm: false })
// makes labels = input_ids (pad positions -100) and the model shifts them.
import type { Batch } from '../../src/data/index.js';

/**
 * group_texts for causal LM: every list column of the batch (input_ids, attention_mask, ...)
 * concatenated row after row, with `separator` appended after each row's input_ids (attention 1,
 * other columns 0) when given, then cut into rows of `blockSize`; the partial last block is dropped.
 * @example groupTexts({ input_ids: [[5, 6], [7, 8, 9]] }, 2, { separator: 0 }) // { input_ids: [[5, 6], [0, 7], [8, 9]] }
 */
export function groupTexts(batch: Batch, blockSize: number, opts: { separator?: number } = {}): Batch {
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`groupTexts: blockSize must be a positive integer, got ${blockSize}`);
  const keys = Object.keys(batch).filter((k) => Array.isArray((batch[k] as unknown[])[0]));
  if (!keys.includes('input_ids')) throw new Error(`groupTexts: the batch has no input_ids list column (columns: ${Object.keys(batch).join(', ')})`);
  const concat: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  const rows = (batch.input_ids as number[][]).length;
  for (let i = 0; i < rows; i++) {
    for (const k of keys) {
      const dst = concat[k]!;
      for (const v of (batch[k] as number[][])[i]!) dst.push(v);
      if (opts.separator !== undefined) dst.push(k === 'input_ids' ? opts.separator : k === 'attention_mask' ? 1 : 0);
    }
  }
  const n = Math.floor(concat.input_ids!.length / blockSize);
  const out: Batch = {};
  for (const k of keys) out[k] = Array.from({ length: n }, (_, b) => concat[k]!.slice(b * blockSize, (b + 1) * blockSize));
  return out;
}

/**
 * The tokens a causal LM is scored on in a set of blocks: each block's ids after its first (the
 * first has no context inside the block), minus `ignoreIds` (the collator's -100 positions: pad,
 * which is EOS when pad = eos).
 */
export function scoredTargets(blocks: readonly (readonly number[])[], ignoreIds: readonly number[] = []): number[] {
  const ignore = new Set(ignoreIds);
  const out: number[] = [];
  for (const b of blocks) for (let t = 1; t < b.length; t++) if (!ignore.has(b[t]!)) out.push(b[t]!);
  return out;
}

/**
 * The unigram baseline: token frequencies of the train targets with add-one smoothing over the
 * whole vocabulary, scored on the eval targets; perplexity = exp(mean negative log-probability).
 * A model that beats it uses context, not only word frequencies.  (Uniform over V scores V.)
 * @example unigramPerplexity([0, 0, 1], [0, 1], 3) // p = (3/6, 2/6): exp(-(ln .5 + ln 1/3) / 2) = 2.449
 */
export function unigramPerplexity(trainTargets: readonly number[], evalTargets: readonly number[], vocabSize: number): number {
  if (evalTargets.length === 0) throw new Error('unigramPerplexity: no eval targets');
  const counts = new Float64Array(vocabSize).fill(1);
  for (const id of trainTargets) counts[id]! += 1;
  const total = trainTargets.length + vocabSize;
  let nll = 0;
  for (const id of evalTargets) nll -= Math.log(counts[id]! / total);
  return Math.exp(nll / evalTargets.length);
}
