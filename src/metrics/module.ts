// module.ts — evaluate's EvaluationModule call pattern (evaluate/module.py): `add(prediction,
// reference)` and `add_batch(predictions, references)` accumulate examples, `compute(options)`
// scores everything added (plus any predictions / references given to it) and empties the
// buffer, as evaluate releases its cache after compute.  Option names are accepted in
// evaluate's snake_case (`pos_label`) or camelCase (`posLabel`).  This layer imports nothing, so
// the spelling rules of src/utils/options.ts are restated here in the few lines metrics need.
import { MetricError } from './common.js';

/** `posLabel` from `pos_label`. */
const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The keys a metric's compute takes as data (evaluate's features), by metric name; default predictions / references. */
export const FEATURES: Readonly<Record<string, readonly string[]>> = { perplexity: ['nllSums', 'tokenCounts'] };
const DEFAULT_FEATURES = ['predictions', 'references'] as const;

/** evaluate's singular name of a feature for `add` (`predictions` -> `prediction`). */
const singular = (f: string): string => (f.endsWith('s') ? f.slice(0, -1) : f);

/**
 * `inputs` with each snake_case key renamed to its camelCase option (a key already camelCase,
 * or not among `options`, stays as it is).
 * @throws MetricError when both spellings of one option are given with different values.
 */
export function camelOptions(metric: string, inputs: Readonly<Record<string, unknown>>, options: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  for (const [k, v] of Object.entries(inputs)) {
    const c = camel(k);
    const key = c !== k && options.includes(c) ? c : k;
    if (key in out && out[key] !== v && v !== undefined && out[key] !== undefined)
      throw new MetricError(`${metric}: '${from[key]}' and '${k}' are the same option, given different values; pass one`);
    if (v !== undefined || !(key in out)) { out[key] = v; from[key] = k; }
  }
  return out;
}

/**
 * A loaded metric with evaluate's accumulate-then-compute pattern.
 * @example
 *   const metric = load('accuracy');
 *   for (const batch of batches) metric.add_batch({ predictions: batch.preds, references: batch.labels });
 *   metric.compute();   // { accuracy: ... } over every batch; the buffer is then empty
 */
export class EvaluationModule<I = Record<string, unknown>, O = unknown> {
  readonly name: string;
  /** glue's task; 'default' for the others. */
  readonly configName: string;
  /** The data keys of compute / add_batch (`predictions`, `references`). */
  readonly featureNames: readonly string[];
  readonly #impl: (inputs: Record<string, unknown>) => O;
  readonly #options: readonly string[];
  #buffer: Record<string, unknown[]> | null = null;

  /** `impl` scores complete inputs (features + camelCase options); `options` are the camelCase option names. */
  constructor(name: string, configName: string, impl: (inputs: Record<string, unknown>) => O, options: readonly string[] = []) {
    this.name = name;
    this.configName = configName;
    this.featureNames = FEATURES[name] ?? DEFAULT_FEATURES;
    this.#impl = impl;
    this.#options = options;
  }

  /** Number of examples added and not yet computed. */
  get numPending(): number { return this.#buffer ? (this.#buffer[this.featureNames[0]!]?.length ?? 0) : 0; }

  /**
   * evaluate's add_batch: appends a batch of examples (`{ predictions, references }`; both of
   * the same length) to the buffer compute() scores.
   * @throws MetricError for a key that is not a feature, a missing feature or unequal lengths.
   */
  addBatch(batch: Partial<I>): this {
    if (batch === null || typeof batch !== 'object') throw new MetricError(`${this.name}: add_batch takes { ${this.featureNames.join(', ')} }`);
    const b = batch as Record<string, unknown>;
    const bad = Object.keys(b).filter((k) => !this.featureNames.includes(k) && b[k] !== undefined);
    if (bad.length) throw new MetricError(`${this.name}: Bad inputs for evaluation module: [${bad.join(', ')}]. All required inputs are [${this.featureNames.join(', ')}] (options go to compute())`);
    const cols: unknown[][] = this.featureNames.map((f) => {
      const v = b[f];
      if (v === undefined || v === null) throw new MetricError(`${this.name}: add_batch is missing '${f}' (give ${this.featureNames.join(' and ')})`);
      if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new MetricError(`${this.name}: '${f}' must be a list, got ${typeof v}`);
      return Array.from(v as ArrayLike<unknown>);
    });
    const n = cols[0]!.length;
    cols.forEach((c, i) => {
      if (c.length !== n) throw new MetricError(`${this.name}: Mismatch in the number of ${this.featureNames[0]} (${n}) and ${this.featureNames[i]} (${c.length})`);
    });
    this.#buffer ??= Object.fromEntries(this.featureNames.map((f) => [f, []]));
    this.featureNames.forEach((f, i) => { for (const x of cols[i]!) this.#buffer![f]!.push(x); });
    return this;
  }
  /** evaluate's spelling of {@link addBatch}. */
  add_batch(batch: Partial<I>): this { return this.addBatch(batch); }

  /** evaluate's add: one example (`{ prediction, reference }`). */
  add(example: Record<string, unknown>): this {
    if (example === null || typeof example !== 'object') throw new MetricError(`${this.name}: add takes { ${this.featureNames.map(singular).join(', ')} }`);
    const names = this.featureNames.map(singular);
    const bad = Object.keys(example).filter((k) => !names.includes(k));
    if (bad.length) throw new MetricError(`${this.name}: Bad inputs for evaluation module: [${bad.join(', ')}]. add takes [${names.join(', ')}]`);
    return this.addBatch(Object.fromEntries(this.featureNames.map((f, i) => {
      if (!(names[i]! in example)) throw new MetricError(`${this.name}: add is missing '${names[i]}'`);
      return [f, [example[names[i]!]]];
    })) as Partial<I>);
  }

  /**
   * evaluate's compute: scores the examples added so far plus any given here (`predictions`,
   * `references`), with the other keys as options (snake_case or camelCase); then empties the buffer.
   * @throws MetricError when there is nothing to score.
   */
  compute(inputs?: I | Omit<I, 'predictions' | 'references' | 'nllSums' | 'tokenCounts'>): O {
    const given = camelOptions(this.name, (inputs ?? {}) as Record<string, unknown>, this.#options);
    const data: Record<string, unknown> = {};
    const options: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(given)) (this.featureNames.includes(k) ? data : options)[k] = v;
    const hasData = this.featureNames.some((f) => data[f] !== undefined && data[f] !== null);
    let all: Record<string, unknown>;
    if (this.#buffer === null) {
      if (!hasData) throw new MetricError(`${this.name}: nothing to compute: give ${this.featureNames.join(' and ')} to compute(), or call add / add_batch first`);
      all = data; // the common one-shot call: no copy into the buffer
    } else {
      if (hasData) this.addBatch(data as Partial<I>);
      all = this.#buffer;
    }
    this.#buffer = null; // evaluate releases its cache once computed, even when compute throws
    return this.#impl({ ...options, ...all });
  }
}
