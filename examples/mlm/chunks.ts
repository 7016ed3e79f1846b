// examples/mlm/chunks.ts — the HF course's (chapter 7.3) text preparation for masked-LM domain
// adaptation: group_texts (concatenate a batch of tokenized texts, cut into chunk_size blocks,
// drop the remainder, labels = input_ids) and insert_random_mask (mask an eval set once, so every
// evaluation scores the same positions).
import type { Batch } from '../../src/data/index.js';
import { DataCollatorForLanguageModeling, type Feature } from '../../src/data/index.js';
import { onesLike, tidy, type Tensor } from '../../src/torch/index.js';

/**
 * group_texts: every list column of the batch concatenated, then cut into `chunkSize` rows; the
 * last partial block of the batch is dropped (as the course does); `labels` copies input_ids.
 */
export function groupTexts(batch: Batch, chunkSize: number): Batch {
  const keys = Object.keys(batch).filter((k) => Array.isArray((batch[k] as unknown[])[0]));
  const concat: Record<string, number[]> = {};
  for (const k of keys) concat[k] = (batch[k] as number[][]).flat();
  const total = Math.floor(concat[keys[0]!]!.length / chunkSize) * chunkSize;
  const out: Batch = {};
  for (const k of keys) out[k] = Array.from({ length: total / chunkSize }, (_, i) => concat[k]!.slice(i * chunkSize, (i + 1) * chunkSize));
  out.labels = (out.input_ids as number[][]).map((r) => [...r]);
  return out;
}

/**
 * insert_random_mask: the collator's masking applied once to the rows of a batch; returns
 * input_ids (masked), attention_mask and labels (-100 except at masked positions) as plain lists,
 * so the masked eval set is fixed for every evaluation.
 */
export function insertRandomMask(batch: Batch, collator: DataCollatorForLanguageModeling): Batch {
  const keys = ['input_ids', 'attention_mask'].filter((k) => k in batch);
  const n = (batch.input_ids as unknown[]).length;
  const rows: Feature[] = Array.from({ length: n }, (_, i) => Object.fromEntries(keys.map((k) => [k, (batch[k] as number[][])[i]!])));
  return tidy(() => {
    const masked = collator.collate(rows);
    const list = (t: Tensor): number[][] => t.toArray() as number[][];
    return { input_ids: list(masked.input_ids!), attention_mask: list(masked.attention_mask ?? onesLike(masked.input_ids!)), labels: list(masked.labels!) };
  });
}
