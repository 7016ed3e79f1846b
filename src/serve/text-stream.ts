// text-stream.ts — incremental detokenization with stop strings (vLLM's detokenizer + stop
// checker, simplified): each new token re-decodes the request's generated ids and hands out only
// text that can no longer change: a trailing U+FFFD (an incomplete UTF-8 character of a
// byte-fallback tokenizer) and any suffix that could still grow into a stop string are held back.
// When a stop string appears the text before it is final. The non-streamed answer is the
// concatenation of the same deltas, so streaming and non-streaming give the same text.
// The last few prompt tokens are decoded in front of the new ones and their text cut off again
// (vLLM's prefix offset): a SentencePiece decoder strips the leading space of a text's first
// word, so decoding the new tokens alone would lose the space between prompt and completion.
import type { TokenDecoder } from '../generation/index.js';

/** Prompt tokens decoded in front of the new ones (vLLM's INITIAL_INCREMENTAL_DETOKENIZATION_OFFSET). */
const PREFIX_TOKENS = 5;

/** Detokenizes one request's generated tokens, honouring its stop strings. */
export class StopTextStream {
  readonly #ids: number[] = [];
  /** Characters of the decoded text already handed out. */
  #emitted = 0;
  #text = '';
  #stopped = false;
  readonly #prefix: number[];
  readonly #prefixText: string;

  /** `promptIds`: the prompt, whose last PREFIX_TOKENS tokens give the new text its context. */
  constructor(readonly tokenizer: TokenDecoder, readonly stop: readonly string[], promptIds: readonly number[] = []) {
    this.#prefix = promptIds.slice(-PREFIX_TOKENS);
    this.#prefixText = this.#prefix.length ? tokenizer.decode(this.#prefix, { skipSpecialTokens: true }) : '';
  }

  /** True once a stop string was found (the text is final). */
  get stopped(): boolean { return this.#stopped; }
  /** The generated tokens so far. */
  get ids(): readonly number[] { return this.#ids; }

  /** Adds a generated token; returns the text that became final ('' if none). */
  push(token: number): string {
    if (this.#stopped) throw new Error('StopTextStream: push() after a stop string');
    this.#ids.push(token);
    this.#text = this.#decode();
    const cut = this.#firstStop();
    if (cut !== -1) {
      this.#stopped = true;
      return this.#take(cut);
    }
    let end = this.#text.length;
    while (end > this.#emitted && this.#text.charCodeAt(end - 1) === 0xfffd) end--;
    end -= this.#heldForStop(end);
    return this.#take(end);
  }

  /** The rest of the text at the end of generation (EOS or the token limit). */
  finish(): string {
    return this.#stopped ? '' : this.#take(this.#text.length);
  }

  /** The new tokens' text, in the context of the prompt's last tokens when their text is a prefix of it. */
  #decode(): string {
    if (this.#prefix.length > 0) {
      const full = this.tokenizer.decode([...this.#prefix, ...this.#ids], { skipSpecialTokens: true });
      if (full.startsWith(this.#prefixText)) return full.slice(this.#prefixText.length);
    }
    return this.tokenizer.decode(this.#ids, { skipSpecialTokens: true });
  }

  #take(end: number): string {
    if (end <= this.#emitted) return '';
    const piece = this.#text.slice(this.#emitted, end);
    this.#emitted = end;
    return piece;
  }

  /** Index of the earliest stop string in the text, or -1. Only text past what was emitted can hold a new one. */
  #firstStop(): number {
    let best = -1;
    for (const s of this.stop) {
      const i = this.#text.indexOf(s, Math.max(0, this.#emitted - s.length + 1));
      if (i !== -1 && (best === -1 || i < best)) best = i;
    }
    return best;
  }

  /** Length of the longest suffix of text[0, end) that is a proper prefix of a stop string (it may still become one). */
  #heldForStop(end: number): number {
    let held = 0;
    for (const s of this.stop) {
      for (let k = Math.min(s.length - 1, end - this.#emitted); k > held; k--) {
        if (this.#text.startsWith(s.slice(0, k), end - k)) { held = k; break; }
      }
    }
    return held;
  }
}
