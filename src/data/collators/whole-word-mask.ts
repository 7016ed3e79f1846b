// whole-word-mask.ts — DataCollatorForWholeWordMask (transformers/data/data_collator.py): selects
// whole WordPiece words (a `##` token continues the word before it) until ~15% of the tokens,
// then applies the same 80% [MASK] / 10% random / 10% kept replacement as masked LM.
import { Tensor, randperm, tidy } from '../../torch/index.js';
import { DataCollatorForLanguageModeling, isMapping, replaceSelected, specialMaskOf, type DataCollatorForLanguageModelingOptions } from './language-modeling.js';
import { collateIds, type CollatorTokenizer } from './padding.js';
import { intRow, type Batch, type Feature } from './tensorize.js';

/** Python's round(): halves go to the even neighbour (round(2.5) == 2). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d !== 0.5) return d < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Whole-word masked LM for WordPiece (BERT) tokenizers.  Per row: words are runs of a token
 * plus the `##` tokens after it ([CLS] and [SEP] are never candidates); the words are shuffled
 * and taken while they fit in round(len(row) * mlmProbability) tokens (at least 1, at most
 * 512); a word that would overshoot is skipped.  Special tokens and padding are then dropped
 * from the selection, and selected tokens get the 80/10/10 replacement.  A `chinese_ref`
 * column (positions that continue a word) is honoured as in HF.  Returns only `input_ids` and
 * `labels`, int64 (B, L), as HF does.  Tokenizers without `##` continuations degrade to token-level masking.
 */
export interface DataCollatorForWholeWordMask {
  (examples: readonly (Feature | readonly number[])[]): Batch;
}
export class DataCollatorForWholeWordMask extends DataCollatorForLanguageModeling {
  constructor(opts: DataCollatorForLanguageModelingOptions);
  /** HF's positional form: the tokenizer, then the other options. */
  constructor(tokenizer: CollatorTokenizer, opts?: Omit<DataCollatorForLanguageModelingOptions, 'tokenizer'>);
  constructor(...args: unknown[]) {
    super(...(args as [DataCollatorForLanguageModelingOptions]));
    if (!this.tokenizer.convertIdsToTokens) throw new Error('DataCollatorForWholeWordMask needs tokenizer.convertIdsToTokens to find word boundaries');
  }

  override collate(examples: readonly (Feature | readonly number[])[]): Batch {
    if (!Array.isArray(examples) || examples.length === 0) throw new TypeError('DataCollatorForWholeWordMask: expected a non-empty array of examples');
    const mapping = isMapping(examples[0]);
    const rows = examples.map((e, i) => {
      if (mapping !== isMapping(e)) throw new TypeError(`DataCollatorForWholeWordMask: examples[${i}] is not of the same kind as examples[0]`);
      return intRow(mapping ? (e as Feature)['input_ids'] : e, 'input_ids', i);
    });
    return tidy(() => {
      const batchInput = collateIds(this.tokenizer, rows, this.padToMultipleOf); // (B, L)
      const maskLabels = rows.map((ids, i) => {
        const tokens = this.tokenizer.convertIdsToTokens!(ids);
        const ref = mapping ? (examples[i] as Feature)['chinese_ref'] : undefined;
        if (ref !== undefined && ref !== null) for (const p of intRow(ref, 'chinese_ref', i)) if (p >= 0 && p < tokens.length) tokens[p] = '##' + tokens[p];
        return this.wholeWordMask(tokens);
      });
      const batchMask = collateIds(this.tokenizer, maskLabels, this.padToMultipleOf, 0); // (B, L), 1 = chosen word token
      const { inputs, labels } = this.maskWholeWords(batchInput, batchMask);
      return { input_ids: inputs, labels };
    });
  }

  /**
   * HF _whole_word_mask: 0/1 per token, 1 for the tokens of the chosen words.  Shuffles with
   * torch.randperm on this collator's generator (HF uses Python's `random.shuffle`).
   */
  wholeWordMask(tokens: readonly string[], maxPredictions = 512): number[] {
    const cands: number[][] = [];
    tokens.forEach((t, i) => {
      if (t === '[CLS]' || t === '[SEP]') return;
      if (cands.length >= 1 && t.startsWith('##')) cands[cands.length - 1]!.push(i);
      else cands.push([i]);
    });
    const order = cands.length ? tidy(() => Array.from(randperm(cands.length, { generator: this.generator }).toTypedArray() as BigInt64Array, Number)) : [];
    const numToPredict = Math.min(maxPredictions, Math.max(1, roundHalfEven(tokens.length * this.mlmProbability)));
    const covered = new Set<number>();
    for (const k of order) {
      if (covered.size >= numToPredict) break;
      const word = cands[k]!;
      if (covered.size + word.length > numToPredict) continue; // the whole word or nothing
      for (const i of word) covered.add(i);
    }
    return tokens.map((_, i) => (covered.has(i) ? 1 : 0));
  }

  /** HF's whole-word torch_mask_tokens: selection = maskLabels minus special tokens and padding, then 80/10/10. */
  maskWholeWords(inputs: Tensor, maskLabels: Tensor): { inputs: Tensor; labels: Tensor } {
    return tidy(() => {
      let selected = maskLabels.ne(0).logicalAnd(specialMaskOf(this.tokenizer, inputs).logicalNot());
      const pad = this.tokenizer.padTokenId;
      if (pad !== null && pad !== undefined) selected = selected.logicalAnd(inputs.ne(pad));
      return replaceSelected(this, inputs, selected);
    });
  }
}
