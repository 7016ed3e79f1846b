// group-texts.ts — group_texts of transformers' run_clm.py / run_mlm.py and the HF course
// (chapter 7.3): a batch of tokenized texts (a `map(..., { batched: true })` batch) is
// concatenated column by column and cut into rows of block_size tokens, the remainder dropped,
// so a language model trains on full blocks without padding.  It sits with the language-modeling
// collator, which then masks (MLM) or shifts (CLM) these blocks.
import { normalizeOptions, type WithCamelAliases } from '../../utils/options.js';

/** Options of {@link groupTexts} (tunekit's names; HF's scripts hard-code these choices). */
export interface GroupTextsOptions {
  /** Add `labels` = a copy of input_ids (run_clm.py and the course do; default true). */
  add_labels?: boolean;
  /** Appended after each text's input_ids (e.g. the EOS id; attention_mask 1, other columns 0), marking document boundaries inside a block. */
  separator?: number;
}

/**
 * group_texts: every list column (input_ids, attention_mask, token_type_ids, ...) concatenated
 * row after row and cut into rows of `blockSize`; the last partial block is dropped (a batch
 * shorter than one block gives no rows); `labels` copies input_ids unless add_labels is false.
 * Columns whose values are not lists (a `text` column) cannot be cut and are left out.
 * @example
 *   const lm = tokenized.map((b) => groupTexts(b, 128), { batched: true });
 *   groupTexts({ input_ids: [[1, 2, 3], [4, 5, 6, 7]] }, 3)   // { input_ids: [[1, 2, 3], [4, 5, 6]], labels: [[1, 2, 3], [4, 5, 6]] }
 * @throws RangeError for a blockSize that is not a positive integer; Error without an input_ids list column.
 */
export function groupTexts(examples: Readonly<Record<string, unknown>>, blockSize: number, options: WithCamelAliases<GroupTextsOptions> = {}): Record<string, number[][]> {
  const o = normalizeOptions(options, { names: ['add_labels', 'separator'] }, 'groupTexts()');
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`groupTexts: blockSize must be a positive integer, got ${blockSize}`);
  const sep = o.separator as number | undefined;
  if (sep !== undefined && !Number.isInteger(sep)) throw new TypeError(`groupTexts: separator must be a token id (an integer), got ${String(sep)}`);
  const keys = Object.keys(examples).filter((k) => {
    const col = examples[k];
    return Array.isArray(col) && col.length > 0 && (Array.isArray(col[0]) || ArrayBuffer.isView(col[0]));
  });
  if (!keys.includes('input_ids')) throw new Error(`groupTexts: the batch has no input_ids list column (columns: ${Object.keys(examples).join(', ')})`);
  const rows = (examples.input_ids as unknown[]).length;
  const concat: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  for (const k of keys) {
    const col = examples[k] as ArrayLike<number>[];
    if (col.length !== rows) throw new RangeError(`groupTexts: column '${k}' has ${col.length} rows but input_ids has ${rows}`);
    const dst = concat[k]!;
    for (let i = 0; i < rows; i++) {
      const row = col[i]!;
      if (row.length !== (examples.input_ids as ArrayLike<number>[])[i]!.length) throw new RangeError(`groupTexts: row ${i} of '${k}' is not as long as its input_ids`);
      for (let j = 0; j < row.length; j++) dst.push(Number(row[j]));
      if (sep !== undefined) dst.push(k === 'input_ids' ? sep : k === 'attention_mask' ? 1 : 0);
    }
  }
  const n = Math.floor(concat.input_ids!.length / blockSize);
  const out: Record<string, number[][]> = {};
  for (const k of keys) out[k] = Array.from({ length: n }, (_, b) => concat[k]!.slice(b * blockSize, (b + 1) * blockSize));
  if ((o.add_labels as boolean | undefined) ?? true) out.labels = out.input_ids!.map((r) => [...r]);
  return out;
}
