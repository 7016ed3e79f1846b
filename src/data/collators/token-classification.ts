// token-classification.ts — DataCollatorForTokenClassification (transformers/data/data_collator.py):
// pads the inputs with tokenizer.pad and the per-token labels with -100 to the same length.
import { tidy } from '../../torch/index.js';
import { PADDING_ARG_NAMES, padFeatures, type Collator, type CollatorTokenizer, type PadOptions, type PaddingArgs } from './padding.js';
import { CallableCollator, collatorOptions } from './callable.js';
import type { WithCamelAliases } from '../../utils/options.js';
import { checkFeatures, intRow, paddedLong, type Batch, type Feature } from './tensorize.js';

/** Options of {@link DataCollatorForTokenClassification}: HF's names, or camelCase (`labelPadTokenId`). */
export type DataCollatorForTokenClassificationOptions = WithCamelAliases<DataCollatorForTokenClassificationArgs>;
/** The options of {@link DataCollatorForTokenClassification} under HF's names. */
export interface DataCollatorForTokenClassificationArgs extends PaddingArgs {
  tokenizer: CollatorTokenizer;
  /** Label for padded positions (default -100, which cross entropy ignores). */
  label_pad_token_id?: number;
  /** Only 'pt'; accepted for HF compatibility. */
  return_tensors?: 'pt';
}

/**
 * NER / POS batches: inputs padded as {@link DataCollatorWithPadding} does, and `labels`
 * (one id per token, B rows) padded with `labelPadTokenId` on the tokenizer's padding side to
 * the inputs' padded length L, giving int64 (B, L).  Each row's label list must be as long as
 * its `input_ids` (HF would pad a short one silently, misaligning labels and tokens).
 * A `label` column is read like `labels`; the output key is always `labels` (HF keeps `label`,
 * which no model's forward accepts).  Callable: `collator(features)` (HF), `collator.collate(features)`.
 */
export interface DataCollatorForTokenClassification {
  (features: readonly Feature[]): Batch;
}
export class DataCollatorForTokenClassification extends CallableCollator implements Collator {
  readonly tokenizer: CollatorTokenizer;
  readonly labelPadTokenId: number;
  readonly pad: PadOptions;
  constructor(opts: DataCollatorForTokenClassificationOptions);
  /** HF's positional form: the tokenizer, then the other options. */
  constructor(tokenizer: CollatorTokenizer, opts?: Omit<DataCollatorForTokenClassificationOptions, 'tokenizer'>);
  constructor(...args: unknown[]) {
    super();
    const opts = collatorOptions<PadOptions & { tokenizer: CollatorTokenizer; returnTensors?: string; labelPadTokenId?: number }>(
      'DataCollatorForTokenClassification', [...PADDING_ARG_NAMES, 'label_pad_token_id', 'return_tensors'], args);
    if (opts.returnTensors !== undefined && opts.returnTensors !== 'pt') throw new RangeError(`Framework '${String(opts.returnTensors)}' not recognized!`);
    this.tokenizer = opts.tokenizer;
    this.labelPadTokenId = opts.labelPadTokenId ?? -100;
    if (!Number.isInteger(this.labelPadTokenId)) throw new TypeError(`label_pad_token_id must be an integer, got ${this.labelPadTokenId}`);
    this.pad = { padding: opts.padding ?? true, maxLength: opts.maxLength, padToMultipleOf: opts.padToMultipleOf };
  }
  collate(features: readonly Feature[]): Batch {
    const who = 'DataCollatorForTokenClassification';
    const keys = checkFeatures(features, who);
    const labelName = keys.includes('label') ? 'label' : 'labels';
    const idsKey = this.tokenizer.modelInputNames?.[0] ?? 'input_ids';
    const labels = keys.includes(labelName)
      ? features.map((f, i) => {
          const l = intRow(f[labelName], labelName, i);
          const ids = f[idsKey];
          const n = Array.isArray(ids) || ArrayBuffer.isView(ids) ? (ids as ArrayLike<number>).length : l.length; // missing ids: padFeatures says so
          if (l.length !== n) throw new Error(`${who}: features[${i}] has ${l.length} labels but ${n} ${idsKey}; token labels must align one-to-one with tokens`);
          return l;
        })
      : null;
    return tidy(() => {
      const { batch, length } = padFeatures(this.tokenizer, features, this.pad, new Set([labelName]), who);
      if (labels) batch['labels'] = paddedLong(labels, length, this.labelPadTokenId, this.tokenizer.paddingSide ?? 'right');
      return batch;
    });
  }
}
