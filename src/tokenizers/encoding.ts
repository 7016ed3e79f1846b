// BatchEncoding of transformers' tokenization_utils_base.py: the dict a tokenizer call returns
// (`input_ids`, `attention_mask`, `token_type_ids`, `offset_mapping`, `overflow_to_sample_mapping`,
// `labels`, ...) plus the fast tokenizer's per-row alignment (word_ids, sequence_ids, tokens,
// char_to_token, ...) read from HF tokenizers' Encoding objects.
import type { Encoding } from 'tokenizers';
import { Tensor } from '../torch/index.js';
import type { Device } from '../torch/index.js';

/** The value types of one output layout. */
export interface Layout {
  /** input_ids, attention_mask, token_type_ids, special_tokens_mask, labels. */
  ids: unknown;
  /** offset_mapping: (start, end) character offsets per token. */
  offsets: unknown;
  /** overflow_to_sample_mapping and length: one number per row. */
  perRow: unknown;
}
/** A single unbatched example (a string input without overflow): flat lists. */
export interface Single extends Layout { ids: number[]; offsets: Array<[number, number]>; perRow: number[] }
/** A batch (or an example with overflowing windows): one list per row. */
export interface Batched extends Layout { ids: number[][]; offsets: Array<Array<[number, number]>>; perRow: number[] }
/** `returnTensors: 'pt'`: int64 tensors, (rows, length) and (rows, length, 2) for offsets. */
export interface Pt extends Layout { ids: Tensor; offsets: Tensor; perRow: Tensor }

/**
 * What `tokenizer.call(...)` returns: HF keys (`input_ids`, ...) as properties, `data` as the
 * whole dict, and the alignment methods of a fast tokenizer's BatchEncoding.
 * @example
 *   const enc = await tok.call(['EU', 'rejects'], { isSplitIntoWords: true });
 *   enc.input_ids;   // number[]
 *   enc.wordIds();   // [null, 0, 1, null]
 */
export class BatchEncoding<L extends Layout = Layout> {
  /**
   * Every returned key, HF spelling, in HF's order. Keys other than input_ids (and an unpadded
   * attention_mask) are converted from the Encodings on first read; writes replace them as usual.
   */
  readonly data: Record<string, unknown>;
  /** One HF tokenizers Encoding per row (overflow windows included); empty for labels-only results. */
  readonly encodings: readonly Encoding[];
  /** How many sequences were encoded per row (1, or 2 for text pairs). */
  readonly nSequences: number;
  /** Word ids per row when they cannot come from the Encodings (pre-split input); null otherwise. */
  private readonly wordIdRows: ReadonlyArray<Array<number | null>> | null;

  constructor(data: Record<string, unknown>, encodings: readonly Encoding[], nSequences: number, wordIds: ReadonlyArray<Array<number | null>> | null = null) {
    this.data = data;
    this.encodings = encodings;
    this.nSequences = nSequences;
    this.wordIdRows = wordIds;
  }

  get input_ids(): L['ids'] { return this.data.input_ids as L['ids']; }
  get attention_mask(): L['ids'] | undefined { return this.data.attention_mask as L['ids'] | undefined; }
  get token_type_ids(): L['ids'] | undefined { return this.data.token_type_ids as L['ids'] | undefined; }
  get special_tokens_mask(): L['ids'] | undefined { return this.data.special_tokens_mask as L['ids'] | undefined; }
  get labels(): L['ids'] | undefined { return this.data.labels as L['ids'] | undefined; }
  get offset_mapping(): L['offsets'] | undefined { return this.data.offset_mapping as L['offsets'] | undefined; }
  get overflow_to_sample_mapping(): L['perRow'] | undefined { return this.data.overflow_to_sample_mapping as L['perRow'] | undefined; }
  get length(): L['perRow'] | undefined { return this.data.length as L['perRow'] | undefined; }

  /** The keys present, HF spelling. */
  keys(): string[] { return Object.keys(this.data); }
  /** A key's value (for keys without a typed property). */
  get(key: string): unknown { return this.data[key]; }
  /** Sets a key (HF: `enc["labels"] = ...`). */
  set(key: string, value: unknown): void { this.data[key] = value; }

  private row(i: number): Encoding {
    const e = this.encodings[i];
    if (e === undefined) throw new RangeError(`batch index ${i} out of range: this BatchEncoding has ${this.encodings.length} row(s) with token alignment`);
    return e;
  }

  /** Tokens of row `i` (HF `tokens(batch_index)`). */
  tokens(i = 0): string[] { return this.row(i).getTokens(); }
  /** Word index of each token of row `i`, null for special and padding tokens (HF `word_ids`). */
  wordIds(i = 0): Array<number | null> {
    const row = this.row(i);
    return this.wordIdRows ? [...this.wordIdRows[i]!] : row.getWordIds().map((w) => w ?? null);
  }
  /** Sequence index (0, or 1 for the pair) of each token, null for special tokens (HF `sequence_ids`). */
  sequenceIds(i = 0): Array<number | null> { return this.row(i).getSequenceIds().map((s) => s ?? null); }
  /** The token covering character `charIndex` of sequence `sequenceIndex` in row `i`, or null. */
  charToToken(charIndex: number, i = 0, sequenceIndex = 0): number | null { return this.row(i).charToToken(charIndex, sequenceIndex) ?? null; }
  /** The word covering character `charIndex` of sequence `sequenceIndex` in row `i`, or null. */
  charToWord(charIndex: number, i = 0, sequenceIndex = 0): number | null { return this.row(i).charToWord(charIndex, sequenceIndex) ?? null; }
  /** The [start, end) character span of token `tokenIndex` in its sequence, or null. */
  tokenToChars(tokenIndex: number, i = 0): [number, number] | null { return this.row(i).tokenToChars(tokenIndex) ?? null; }
  /** The word index of token `tokenIndex`, or null. */
  tokenToWord(tokenIndex: number, i = 0): number | null {
    if (this.wordIdRows) return this.wordIds(i)[tokenIndex] ?? null;
    return this.row(i).tokenToWord(tokenIndex) ?? null;
  }
  /** The sequence index of token `tokenIndex`, or null. */
  tokenToSequence(tokenIndex: number, i = 0): number | null { return this.row(i).tokenToSequence(tokenIndex) ?? null; }
  /** The [start, end) token span of word `wordIndex` of sequence `sequenceIndex`, or null. */
  wordToTokens(wordIndex: number, i = 0, sequenceIndex = 0): [number, number] | null {
    if (!this.wordIdRows) return this.row(i).wordToTokens(wordIndex, sequenceIndex) ?? null;
    const words = this.wordIds(i), seqs = this.sequenceIds(i);
    let start = -1, end = -1;
    words.forEach((w, j) => {
      if (w === wordIndex && seqs[j] === sequenceIndex) { if (start < 0) start = j; end = j + 1; }
    });
    return start < 0 ? null : [start, end];
  }
  /** The [start, end) character span of word `wordIndex` of sequence `sequenceIndex`, or null. */
  wordToChars(wordIndex: number, i = 0, sequenceIndex = 0): [number, number] | null { return this.row(i).wordToChars(wordIndex, sequenceIndex) ?? null; }

  /** Moves every tensor to `device` (HF `BatchEncoding.to`); returns a new BatchEncoding. */
  to(device: Device): BatchEncoding<L> {
    const data: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.data)) data[k] = v instanceof Tensor ? v.to(device) : v;
    return new BatchEncoding<L>(data, this.encodings, this.nSequences, this.wordIdRows);
  }

  /** Frees the tensors of a `returnTensors: 'pt'` result. */
  dispose(): void {
    for (const v of Object.values(this.data)) if (v instanceof Tensor) v.dispose();
  }
  [Symbol.dispose](): void { this.dispose(); }
}
