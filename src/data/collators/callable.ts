// callable.ts — what makes a collator class behave like HF's: the instance is a function
// (`collator(features)`, HF's __call__, also `collator.call(features)` and `collator.collate`),
// `instanceof` still holds, and the constructor takes HF's keyword names (`pad_to_multiple_of`,
// `mlm_probability`, ...) or their camelCase aliases, or the tokenizer alone as HF's first
// positional argument (`new DataCollatorWithPadding(tokenizer)`).
import { inspect } from 'node:util';
import { camelKeys, normalizeOptions } from '../../utils/options.js';
import type { CollatorTokenizer } from './padding.js';
import type { Batch, Feature } from './tensorize.js';

/**
 * Base of the collator classes.  The constructor returns a function object whose prototype is
 * the subclass's, so `collator(rows)` runs `collate(rows)` while fields, methods and `instanceof`
 * work as on any instance.  Subclasses merge an interface with a call signature to type the call.
 */
export abstract class CallableCollator<F = Feature, B = Batch> {
  constructor() {
    const self = function collator(features: readonly F[]): B {
      return (self as unknown as CallableCollator<F, B>).collate(features);
    };
    // a function's own `name` / `length` would shadow nothing a collator has, but stay hidden from inspection
    Object.setPrototypeOf(self, new.target.prototype);
    return self as unknown as CallableCollator<F, B>;
  }

  /** Rows -> batch (HF's __call__ / torch_call). */
  abstract collate(features: readonly F[]): B;

  /** `collator.call(rows)` = `collator(rows)` (tunekit's pipelines and tokenizers are called the same way). */
  call(features: readonly F[]): B {
    return this.collate(features);
  }

  /** util.inspect shows the collator's fields, not a function. */
  [inspect.custom](_depth: number, options: object, inspectFn: typeof inspect = inspect): string {
    const fields = Object.fromEntries(Object.entries(this).filter(([k]) => k !== 'tokenizer'));
    return `${this.constructor.name} ${inspectFn(fields, options)}`;
  }
}

const looksLikeTokenizer = (x: unknown): x is CollatorTokenizer =>
  x !== null && typeof x === 'object' && 'padTokenId' in x && !('tokenizer' in x);

/**
 * A collator constructor's options under camelCase keys: `args` is `(options)` with HF's names
 * or camelCase, or `(tokenizer, options?)` as HF's positional first argument.
 * @throws TypeError naming `who` for an unknown option (with the closest name), two spellings
 *   with different values, or a missing tokenizer.
 */
export function collatorOptions<T>(who: string, names: readonly string[], args: readonly unknown[], aliases: Readonly<Record<string, string>> = {}): T {
  let [first, second] = args;
  if (looksLikeTokenizer(first)) first = { ...(second as object | undefined ?? {}), tokenizer: first };
  else if (second !== undefined) throw new TypeError(`${who}: pass one options object, e.g. new ${who}({ tokenizer, pad_to_multiple_of: 8 }), or the tokenizer first: new ${who}(tokenizer, { ... })`);
  if (first === null || typeof first !== 'object' || Array.isArray(first))
    throw new TypeError(`${who}: expected { tokenizer, ... } (or the tokenizer itself), got ${first === null ? 'null' : Array.isArray(first) ? 'an array' : typeof first}`);
  const opts = camelKeys(normalizeOptions(first, { names: ['tokenizer', ...names], aliases }, `${who}()`));
  if (opts.tokenizer === undefined || opts.tokenizer === null) throw new TypeError(`${who}: a tokenizer is required ({ tokenizer })`);
  return opts as T;
}
