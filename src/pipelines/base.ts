// base.ts — what every task pipeline shares (transformers 4.47 pipelines/base.py, Pipeline):
// the model and tokenizer, inference without gradients on the model's device, the call options
// (HF's names or camelCase; options given at construction are the defaults of every call, as HF's
// _sanitize_parameters keeps the __init__ kwargs), and the callable wrapper that makes
// `await clf(inputs, opts)` work.  Pre- and post-processing live per task.
import { noGrad, tensor, tidy, type Device, Tensor } from '../torch/index.js';
import type { PreTrainedTokenizerFast } from '../tokenizers/index.js';
import type { PreTrainedModel, PretrainedConfig } from '../models/index.js';
import { camelCase, normalizeOptions, snakeCase } from '../utils/options.js';

/** Model inputs of one forward: HF key -> rows of ids (rectangular). */
export type IdRows = Record<string, number[][]>;

/** The model a pipeline runs: a tunekit PreTrainedModel (its forward returns HF's output fields). */
export type PipelineModel = PreTrainedModel;

/**
 * Base of the task pipelines: holds the model (put in eval mode, moved to `device`) and the
 * tokenizer.  Subclasses implement `call`; {@link callable} makes the instance itself callable.
 */
export abstract class Pipeline {
  /** The task name it was made for (`text-classification`, `ner`, ...). */
  readonly task: string;
  readonly model: PipelineModel;
  readonly tokenizer: PreTrainedTokenizerFast;
  /** Where the model runs and inputs are put. */
  readonly device: Device;

  /**
   * Options applied to every call, under the call's own options (HF: keyword arguments given to
   * `pipeline(task, ..., aggregation_strategy='simple')`).  HF's names or camelCase; set through
   * the constructor or {@link setDefaults}, which check them.
   */
  defaults: object = {};

  /** HF's names of this task's call options (each also accepted in camelCase). */
  static readonly optionNames: readonly string[] = [];
  /**
   * Whether keys other than {@link optionNames} pass through (snake_cased) to a callee that
   * checks them itself: generate()'s keyword arguments in the generation pipelines.
   */
  static readonly passesGenerateOptions: boolean = false;

  constructor(task: string, model: PipelineModel, tokenizer: PreTrainedTokenizerFast, device?: Device, defaults?: object) {
    this.task = task;
    this.model = model;
    this.tokenizer = tokenizer;
    this.device = device ?? model.device;
    if (device !== undefined && device !== model.device) model.to(device);
    // HF relies on from_pretrained's eval mode; a model fresh from a Trainer is still in train
    // mode, and dropout would make the scores random, so a pipeline always infers in eval mode.
    model.eval();
    if (defaults !== undefined) this.setDefaults(defaults);
  }

  /**
   * Adds call defaults (merged over the ones already set; a later call's options still win).
   * @throws TypeError for an unknown option (naming the closest one) or two spellings with different values.
   */
  setDefaults(opts: object): void {
    const who = `pipeline('${this.task}')`;
    this.defaults = { ...this.normalizeOptions(this.defaults, who), ...this.normalizeOptions(opts, who) };
  }

  /**
   * The options of one call: the defaults under the call's own, keyed by HF's names.
   * @throws TypeError for an unknown option (naming the closest one) or two spellings with different values.
   */
  protected callOptions(opts: unknown): Record<string, unknown> {
    const who = `pipeline('${this.task}')`;
    return { ...this.normalizeOptions(this.defaults, who), ...this.normalizeOptions(opts, who) };
  }

  /** Options keyed by HF's names; see {@link optionNames} and {@link passesGenerateOptions}. */
  private normalizeOptions(opts: unknown, who: string): Record<string, unknown> {
    const cls = this.constructor as typeof Pipeline;
    if (!cls.passesGenerateOptions || opts === null || typeof opts !== 'object' || Array.isArray(opts)) return normalizeOptions(opts, { names: cls.optionNames }, who);
    const mine = new Set(cls.optionNames.flatMap((n) => [n, camelCase(n)]));
    const own: Record<string, unknown> = {};
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(opts)) (mine.has(k) ? own : rest)[k] = v;
    // generate() checks its own keys; here only the two spellings of one key are reconciled
    const restNames = [...new Set(Object.keys(rest).map(snakeCase))];
    return { ...normalizeOptions(own, { names: cls.optionNames }, who), ...normalizeOptions(rest, { names: restNames }, who) };
  }

  /** The model config (id2label, problem_type, ...). */
  get config(): PretrainedConfig { return this.model.config; }

  /** Runs the task on `inputs`; see each pipeline's overloads. */
  abstract call(inputs: unknown, opts?: unknown): Promise<unknown>;

  /**
   * One forward under noGrad: `rows` become int64 (B, T) tensors on the device (keys the model
   * does not take are dropped, as HF passes only the tokenizer's model_input_names), and the
   * named outputs come back as nested number arrays (float32 values, HF's `.numpy()`).
   */
  protected forward(rows: IdRows, outputs: readonly string[]): Record<string, unknown> {
    const names = this.model.inputNames;
    return tidy(() => noGrad(() => {
      const feed: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(rows)) {
        if (names.length > 0 && !names.includes(k)) continue;
        feed[k] = tensor(v, { dtype: 'int64', device: this.device });
      }
      const out = this.model.forward(feed) as unknown as Record<string, unknown>;
      const res: Record<string, unknown> = {};
      for (const k of outputs) {
        const t = out[k];
        if (!(t instanceof Tensor)) throw new Error(`${this.constructor.name}: the model returned no '${k}' (got ${Object.keys(out).join(', ')})`);
        res[k] = t.to({ dtype: 'float32', device: 'cpu' }).toArray();
      }
      return res;
    }));
  }

  /** The label name of class `i` (config.id2label; HF raises KeyError on a missing one). */
  protected label(i: number): string {
    const l = (this.model.config.id2label as Record<number, string>)[i];
    if (l === undefined) throw new Error(`${this.constructor.name}: config.id2label has no label ${i}`);
    return l;
  }
}

/** A pipeline instance that can also be called directly: `await clf(text)` = `await clf.call(text)`. */
export type Callable<P extends Pipeline> = P & P['call'];

/**
 * Wraps a pipeline so that calling it runs `call`, while its properties (`model`, `tokenizer`,
 * `task`, `call`) and `instanceof` still work.
 */
export function callable<P extends Pipeline>(p: P): Callable<P> {
  const fn = (...args: unknown[]): Promise<unknown> => (p.call as (...a: unknown[]) => Promise<unknown>)(...args);
  return new Proxy(fn, {
    get: (_t, key) => {
      const v = Reflect.get(p, key, p) as unknown;
      return typeof v === 'function' && key !== 'constructor' ? (v as (...a: unknown[]) => unknown).bind(p) : v;
    },
    set: (_t, key, value) => Reflect.set(p, key, value),
    has: (_t, key) => key in p,
    getPrototypeOf: () => Object.getPrototypeOf(p) as object | null,
  }) as unknown as Callable<P>;
}

/** Softmax of one row of logits (numpy's: max subtracted first). */
export function softmax(row: readonly number[]): number[] {
  let m = -Infinity;
  for (const x of row) if (x > m) m = x;
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** Index of the first maximum (numpy argmax). */
export function argmax(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** Python's `s[start:end]` on a string indexed by code points (tokenizer offsets count code points). */
export function sliceCodePoints(codePoints: readonly string[], start: number, end: number): string {
  return codePoints.slice(start, end).join('');
}

/**
 * HF `convert_tokens_to_string` of a fast tokenizer: the backend decoder over the tokens, or the
 * tokens joined by spaces when it has none.
 */
export function convertTokensToString(tok: PreTrainedTokenizerFast, tokens: string[]): string {
  const decoder = tok.backend.getDecoder();
  return decoder ? decoder.decode(tokens) : tokens.join(' ');
}

/**
 * Stacks single-example encodings into padded rows, as HF's pipeline collator (tokenizer.pad):
 * input_ids with the pad id, attention_mask with 0, token_type_ids with the pad type id, on the
 * tokenizer's padding side.
 */
export function padRows(tok: PreTrainedTokenizerFast, examples: ReadonlyArray<Record<string, number[]>>): IdRows {
  const width = Math.max(...examples.map((e) => e.input_ids!.length));
  const left = tok.paddingSide === 'left';
  if (tok.padTokenId === null && examples.some((e) => e.input_ids!.length < width))
    throw new Error('Pipeline with tokenizer without pad_token cannot do batching. You can try to set it with `pipe.tokenizer.padToken = tok.eosToken`, or use batch_size 1.');
  const fill: Record<string, number> = { input_ids: tok.padTokenId ?? 0, attention_mask: 0, token_type_ids: tok.padTokenTypeId, special_tokens_mask: 1 };
  const out: IdRows = {};
  for (const key of Object.keys(examples[0]!)) {
    out[key] = examples.map((e) => {
      const row = e[key]!;
      const pad: number[] = new Array<number>(width - row.length).fill(fill[key] ?? 0);
      return left ? [...pad, ...row] : [...row, ...pad];
    });
  }
  return out;
}
