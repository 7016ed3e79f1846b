// language-modeling.ts — DataCollatorForLanguageModeling (transformers/data/data_collator.py):
// masked LM (BERT's 15% selection, then 80% [MASK] / 10% random / 10% kept, as torch_mask_tokens)
// or causal LM (labels = input_ids with padding -> -100).
import { Generator, Tensor, bernoulli, full, randint, tensor, tidy, where } from '../../torch/index.js';
import { collateIds, padFeatures, type Collator, type CollatorTokenizer } from './padding.js';
import { CallableCollator, collatorOptions } from './callable.js';
import type { WithCamelAliases } from '../../utils/options.js';
import { intRow, type Batch, type Feature } from './tensorize.js';

const NO_MASK_TOKEN =
  'This tokenizer does not have a mask token which is necessary for masked language modeling. ' +
  'You should pass `mlm=False` to train on causal language modeling instead.';

/** Options of {@link DataCollatorForLanguageModeling}: HF's names, or camelCase (`mlmProbability`). */
export type DataCollatorForLanguageModelingOptions = WithCamelAliases<DataCollatorForLanguageModelingArgs>;
/** The options of {@link DataCollatorForLanguageModeling} under HF's names. */
export interface DataCollatorForLanguageModelingArgs {
  tokenizer: CollatorTokenizer;
  /** Masked LM (default true); false = causal LM labels. */
  mlm?: boolean;
  /** Chance that an eligible (non-special, non-padding) token is selected (default 0.15). */
  mlm_probability?: number;
  /** Rounds the padded length up to a multiple of this. */
  pad_to_multiple_of?: number;
  /** Random source for the masks; default: `new Generator(seed)` when `seed` is given, else torch's default generator (manualSeed). */
  generator?: Generator;
  /** Seed of a private generator, so a collator's masks are a pure function of (seed, call order). */
  seed?: number;
  /** Only 'pt'; accepted for HF compatibility. */
  return_tensors?: 'pt';
}
/** HF's names of the options (tokenizer aside). */
export const LM_COLLATOR_ARG_NAMES = ['mlm', 'mlm_probability', 'pad_to_multiple_of', 'generator', 'seed', 'return_tensors'] as const;
type LmResolved = { tokenizer: CollatorTokenizer; mlm?: boolean; mlmProbability?: number; padToMultipleOf?: number; generator?: Generator; seed?: number; returnTensors?: string };

/** True for a plain object of columns; false for a bare id list (number[] or a typed array). */
export function isMapping(x: unknown): x is Feature {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

/**
 * Language-modeling batches from rows of ids (or bare id lists), padded to the longest row.
 * mlm=true: `labels` hold the original id where a token was selected and -100 elsewhere;
 * selected tokens become [MASK] (80%), a uniform random id in [0, len(tokenizer)) (10%; it can
 * equal the original with probability 1/len), or stay (10%).  Special tokens — from a
 * `special_tokens_mask` column when present, else tokenizer.getSpecialTokensMask /
 * allSpecialIds — and padding are never selected.  The random draws are HF's, in HF's order:
 * bernoulli(p), bernoulli(0.8), bernoulli(0.5), randint, each over the whole (B, L) batch.
 * mlm=false: `labels` = input_ids with pad-id positions -100 (with pad = eos, eos is ignored too, as in HF).
 * Returns int64 (B, L) `input_ids`, `labels` and, for object rows, `attention_mask`.
 * Callable: `collator(examples)` (HF), `collator.collate(examples)`.
 * @example
 *   const collator = new DataCollatorForLanguageModeling({ tokenizer, mlm_probability: 0.15 });
 *   const batch = collator([{ input_ids: [101, 7592, 2088, 102] }]);   // input_ids with [MASK]s, labels -100 elsewhere
 */
export interface DataCollatorForLanguageModeling {
  (examples: readonly (Feature | readonly number[])[]): Batch;
}
export class DataCollatorForLanguageModeling extends CallableCollator<Feature | readonly number[]> implements Collator {
  readonly tokenizer: CollatorTokenizer;
  readonly mlm: boolean;
  readonly mlmProbability: number;
  readonly padToMultipleOf: number | undefined;
  readonly generator: Generator | undefined;
  constructor(opts: DataCollatorForLanguageModelingOptions);
  /** HF's positional form: the tokenizer, then the other options. */
  constructor(tokenizer: CollatorTokenizer, opts?: Omit<DataCollatorForLanguageModelingOptions, 'tokenizer'>);
  constructor(...args: unknown[]) {
    super();
    const opts = collatorOptions<LmResolved>(new.target.name, LM_COLLATOR_ARG_NAMES, args);
    if (opts.returnTensors !== undefined && opts.returnTensors !== 'pt') throw new RangeError(`Framework '${String(opts.returnTensors)}' not recognized!`);
    this.tokenizer = opts.tokenizer;
    this.mlm = opts.mlm ?? true;
    this.mlmProbability = opts.mlmProbability ?? 0.15;
    if (!(this.mlmProbability >= 0 && this.mlmProbability <= 1)) throw new RangeError(`mlm_probability should be between 0 and 1, got ${this.mlmProbability}`);
    this.padToMultipleOf = opts.padToMultipleOf;
    this.generator = opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : undefined);
    if (this.mlm && (this.tokenizer.maskTokenId === null || this.tokenizer.maskTokenId === undefined)) throw new Error(NO_MASK_TOKEN);
  }

  collate(examples: readonly (Feature | readonly number[])[]): Batch {
    const who = this.constructor.name;
    if (!Array.isArray(examples) || examples.length === 0) throw new TypeError(`${who}: expected a non-empty array of examples`);
    return tidy(() => {
      let batch: Batch;
      if (isMapping(examples[0])) {
        // `labels` is recomputed below, so a ragged labels column is not an error here
        batch = padFeatures(this.tokenizer, examples as Feature[], { padding: true, padToMultipleOf: this.padToMultipleOf }, new Set(['labels']), who).batch;
      } else {
        const rows = examples.map((e, i) => intRow(e, 'input_ids', i));
        batch = { input_ids: collateIds(this.tokenizer, rows, this.padToMultipleOf) };
      }
      const special = batch['special_tokens_mask'];
      delete batch['special_tokens_mask'];
      const ids = batch['input_ids']!;
      if (this.mlm) {
        const { inputs, labels } = this.maskTokens(ids, special);
        batch['input_ids'] = inputs;
        batch['labels'] = labels;
      } else {
        const pad = this.tokenizer.padTokenId;
        batch['labels'] = pad === null || pad === undefined ? ids.clone() : ids.maskedFill(ids.eq(pad), -100);
      }
      return batch;
    });
  }

  /**
   * HF torch_mask_tokens: (B, L) int64 ids -> masked ids and labels (both new tensors; the
   * input is not changed).  `specialTokensMask` (B, L): nonzero = never select; computed from
   * the tokenizer when absent.
   */
  maskTokens(inputs: Tensor, specialTokensMask?: Tensor | null): { inputs: Tensor; labels: Tensor } {
    return tidy(() => {
      const special = specialTokensMask ? specialTokensMask.ne(0) : specialMaskOf(this.tokenizer, inputs);
      const prob = full(inputs.shape, this.mlmProbability, { dtype: 'float32' }).maskedFill(special, 0); // (B, L)
      const selected = bernoulli(prob, { generator: this.generator }).ne(0);
      return replaceSelected(this, inputs, selected);
    });
  }
}

/**
 * The 80/10/10 step shared with whole-word masking: `selected` (B, L) bool marks the tokens to
 * predict; labels keep their ids (-100 elsewhere); 80% of them become the mask id, half of the
 * rest a random id in [0, len(tokenizer)).
 */
export function replaceSelected(c: DataCollatorForLanguageModeling, inputs: Tensor, selected: Tensor): { inputs: Tensor; labels: Tensor } {
  return tidy(() => {
    const g = { generator: c.generator };
    const shape = inputs.shape;
    const labels = inputs.maskedFill(selected.logicalNot(), -100);
    const replaced = bernoulli(full(shape, 0.8, { dtype: 'float32' }), g).ne(0).logicalAnd(selected);
    const masked = inputs.maskedFill(replaced, c.tokenizer.maskTokenId!);
    const random = bernoulli(full(shape, 0.5, { dtype: 'float32' }), g).ne(0).logicalAnd(selected).logicalAnd(replaced.logicalNot());
    const words = randint(0, c.tokenizer.length, shape, { dtype: 'int64', ...g });
    return { inputs: where(random, words, masked), labels };
  });
}

/**
 * (B, L) bool: true where the id is a special token (HF get_special_tokens_mask with
 * already_has_special_tokens=True).  Uses tokenizer.getSpecialTokensMask when it exists, else
 * allSpecialIds plus the pad and mask ids (always special in HF).
 */
export function specialMaskOf(tok: CollatorTokenizer, inputs: Tensor): Tensor {
  const [B, L] = inputs.shape as [number, number];
  const flat = inputs.to('int64').toTypedArray() as BigInt64Array;
  const out = new Uint8Array(B * L);
  if (tok.getSpecialTokensMask) {
    for (let i = 0; i < B; i++) {
      const row = Array.from(flat.subarray(i * L, (i + 1) * L), Number);
      const m = tok.getSpecialTokensMask(row, true);
      if (m.length !== L) throw new Error(`getSpecialTokensMask returned ${m.length} values for ${L} ids`);
      for (let j = 0; j < L; j++) out[i * L + j] = m[j] ? 1 : 0;
    }
  } else if (tok.allSpecialIds) {
    const set = new Set(tok.allSpecialIds);
    if (tok.padTokenId !== null && tok.padTokenId !== undefined) set.add(tok.padTokenId);
    if (tok.maskTokenId !== null && tok.maskTokenId !== undefined) set.add(tok.maskTokenId);
    for (let k = 0; k < flat.length; k++) out[k] = set.has(Number(flat[k])) ? 1 : 0;
  } else {
    throw new Error('masked language modeling needs the special tokens: give the tokenizer getSpecialTokensMask or allSpecialIds, or the features a special_tokens_mask column');
  }
  return tensor(out, { shape: [B, L] }).ne(0);
}
