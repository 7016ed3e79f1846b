// padding.ts — the tokenizer view the collators need, HF's `tokenizer.pad(features)` and
// `_torch_collate_batch`, and DataCollatorWithPadding.  Mirrors PreTrainedTokenizerBase.pad/_pad
// (transformers/tokenization_utils_base.py) and transformers/data/data_collator.py.
import { Tensor, tidy, type DType } from '../../torch/index.js';
import { checkFeatures, columnTensor, intRow, paddedLong, roundUp, type Batch, type Feature, type Padding, type PaddingSide } from './tensorize.js';
import { CallableCollator, collatorOptions } from './callable.js';
import type { WithCamelAliases } from '../../utils/options.js';

/**
 * The part of a tokenizer the collators read.  tunekit's AutoTokenizer satisfies it; so does
 * any object with these fields.  Only `padTokenId` and `length` are always needed.
 */
export interface CollatorTokenizer {
  /** Id of the pad token, or null when the tokenizer has none (GPT-2 until one is set). */
  padTokenId: number | null;
  /** Id of the mask token (`[MASK]`); needed for masked language modeling. */
  maskTokenId?: number | null;
  /** token_type_ids value for padding (HF `pad_token_type_id`, default 0). */
  padTokenTypeId?: number;
  /** Side padding goes on (HF `padding_side`, default 'right'). */
  paddingSide?: PaddingSide;
  /** len(tokenizer): vocabulary size including added tokens (random MLM replacements come from [0, length)). */
  length: number;
  /** HF `model_max_length`: the length padding='max_length' uses when no maxLength is given. */
  modelMaxLength?: number;
  /** HF `model_input_names`; [0] names the ids column, and `attention_mask` is added when listed (default: both). */
  modelInputNames?: readonly string[];
  /** Ids of every special token; a token in here is never masked. */
  allSpecialIds?: number[];
  /** HF get_special_tokens_mask(ids, already_has_special_tokens=True): 1 for a special token. Preferred over allSpecialIds. */
  getSpecialTokensMask?(ids: number[], alreadyHasSpecialTokens: true): number[];
  /** Token strings for ids (whole-word masking reads the `##` continuation prefix). */
  convertIdsToTokens?(ids: number[]): string[];
}

/** A batch maker: what `DataLoader`'s `collateFn` accepts besides a plain function. */
export interface Collator<B = Batch> {
  collate(features: readonly Feature[]): B;
}

/** Padding options of the padding collators under HF's names (each also in camelCase). */
export interface PaddingArgs {
  /** true / 'longest' (default): to the longest row; 'max_length': to max_length; false / 'do_not_pad'. */
  padding?: Padding;
  /** Length for padding='max_length' (default: tokenizer.modelMaxLength). Rows are never truncated. */
  max_length?: number;
  /** Rounds the padded length up to a multiple of this (8 for tensor cores). */
  pad_to_multiple_of?: number;
}
/** HF's names of {@link PaddingArgs}. */
export const PADDING_ARG_NAMES = ['padding', 'max_length', 'pad_to_multiple_of'] as const;

/** Padding options as {@link padFeatures} reads them (camelCase). */
export interface PadOptions {
  /** true / 'longest' (default): to the longest row; 'max_length': to maxLength; false / 'do_not_pad'. */
  padding?: Padding;
  /** Length for padding='max_length' (default: tokenizer.modelMaxLength). Rows are never truncated. */
  maxLength?: number;
  /** Rounds the padded length up to a multiple of this (8 for tensor cores). */
  padToMultipleOf?: number;
}

const NO_PAD_TOKEN =
  'Asking to pad but the tokenizer does not have a padding token. Please select a token to use as `pad_token` ' +
  "`(tokenizer.pad_token = tokenizer.eos_token e.g.)` or add a new pad token via `tokenizer.add_special_tokens({'pad_token': '[PAD]'})`.";

/** Keys HF's _pad pads, and with what: the ids column gets the pad id. */
function padValue(key: string, tok: CollatorTokenizer): number | null {
  if (key === 'attention_mask') return 0;
  if (key === 'token_type_ids') return tok.padTokenTypeId ?? 0;
  if (key === 'special_tokens_mask') return 1;
  return null;
}

function tokenizerName(tok: CollatorTokenizer): string {
  const n = (tok as { constructor?: { name?: string } }).constructor?.name;
  return n && n !== 'Object' ? n : 'tokenizer';
}

/** Result of {@link padFeatures}: the batch and the padded sequence length L. */
export interface Padded {
  batch: Batch;
  length: number;
}

/**
 * HF `tokenizer.pad(features, return_tensors='pt')`: pads `input_ids` with the pad id,
 * `attention_mask` with 0, `token_type_ids` with the pad type id and `special_tokens_mask`
 * with 1, on the tokenizer's padding side, to (B, L); adds `attention_mask` (ones before
 * padding) when the features lack it; converts every other key with {@link columnTensor}
 * (keys in `skip` are left out).  Raises HF's error when padding is asked for (even if no row
 * needs it) and the tokenizer has no pad token.
 */
export function padFeatures(tok: CollatorTokenizer, features: readonly Feature[], opts: PadOptions = {},
  skip: ReadonlySet<string> = new Set(), who = 'pad'): Padded {
  const keys = checkFeatures(features, who);
  const idsKey = tok.modelInputNames?.[0] ?? 'input_ids';
  if (!keys.includes(idsKey))
    throw new Error(`You should supply an encoding or a list of encodings to this method that includes ${idsKey}, but you provided [${keys.join(', ')}]`);
  const p = opts.padding ?? true;
  const strategy = p === true || p === 'longest' ? 'longest' : p === false || p === 'do_not_pad' ? 'none' : p === 'max_length' ? 'max_length' : null;
  if (strategy === null) throw new RangeError(`${who}: padding must be true, false, 'longest', 'max_length' or 'do_not_pad', got ${String(p)}`);
  if (strategy !== 'none' && (tok.padTokenId === null || tok.padTokenId === undefined || tok.padTokenId < 0)) throw new Error(NO_PAD_TOKEN);
  const side: PaddingSide = tok.paddingSide ?? 'right';
  if (side !== 'left' && side !== 'right') throw new RangeError(`${who}: paddingSide must be 'left' or 'right', got ${String(side)}`);

  const ids = features.map((f, i) => intRow(f[idsKey], idsKey, i));
  const longest = Math.max(...ids.map((r) => r.length));
  let L = longest;
  if (strategy === 'max_length') {
    const m = opts.maxLength ?? tok.modelMaxLength;
    if (m === undefined || !Number.isInteger(m) || m < 1) throw new RangeError(`${who}: padding='max_length' needs a positive integer maxLength (or tokenizer.modelMaxLength), got ${String(m)}`);
    L = m;
  }
  if (strategy !== 'none') L = roundUp(L, opts.padToMultipleOf);
  ids.forEach((r, i) => {
    if (strategy === 'none' ? r.length !== L : r.length > L)
      throw strategy === 'none'
        ? new Error(`${who}: padding is off but '${idsKey}' rows differ in length (features[${i}] has ${r.length}, the longest ${L})`)
        : new Error(`${who}: features[${i}] has ${r.length} tokens, more than max_length ${L}; truncate when tokenizing (padding never truncates)`);
  });

  return tidy(() => {
    const batch: Batch = {};
    const addMask = !keys.includes('attention_mask') && (tok.modelInputNames?.includes('attention_mask') ?? true);
    for (const key of keys) {
      if (skip.has(key)) continue;
      if (key === idsKey) { batch[key] = paddedLong(ids, L, tok.padTokenId ?? 0, side); continue; }
      const pv = padValue(key, tok);
      if (pv === null) { batch[key] = columnTensor(key, features.map((f) => f[key])); continue; }
      const rows = features.map((f, i) => {
        const r = intRow(f[key], key, i);
        if (r.length !== ids[i]!.length) throw new Error(`${who}: '${key}' of features[${i}] has length ${r.length} but '${idsKey}' has ${ids[i]!.length}`);
        return r;
      });
      batch[key] = paddedLong(rows, L, pv, side);
    }
    if (addMask) batch['attention_mask'] = paddedLong(ids.map((r) => r.map(() => 1)), L, 0, side);
    return { batch, length: L };
  });
}

/**
 * HF `_torch_collate_batch`: stacks id rows into (B, L) int64, padding with the pad id on the
 * tokenizer's side only when the rows differ in length or L is not a multiple of
 * `padToMultipleOf` (then a missing pad token is an error).
 */
export function collateIds(tok: CollatorTokenizer, rows: readonly (readonly number[])[], padToMultipleOf?: number, padWith?: number): Tensor {
  const first = rows[0]!.length;
  const same = rows.every((r) => r.length === first);
  if (same && (padToMultipleOf === undefined || first % padToMultipleOf === 0)) return paddedLong(rows, first, 0, 'right');
  if (padWith === undefined && (tok.padTokenId === null || tok.padTokenId === undefined))
    throw new Error(`You are attempting to pad samples but the tokenizer you are using (${tokenizerName(tok)}) does not have a pad token.`);
  const L = roundUp(Math.max(...rows.map((r) => r.length)), padToMultipleOf);
  return paddedLong(rows, L, padWith ?? tok.padTokenId!, tok.paddingSide ?? 'right');
}

/** Options of {@link DataCollatorWithPadding}: HF's names, or camelCase (`padToMultipleOf`). */
export type DataCollatorWithPaddingOptions = WithCamelAliases<DataCollatorWithPaddingArgs>;
/** The options of {@link DataCollatorWithPadding} under HF's names. */
export interface DataCollatorWithPaddingArgs extends PaddingArgs {
  tokenizer: CollatorTokenizer;
  /** Only 'pt' (torch tensors) exists here; accepted for HF compatibility. */
  return_tensors?: 'pt';
  /** Forces the dtype of `labels` (JS cannot tell 3.0 from 3: regression columns of whole numbers need 'float32'); tunekit's. */
  label_dtype?: DType;
}

/**
 * Dynamic padding (HF DataCollatorWithPadding): `tokenizer.pad` over the features, then
 * `label` / `label_ids` renamed to `labels`.  Returns int64 (B, L) `input_ids` /
 * `attention_mask` / `token_type_ids`, and `labels` (B) int64 for class ids or float32 for
 * regression / multi-label values.  Callable: `collator(features)` (HF), `collator.collate(features)`.
 * @example
 *   const collator = new DataCollatorWithPadding({ tokenizer, pad_to_multiple_of: 8 });   // or new DataCollatorWithPadding(tokenizer)
 *   const batch = collator([{ input_ids: [101, 7592, 102], label: 1 }, ...]);
 */
export interface DataCollatorWithPadding {
  (features: readonly Feature[]): Batch;
}
export class DataCollatorWithPadding extends CallableCollator implements Collator {
  readonly tokenizer: CollatorTokenizer;
  readonly padding: Padding;
  readonly maxLength: number | undefined;
  readonly padToMultipleOf: number | undefined;
  readonly labelDtype: DType | undefined;
  constructor(opts: DataCollatorWithPaddingOptions);
  /** HF's positional form: the tokenizer, then the other options. */
  constructor(tokenizer: CollatorTokenizer, opts?: Omit<DataCollatorWithPaddingOptions, 'tokenizer'>);
  constructor(...args: unknown[]) {
    super();
    const opts = collatorOptions<PadOptions & { tokenizer: CollatorTokenizer; returnTensors?: string; labelDtype?: DType }>(
      'DataCollatorWithPadding', [...PADDING_ARG_NAMES, 'return_tensors', 'label_dtype'], args);
    if (opts.returnTensors !== undefined && opts.returnTensors !== 'pt') throw new RangeError(`Framework '${String(opts.returnTensors)}' not recognized!`);
    this.tokenizer = opts.tokenizer;
    this.padding = opts.padding ?? true;
    this.maxLength = opts.maxLength;
    this.padToMultipleOf = opts.padToMultipleOf;
    this.labelDtype = opts.labelDtype;
  }
  collate(features: readonly Feature[]): Batch {
    return tidy(() => {
      const { batch } = padFeatures(this.tokenizer, features, this, new Set(), 'DataCollatorWithPadding');
      for (const k of ['label', 'label_ids']) {
        if (!(k in batch)) continue;
        batch['labels'] = batch[k]!;
        delete batch[k];
      }
      const labels = batch['labels'];
      if (labels && this.labelDtype && labels.dtype !== this.labelDtype) batch['labels'] = labels.to(this.labelDtype);
      return batch;
    });
  }
}
