// stopping-criteria.ts — when a sequence is done (transformers/generation/stopping_criteria.py):
// max length, max time, an EOS token, a stop string. Each answers per row after every decoding
// step; generate() stops a row when any criterion says so and the loop when every row is done.
import { tidy, type Tensor } from '../torch/index.js';

/** What a stopping criterion decodes with (a tokenizer: PreTrainedTokenizerFast fits). */
export interface TokenDecoder {
  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string;
}

/** One criterion (HF StoppingCriteria.__call__). */
export interface StoppingCriteria {
  /**
   * inputIds (B, T) int64: the sequences including the token just chosen; scores: that step's
   * processed scores (B, V), or null; rows: the same sequences on the host (when the caller has
   * them). Returns, per row, whether it is done: booleans or a (B) bool tensor.
   */
  call(inputIds: Tensor, scores: Tensor | null, rows?: ReadonlyArray<readonly number[]>): boolean[] | Tensor;
}

function hostRows(inputIds: Tensor, rows?: ReadonlyArray<readonly number[]>): ReadonlyArray<readonly number[]> {
  if (rows) return rows;
  const [b, t] = inputIds.shape as [number, number];
  const flat = tidy(() => inputIds.cpu().long().toTypedArray() as BigInt64Array);
  return Array.from({ length: b }, (_, i) => Array.from(flat.subarray(i * t, (i + 1) * t), Number));
}

/** HF MaxLengthCriteria: done once the sequences (prompt included) are maxLength long. */
export class MaxLengthCriteria implements StoppingCriteria {
  constructor(readonly maxLength: number) {}
  call(inputIds: Tensor): boolean[] {
    return new Array<boolean>(inputIds.size(0)).fill(inputIds.size(-1) >= this.maxLength);
  }
}

/** HF MaxTimeCriteria: done once maxTime seconds have passed since `start` (ms, performance.now()). */
export class MaxTimeCriteria implements StoppingCriteria {
  constructor(readonly maxTime: number, readonly start = performance.now()) {}
  call(inputIds: Tensor): boolean[] {
    return new Array<boolean>(inputIds.size(0)).fill((performance.now() - this.start) / 1000 > this.maxTime);
  }
}

/** HF EosTokenCriteria: a row is done when its last token is one of the EOS ids. */
export class EosTokenCriteria implements StoppingCriteria {
  readonly eosTokenId: number[];
  constructor(eosTokenId: number | number[]) { this.eosTokenId = Array.isArray(eosTokenId) ? [...eosTokenId] : [eosTokenId]; }
  call(inputIds: Tensor, _scores: Tensor | null, rows?: ReadonlyArray<readonly number[]>): boolean[] {
    return hostRows(inputIds, rows).map((r) => this.eosTokenId.includes(r[r.length - 1]!));
  }
}

/**
 * HF StopStringCriteria: a row is done when one of the stop strings appears in its decoded text
 * AND overlaps its last token — the string may start inside an earlier token and end inside the
 * last one (["st", "opera"] stops at "stop"), but a string that lies wholly before the last token
 * does not count (it was checked when it was generated). HF precomputes token-string tables to do
 * this with tensor ops; this checks the same condition on the decoded tail of each row: the text
 * of the last tokens, and where the last token's text begins in it.
 */
export class StopStringCriteria implements StoppingCriteria {
  readonly stopStrings: readonly string[];
  readonly #tail: number;
  constructor(readonly tokenizer: TokenDecoder, stopStrings: string | readonly string[]) {
    const list = typeof stopStrings === 'string' ? [stopStrings] : [...stopStrings];
    if (list.length === 0 || list.some((s) => typeof s !== 'string' || s.length === 0)) throw new RangeError(`stop_strings must be non-empty strings, got ${JSON.stringify(stopStrings)}`);
    if (!tokenizer || typeof tokenizer.decode !== 'function')
      throw new TypeError('stop_strings need the model\'s tokenizer: pass `tokenizer` to generate() (as transformers does)');
    this.stopStrings = list;
    // A string of n characters ending in the last token spans at most n tokens; one more gives the
    // first of them its context (a SentencePiece decoder drops the leading space of the first token).
    this.#tail = 2 * Math.max(...list.map((s) => s.length)) + 2;
  }
  /** Whether `row` ends with a stop string overlapping its last token. */
  matches(row: readonly number[]): boolean {
    if (row.length === 0) return false;
    const tail = row.slice(-this.#tail);
    const text = this.tokenizer.decode(tail);
    const before = this.tokenizer.decode(tail.slice(0, -1));
    let boundary = 0; // where the last token's text starts (the common prefix, if decoding shifted)
    const n = Math.min(before.length, text.length);
    while (boundary < n && before[boundary] === text[boundary]) boundary++;
    for (const s of this.stopStrings) {
      const at = text.lastIndexOf(s);
      if (at >= 0 && at + s.length > boundary) return true;
    }
    return false;
  }
  call(inputIds: Tensor, _scores: Tensor | null, rows?: ReadonlyArray<readonly number[]>): boolean[] {
    return hostRows(inputIds, rows).map((r) => this.matches(r));
  }
}

/** Runs criteria and ORs them per row (HF StoppingCriteriaList). */
export class StoppingCriteriaList {
  readonly criteria: StoppingCriteria[];
  constructor(criteria: StoppingCriteria[] = []) { this.criteria = [...criteria]; }
  push(...c: StoppingCriteria[]): void { this.criteria.push(...c); }
  get length(): number { return this.criteria.length; }
  /** The max length of a MaxLengthCriteria in the list, or null. */
  get maxLength(): number | null {
    for (const c of this.criteria) if (c instanceof MaxLengthCriteria) return c.maxLength;
    return null;
  }
  /** Per row: done by any criterion. */
  call(inputIds: Tensor, scores: Tensor | null, rows?: ReadonlyArray<readonly number[]>): boolean[] {
    const b = inputIds.size(0);
    const done = new Array<boolean>(b).fill(false);
    for (const c of this.criteria) {
      const r = c.call(inputIds, scores, rows);
      const flags = Array.isArray(r) ? r : tidy(() => Array.from((r as Tensor).cpu().bool().toTypedArray() as Uint8Array, (x) => x !== 0));
      if (flags.length !== b) throw new RangeError(`a stopping criterion returned ${flags.length} flags for a batch of ${b}`);
      flags.forEach((f, i) => { if (f) done[i] = true; });
    }
    return done;
  }
}
