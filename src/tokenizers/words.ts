// Pre-split input (`is_split_into_words`) for HF tokenizers' node binding, which encodes only
// plain strings: each word is encoded alone and the pieces merged, as tokenizers does for
// `InputSequence::PreTokenized`. The binding cannot set word ids, so a "shadow" WordLevel
// tokenizer whose ids ARE word indices goes through the same truncation, post-processor and
// padding; its ids give each output token's word index.
import { Tokenizer, WordLevel, mergeEncodings, whitespaceSplitPreTokenizer, type Encoding } from 'tokenizers';

/** A WordLevel tokenizer over "0".."n-1" (id = the number), without post-processor. */
export class WordIndexShadow {
  private backend: Tokenizer | null = null;
  private size = 0;

  private ensure(n: number): Tokenizer {
    if (this.backend && n <= this.size) return this.backend;
    let size = Math.max(1024, this.size);
    while (size < n) size *= 2;
    const vocab: Record<string, number> = {};
    for (let i = 0; i < size; i++) vocab[String(i)] = i;
    const t = new Tokenizer(WordLevel.init(vocab, { unkToken: '0' }));
    t.setPreTokenizer(whitespaceSplitPreTokenizer());
    this.backend = t;
    this.size = size;
    return t;
  }

  /** One encoding per sequence whose ids are the word index of each raw token. */
  async encode(wordIndexRows: number[][]): Promise<Encoding[]> {
    const max = Math.max(0, ...wordIndexRows.map((r) => (r.length ? Math.max(...r) : 0)));
    const t = this.ensure(max + 1);
    return t.encodeBatch(wordIndexRows.map((r) => r.join(' ')) as never[], { addSpecialTokens: false });
  }
}

/**
 * Groups per-word encodings back into one encoding per sequence (offsets stay relative to each
 * word, as in tokenizers) and the word index of every raw token.
 */
export function mergeWords(wordEncodings: Encoding[], wordsPerSequence: number[]): { merged: Encoding[]; wordIndex: number[][] } {
  const merged: Encoding[] = [];
  const wordIndex: number[][] = [];
  let at = 0;
  for (const n of wordsPerSequence) {
    const encs = wordEncodings.slice(at, at + n);
    at += n;
    merged.push(mergeEncodings(encs, false));
    wordIndex.push(encs.flatMap((e, w) => new Array<number>(e.getLength()).fill(w)));
  }
  return { merged, wordIndex };
}

/** Word ids of a post-processed row from its shadow: the shadow id at sequence tokens, null elsewhere. */
export function shadowWordIds(shadow: Encoding): Array<number | null> {
  const ids = shadow.getIds();
  return shadow.getSequenceIds().map((s, j) => (s === null || s === undefined ? null : ids[j]!));
}
