// collator.ts — TRL's DataCollatorForLanguageModeling (trl 1.13 trainer/sft_trainer.py): tokenized
// rows → a right-padded batch. labels default to input_ids and are padded with -100. Padded mode
// returns attention_mask; padding-free mode concatenates the rows into ONE row and returns
// position_ids instead (restarting at 0 for every sequence, from the packer's seq_lengths), from
// which the models build a block-diagonal causal mask; the label at each sequence start is -100 so
// no token is trained to predict the next sequence's first token.
import { tensor, type Tensor } from '../../torch/index.js';
import type { Batch, Feature } from '../../data/collators/index.js';

/** Options of {@link DataCollatorForLanguageModeling} (TRL's field names). */
export interface LmCollatorOptions {
  pad_token_id: number;
  /** One flattened row with position_ids, no attention_mask (default false). */
  padding_free?: boolean;
  /** Also return position_ids in padded mode (sequence parallelism in TRL; default false). */
  return_position_ids?: boolean;
  /** Pad the length to a multiple of this (default none). */
  pad_to_multiple_of?: number | null;
  /** Only 'pt' (tensors). */
  return_tensors?: 'pt';
}

function ids(v: unknown, key: string, row: number): number[] {
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x)))
    throw new TypeError(`DataCollatorForLanguageModeling: examples[${row}].${key} must be a list of integers, got ${JSON.stringify(v)?.slice(0, 60)}`);
  return v as number[];
}

/** Position ids of packed rows: 0..len-1 for each sequence of each row (TRL get_position_ids_from_packed_seq_lengths). */
export function positionIdsFromSeqLengths(batchSeqLengths: readonly (readonly number[])[]): number[][] {
  return batchSeqLengths.map((lens) => lens.flatMap((n) => Array.from({ length: n }, (_, i) => i)));
}

/** (rows) → (B, T) int64 right-padded to the longest row, rounded up to padToMultipleOf. */
function pad(rows: number[][], value: number, multiple: number | null): Tensor {
  let t = Math.max(0, ...rows.map((r) => r.length));
  if (multiple) t = Math.ceil(t / multiple) * multiple;
  const flat = new BigInt64Array(rows.length * t).fill(BigInt(value));
  rows.forEach((r, i) => r.forEach((v, j) => { flat[i * t + j] = BigInt(v); }));
  return tensor(flat, { shape: [rows.length, t] });
}

/**
 * TRL's collator for SFT.  Rows carry input_ids, optionally labels (else labels = input_ids) and
 * seq_lengths (packed rows).  Callable as `collator(rows)` or `collator.collate(rows)`.
 * @example
 * const c = new DataCollatorForLanguageModeling({ pad_token_id: 0 });
 * c.collate([{ input_ids: [1, 2, 3] }, { input_ids: [4, 5] }]);
 * // input_ids [[1, 2, 3], [4, 5, 0]], attention_mask [[1, 1, 1], [1, 1, 0]], labels [[1, 2, 3], [4, 5, -100]]
 */
export class DataCollatorForLanguageModeling {
  readonly pad_token_id: number;
  readonly padding_free: boolean;
  return_position_ids: boolean;
  readonly pad_to_multiple_of: number | null;

  constructor(o: LmCollatorOptions) {
    const known = ['pad_token_id', 'padding_free', 'return_position_ids', 'pad_to_multiple_of', 'return_tensors'];
    for (const k of Object.keys(o ?? {})) if (!known.includes(k)) throw new TypeError(`DataCollatorForLanguageModeling: unknown option '${k}' (known: ${known.join(', ')})`);
    if (!Number.isInteger(o?.pad_token_id)) throw new TypeError(`DataCollatorForLanguageModeling: pad_token_id must be an integer, got ${JSON.stringify(o?.pad_token_id)}`);
    if ((o.return_tensors ?? 'pt') !== 'pt') throw new RangeError("DataCollatorForLanguageModeling: only return_tensors 'pt' is supported");
    this.pad_token_id = o.pad_token_id;
    this.padding_free = o.padding_free ?? false;
    this.return_position_ids = o.return_position_ids ?? false;
    this.pad_to_multiple_of = o.pad_to_multiple_of ?? null;
  }

  collate(examples: Feature[]): Batch {
    if (!Array.isArray(examples) || examples.length === 0) throw new TypeError('DataCollatorForLanguageModeling: expected a non-empty array of examples');
    let inputIds = examples.map((e, i) => ids(e.input_ids, 'input_ids', i));
    let labels = examples.map((e, i) => ('labels' in e && e.labels !== undefined && e.labels !== null ? ids(e.labels, 'labels', i) : inputIds[i]!));
    labels.forEach((l, i) => {
      if (l.length !== inputIds[i]!.length) throw new RangeError(`DataCollatorForLanguageModeling: examples[${i}] has ${inputIds[i]!.length} input_ids but ${l.length} labels`);
    });
    const packed = 'seq_lengths' in examples[0]!;
    let positionIds: number[][] | null = null;
    if (this.padding_free || this.return_position_ids) {
      positionIds = packed
        ? positionIdsFromSeqLengths(examples.map((e, i) => {
          const s = ids(e.seq_lengths, 'seq_lengths', i);
          if (s.reduce((a, b) => a + b, 0) !== inputIds[i]!.length)
            throw new RangeError(`DataCollatorForLanguageModeling: examples[${i}].seq_lengths sum to ${s.reduce((a, b) => a + b, 0)}, not its ${inputIds[i]!.length} tokens`);
          return s;
        }))
        : inputIds.map((r) => r.map((_, j) => j));
    }
    const m = this.pad_to_multiple_of;
    const out: Batch = {};
    if (this.padding_free) {
      inputIds = [inputIds.flat()];
      labels = [labels.flat()];
      positionIds = [positionIds!.flat()];
      out.input_ids = pad(inputIds, this.pad_token_id, m);
      // positions restart at 0 where a sequence starts: its label would be predicted across the boundary
      const pos = positionIds[0]!;
      const lab = labels[0]!.map((v, j) => (pos[j] === 0 ? -100 : v));
      out.labels = pad([lab], -100, m);
      out.position_ids = pad(positionIds, 0, m);
      return out;
    }
    out.input_ids = pad(inputIds, this.pad_token_id, m);
    out.labels = pad(labels, -100, m);
    if (positionIds) out.position_ids = pad(positionIds, 0, m);
    out.attention_mask = pad(inputIds.map((r) => r.map(() => 1)), 0, m);
    return out;
  }
}

/** TRL's collator as a plain function: `lmCollator({ pad_token_id })(rows)`. */
export function lmCollator(o: LmCollatorOptions): (rows: Feature[]) => Batch {
  const c = new DataCollatorForLanguageModeling(o);
  return (rows) => c.collate(rows);
}
