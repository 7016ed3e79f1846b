// streamers.ts — text streamers (transformers/generation/streamers.py): generate() pushes the
// prompt and then each step's token to put(), and calls end() when it stops. TextStreamer decodes
// the tokens it has so far and emits only whole words (text up to the last space; everything at a
// newline or after a CJK character), then the rest at end(). TextIteratorStreamer queues the text
// for `for await`.
import type { Tensor } from '../torch/index.js';
import type { Streamer } from './setup.js';
import type { TokenDecoder } from './stopping-criteria.js';

/** Options of TextStreamer. */
export interface TextStreamerOptions {
  /** Skip the prompt (the first put()), e.g. for chat. Default false. */
  skip_prompt?: boolean;
  skipPrompt?: boolean;
  /** Passed to tokenizer.decode (e.g. { skipSpecialTokens: true }). */
  decodeOptions?: { skipSpecialTokens?: boolean; cleanUpTokenizationSpaces?: boolean };
  /** Receives each piece of text; default: written to stdout (a newline at the end). */
  onText?: (text: string, streamEnd: boolean) => void;
}

/** HF _is_chinese_char: CJK ideographs are words on their own. */
function isCjk(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df)
    || (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf)
    || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);
}

type Tokens = ReadonlyArray<number> | ReadonlyArray<ReadonlyArray<number>> | Tensor;
function flatTokens(value: Tokens): number[] {
  const v = (typeof (value as Tensor).toArray === 'function' ? (value as Tensor).toArray() : value) as unknown;
  const arr = Array.isArray(v) ? v : [v];
  if (arr.length > 0 && Array.isArray(arr[0])) {
    if (arr.length > 1) throw new RangeError('TextStreamer only supports batch size 1');
    return [...(arr[0] as number[])];
  }
  return arr as number[];
}

/**
 * HF TextStreamer: prints (or hands to `onText`) the generated text as soon as whole words form.
 * @example model.generate({ input_ids, max_new_tokens: 50, streamer: new TextStreamer(tok, { skip_prompt: true }) });
 */
export class TextStreamer implements Streamer {
  readonly skipPrompt: boolean;
  readonly decodeOptions: TextStreamerOptions['decodeOptions'];
  #cache: number[] = [];
  #printLen = 0;
  #nextIsPrompt = true;
  readonly #onText: (text: string, streamEnd: boolean) => void;

  constructor(readonly tokenizer: TokenDecoder, opts: TextStreamerOptions = {}) {
    this.skipPrompt = opts.skip_prompt ?? opts.skipPrompt ?? false;
    this.decodeOptions = opts.decodeOptions;
    this.#onText = opts.onText ?? ((t, end) => { process.stdout.write(end ? `${t}\n` : t); });
  }

  /** Receives tokens: the prompt (1, T) first, then one token per step. */
  put(value: Tokens): void {
    const tokens = flatTokens(value);
    if (this.skipPrompt && this.#nextIsPrompt) {
      this.#nextIsPrompt = false;
      return;
    }
    this.#nextIsPrompt = false;
    this.#cache.push(...tokens);
    const text = this.tokenizer.decode(this.#cache, this.decodeOptions);
    let printable: string;
    if (text.endsWith('\n')) {
      printable = text.slice(this.#printLen);
      this.#cache = [];
      this.#printLen = 0;
    } else if (text.length > 0 && isCjk(text.codePointAt(text.length - 1) ?? 0)) {
      printable = text.slice(this.#printLen);
      this.#printLen += printable.length;
    } else {
      printable = text.slice(this.#printLen, text.lastIndexOf(' ') + 1);
      this.#printLen += printable.length;
    }
    this.onFinalizedText(printable, false);
  }

  /** Flushes what is left and signals the end. */
  end(): void {
    let printable = '';
    if (this.#cache.length > 0) {
      printable = this.tokenizer.decode(this.#cache, this.decodeOptions).slice(this.#printLen);
      this.#cache = [];
      this.#printLen = 0;
    }
    this.#nextIsPrompt = true;
    this.onFinalizedText(printable, true);
  }

  /** Where text goes; override or give `onText`. */
  onFinalizedText(text: string, streamEnd: boolean): void {
    this.#onText(text, streamEnd);
  }
}

/**
 * HF TextIteratorStreamer: queues the text; iterate it with `for await`. generate() is
 * synchronous, so the text arrives as it is produced only with streamGenerate(); with
 * generate() the queue fills first and is then read.
 */
export class TextIteratorStreamer extends TextStreamer implements AsyncIterable<string> {
  readonly #queue: string[] = [];
  #ended = false;
  #wake: (() => void) | null = null;
  constructor(tokenizer: TokenDecoder, opts: Omit<TextStreamerOptions, 'onText'> = {}) {
    super(tokenizer, opts);
  }
  override onFinalizedText(text: string, streamEnd: boolean): void {
    this.#queue.push(text);
    if (streamEnd) this.#ended = true;
    this.#wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      if (this.#queue.length > 0) { yield this.#queue.shift()!; continue; }
      if (this.#ended) return;
      await new Promise<void>((r) => { this.#wake = r; });
      this.#wake = null;
    }
  }
}
