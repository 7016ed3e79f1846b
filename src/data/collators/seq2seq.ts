// seq2seq.ts — DataCollatorForSeq2Seq (transformers/data/data_collator.py) and shiftTokensRight,
// the decoder-input shift of HF's BART `shift_tokens_right` / T5 `_shift_right`.
import { Tensor, cat, full, tidy } from '../../torch/index.js';
import { PADDING_ARG_NAMES, padFeatures, type Collator, type CollatorTokenizer, type PadOptions, type PaddingArgs } from './padding.js';
import { CallableCollator, collatorOptions } from './callable.js';
import type { WithCamelAliases } from '../../utils/options.js';
import { checkFeatures, intRow, paddedLong, raggedError, roundUp, type Batch, type Feature } from './tensorize.js';

/**
 * Teacher-forcing decoder inputs from labels (HF BART/T5): shift every row right by one,
 * put `decoderStartTokenId` first, and replace the label padding -100 with `padTokenId`.
 * labels: int64 (B, T) -> int64 (B, T).  Errors as HF when either id is missing.
 * @example shiftTokensRight(tensor([[5, 6, -100]], { dtype: 'int64' }), 0, 2) // [[2, 5, 6]]
 */
export function shiftTokensRight(labels: Tensor, padTokenId: number | null | undefined, decoderStartTokenId: number | null | undefined): Tensor {
  if (decoderStartTokenId === null || decoderStartTokenId === undefined)
    throw new Error('self.model.config.decoder_start_token_id has to be defined. In T5 it is usually set to the pad_token_id. See T5 docs for more information.');
  if (padTokenId === null || padTokenId === undefined) throw new Error('self.model.config.pad_token_id has to be defined.');
  if (labels.ndim !== 2) throw new RangeError(`shiftTokensRight: labels must be (batch, length), got shape [${labels.shape.join(', ')}]`);
  return tidy(() => {
    const [B, T] = labels.shape as [number, number];
    if (T === 0) return labels.clone();
    const start = full([B, 1], decoderStartTokenId, { dtype: labels.dtype, device: labels.device }); // (B, 1)
    const shifted = cat([start, labels.slice(1, 0, T - 1)], 1); // (B, T): labels[:, :-1] moved one right
    return shifted.maskedFill(shifted.eq(-100), padTokenId);
  });
}

/** What the collator needs from a seq2seq model (HF `prepare_decoder_input_ids_from_labels`). */
export interface DecoderInputsFromLabels {
  prepareDecoderInputIdsFromLabels(labels: Tensor): Tensor;
}

/** Options of {@link DataCollatorForSeq2Seq}: HF's names, or camelCase (`labelPadTokenId`). */
export type DataCollatorForSeq2SeqOptions = WithCamelAliases<DataCollatorForSeq2SeqArgs>;
/** The options of {@link DataCollatorForSeq2Seq} under HF's names. */
export interface DataCollatorForSeq2SeqArgs extends PaddingArgs {
  tokenizer: CollatorTokenizer;
  /** When given, `decoder_input_ids` = model.prepareDecoderInputIdsFromLabels(labels). */
  model?: DecoderInputsFromLabels | null;
  /** Label padding (default -100, ignored by cross entropy). */
  label_pad_token_id?: number;
  /** Only 'pt'; accepted for HF compatibility. */
  return_tensors?: 'pt';
}

/**
 * Encoder-decoder batches: inputs padded by tokenizer.pad; `labels` (a `label` column is read
 * too) padded separately with `labelPadTokenId` on the tokenizer's padding side to the longest
 * label (or maxLength when padding='max_length'), rounded up to `padToMultipleOf` -> int64
 * (B, T); then, with a model, `decoder_input_ids` (B, T) from its shift of the labels.
 * Labels are never truncated.  Callable: `collator(features)` (HF), `collator.collate(features)`.
 */
export interface DataCollatorForSeq2Seq {
  (features: readonly Feature[]): Batch;
}
export class DataCollatorForSeq2Seq extends CallableCollator implements Collator {
  readonly tokenizer: CollatorTokenizer;
  readonly model: DecoderInputsFromLabels | null;
  readonly labelPadTokenId: number;
  readonly pad: PadOptions;
  constructor(opts: DataCollatorForSeq2SeqOptions);
  /** HF's positional form: the tokenizer, then the other options (`model`, ...). */
  constructor(tokenizer: CollatorTokenizer, opts?: Omit<DataCollatorForSeq2SeqOptions, 'tokenizer'>);
  constructor(...args: unknown[]) {
    super();
    const opts = collatorOptions<PadOptions & { tokenizer: CollatorTokenizer; model?: DecoderInputsFromLabels | null; returnTensors?: string; labelPadTokenId?: number }>(
      'DataCollatorForSeq2Seq', [...PADDING_ARG_NAMES, 'model', 'label_pad_token_id', 'return_tensors'], args);
    if (opts.returnTensors !== undefined && opts.returnTensors !== 'pt') throw new RangeError(`Framework '${String(opts.returnTensors)}' not recognized!`);
    this.tokenizer = opts.tokenizer;
    this.model = opts.model ?? null;
    this.labelPadTokenId = opts.labelPadTokenId ?? -100;
    if (!Number.isInteger(this.labelPadTokenId)) throw new TypeError(`label_pad_token_id must be an integer, got ${this.labelPadTokenId}`);
    this.pad = { padding: opts.padding ?? true, maxLength: opts.maxLength, padToMultipleOf: opts.padToMultipleOf };
  }
  collate(features: readonly Feature[]): Batch {
    const who = 'DataCollatorForSeq2Seq';
    const keys = checkFeatures(features, who);
    const labelName = keys.includes('label') ? 'label' : 'labels';
    let labels: number[][] | null = null;
    if (keys.includes(labelName) && !features.every((f) => f[labelName] === null || f[labelName] === undefined))
      labels = features.map((f, i) => intRow(f[labelName], labelName, i));
    return tidy(() => {
      const { batch } = padFeatures(this.tokenizer, features, this.pad, new Set([labelName]), who);
      if (!labels) return batch;
      const p = this.pad.padding;
      const longest = Math.max(...labels.map((l) => l.length));
      let T: number;
      if (p === false || p === 'do_not_pad') {
        if (labels.some((l) => l.length !== longest)) throw raggedError('labels');
        T = longest;
      } else {
        T = roundUp(p === 'max_length' && this.pad.maxLength !== undefined ? this.pad.maxLength : longest, this.pad.padToMultipleOf);
        labels.forEach((l, i) => {
          if (l.length > T) throw new Error(`${who}: features[${i}] has ${l.length} labels, more than max_length ${T}; truncate the targets when tokenizing`);
        });
      }
      batch['labels'] = paddedLong(labels, T, this.labelPadTokenId, this.tokenizer.paddingSide ?? 'right');
      if (this.model) batch['decoder_input_ids'] = this.model.prepareDecoderInputIdsFromLabels(batch['labels']);
      return batch;
    });
  }
}
