// text-classification.ts — TextClassificationPipeline of transformers 4.47
// pipelines/text_classification.py: texts (or {text, text_pair}) -> {label, score}, with HF's
// default score function (sigmoid for multi-label / one label, softmax otherwise, none for
// regression), top_k, and its legacy return shapes.
import { Pipeline, argmax, padRows, softmax } from './base.js';
import type { WithCamelAliases } from '../utils/options.js';

/** One text, or a text pair (HF: a dict with `text` and `text_pair`). */
export type TextClassificationInput = string | { text: string; text_pair?: string };

/** How logits become scores (HF ClassificationFunction). */
export type FunctionToApply = 'sigmoid' | 'softmax' | 'none';

/** Call options (HF keyword arguments); each also in camelCase (`topK`, `functionToApply`, ...). */
export type TextClassificationOptions = WithCamelAliases<TextClassificationArgs>;

/** The call options under HF's names. */
export interface TextClassificationArgs {
  /**
   * How many labels to return, best first; null: all of them.  When omitted, each input gives
   * one `{label, score}` (HF's legacy mode: a single string input then returns `[{label, score}]`).
   */
  top_k?: number | null;
  /** Default: 'none' for problem_type regression, 'sigmoid' for multi-label or num_labels 1, else 'softmax'. */
  function_to_apply?: FunctionToApply | 'default';
  /** Tokenizer truncation (HF passes tokenizer kwargs through); default off, as HF. */
  truncation?: boolean | 'longest_first' | 'only_first' | 'only_second';
  /** Tokenizer max_length (with truncation). */
  max_length?: number;
  /** Inputs per forward (padded to the longest); default 1, as HF. */
  batch_size?: number;
}

/** One label and its score. */
export interface LabelScore {
  label: string;
  score: number;
}

type TextPair = { text: string; text_pair?: string };
type NoTopK = { top_k?: undefined; topK?: undefined };
type TopK = { top_k: number | null } | { topK: number | null };

/**
 * Classifies texts with a sequence-classification model.
 * @example
 *   const clf = await pipeline('text-classification', { model: 'runs/spam-classifier' });
 *   await clf('WIN a FREE cruise!!!');                 // [{ label: 'spam', score: 0.98 }]
 *   await clf(['a', 'b'], { top_k: null });            // [[{label, score}, ...], [...]] all labels, best first
 */
export class TextClassificationPipeline extends Pipeline {
  static override readonly optionNames: readonly string[] = ['top_k', 'function_to_apply', 'truncation', 'max_length', 'batch_size'];

  /** No top_k: one string -> `[{label, score}]` (HF's legacy list of one). */
  call(inputs: string, opts?: TextClassificationOptions & NoTopK): Promise<LabelScore[]>;
  /** No top_k: a text pair -> `{label, score}`. */
  call(inputs: TextPair, opts?: TextClassificationOptions & NoTopK): Promise<LabelScore>;
  /** No top_k: one `{label, score}` per input. */
  call(inputs: TextClassificationInput[], opts?: TextClassificationOptions & NoTopK): Promise<LabelScore[]>;
  /** With top_k: the top_k labels (all with null), best first. */
  call(inputs: string | TextPair, opts: TextClassificationOptions & TopK): Promise<LabelScore[]>;
  /** With top_k: one list per input. */
  call(inputs: TextClassificationInput[], opts: TextClassificationOptions & TopK): Promise<LabelScore[][]>;
  call(inputs: TextClassificationInput | TextClassificationInput[], opts?: TextClassificationOptions): Promise<LabelScore | LabelScore[] | LabelScore[][]>;
  async call(inputs: TextClassificationInput | TextClassificationInput[], options: TextClassificationOptions = {}): Promise<LabelScore | LabelScore[] | LabelScore[][]> {
    const opts = this.callOptions(options) as TextClassificationArgs;
    const legacy = opts.top_k === undefined;
    const topK = legacy ? 1 : opts.top_k!;
    if (topK !== null && (!Number.isInteger(topK) || topK < 1)) throw new RangeError(`top_k must be a positive integer or null, got ${String(topK)}`);
    const fn = opts.function_to_apply === undefined || opts.function_to_apply === 'default' ? this.defaultFunction() : opts.function_to_apply;
    if (!['sigmoid', 'softmax', 'none'].includes(fn)) throw new Error(`Unrecognized \`function_to_apply\` argument: ${String(fn)}`);
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const batch = opts.batch_size ?? 1;
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch_size must be a positive integer, got ${batch}`);

    const results: Array<LabelScore | LabelScore[]> = [];
    for (let i = 0; i < list.length; i += batch) {
      const encs = await Promise.all(list.slice(i, i + batch).map((x) => this.encode(x, opts)));
      const { logits } = this.forward(padRows(this.tokenizer, encs), ['logits']) as { logits: number[][] };
      for (const row of logits) results.push(this.postprocess(row, fn, topK, legacy));
    }
    if (!Array.isArray(inputs)) return typeof inputs === 'string' && legacy ? [results[0] as LabelScore] : results[0]!;
    return results as LabelScore[] | LabelScore[][];
  }

  /** HF preprocess: the tokenizer on a text or a {text, text_pair} dict. */
  private async encode(x: TextClassificationInput, opts: TextClassificationArgs): Promise<Record<string, number[]>> {
    let text: string, pair: string | undefined;
    if (typeof x === 'string') text = x;
    else if (x !== null && typeof x === 'object' && !Array.isArray(x) && typeof x.text === 'string') ({ text, text_pair: pair } = x);
    else throw new Error('The pipeline received invalid inputs, if you are trying to send text pairs, you can try to send a dictionary `{"text": "My text", "text_pair": "My pair"}` in order to send a text pair.');
    const enc = await this.tokenizer.call(text, { textPair: pair, truncation: opts.truncation, maxLength: opts.max_length });
    return enc.data as Record<string, number[]>;
  }

  /** HF postprocess's default function_to_apply, from the config. */
  private defaultFunction(): FunctionToApply {
    const c = this.model.config;
    if (c.problem_type === 'regression') return 'none';
    if (c.problem_type === 'multi_label_classification' || c.num_labels === 1) return 'sigmoid';
    return 'softmax';
  }

  /** HF postprocess on one row of logits (num_labels). */
  private postprocess(logits: number[], fn: FunctionToApply, topK: number | null, legacy: boolean): LabelScore | LabelScore[] {
    const scores = fn === 'sigmoid' ? logits.map((x) => 1 / (1 + Math.exp(-x))) : fn === 'softmax' ? softmax(logits) : logits;
    if (topK === 1 && legacy) {
      const i = argmax(scores);
      return { label: this.label(i), score: scores[i]! };
    }
    const all = scores.map((score, i) => ({ label: this.label(i), score }));
    all.sort((a, b) => b.score - a.score); // Array.prototype.sort is stable, as Python's
    return topK === null ? all : all.slice(0, topK);
  }
}
