// qa-postprocess.ts — postprocess_qa_predictions of transformers' examples
// (examples/pytorch/question-answering/utils_qa.py), which the HF course and run_qa.py use to turn
// the start/end logits of every window (feature) of an evaluation set into one answer text per
// question: candidate spans from the n-best start and end logits inside the context, scored
// start_logit + end_logit; with version_2_with_negative the null answer ([CLS], index 0; the
// minimum over the example's windows) competes through null_score_diff_threshold.
// It lives beside the QA pipeline (its decode-time twin, qa-decode.ts); it only reads numbers, so
// it takes Trainer.predict()'s arrays as they are ({ data, shape }) without importing the trainer.
import { normalizeOptions, type WithCamelAliases } from '../utils/options.js';

/** One question (a row of the examples set): its id and context. */
export interface QaExampleRow { id: string; context: string; [column: string]: unknown }
/** One window (a row of the features set), as HF's prepare_validation_features writes it. */
export interface QaFeatureRow {
  example_id: string;
  /** Character (code point) offsets of each token; null (or []) for tokens outside the context. */
  offset_mapping: ReadonlyArray<readonly number[] | null>;
  /** Optional (slow-tokenizer scripts): token position -> whether this window is its best context. */
  token_is_max_context?: Readonly<Record<string, boolean>> | null;
  [column: string]: unknown;
}
/** Rows: an array, or a Dataset (anything with `at(i)` and `numRows` / `length`). */
export type Rows<R> = readonly R[] | { at(i: number): R | undefined; readonly numRows?: number; readonly length?: number };
/** One logits array (features, L): Trainer.predict()'s arrays, `{ data, shape }`, or nested rows. */
export type LogitsArray = { data: ArrayLike<number>; shape: readonly number[] } | ReadonlyArray<ArrayLike<number>>;

/** Options (HF's keyword arguments; camelCase accepted). */
export interface QaPostprocessOptions {
  /** The null answer competes (SQuAD v2); default false. */
  version_2_with_negative?: boolean;
  /** Candidate start / end positions per window, and answers kept per example (default 20). */
  n_best_size?: number;
  /** Longest answer in tokens (default 30). */
  max_answer_length?: number;
  /** v2: predict '' when null score - best span score > this (default 0). */
  null_score_diff_threshold?: number;
}

/** One n-best candidate (HF's nbest_predictions.json entry). */
export interface QaNbestEntry { text: string; start_logit: number; end_logit: number; probability: number }

/** Everything utils_qa computes (it writes the last two to files). */
export interface QaPostprocessResult {
  /** example id -> predicted text (HF's all_predictions, what it returns). */
  predictions: Record<string, string>;
  /** example id -> the n-best candidates, best first (nbest_predictions.json). */
  nbest: Record<string, QaNbestEntry[]>;
  /** v2 only: example id -> null score minus the best span's score (null_odds.json). */
  scores_diff: Record<string, number> | null;
}

const OPTION_NAMES = ['version_2_with_negative', 'n_best_size', 'max_answer_length', 'null_score_diff_threshold'];

function rowsOf<R>(x: Rows<R>, what: string): readonly R[] {
  if (Array.isArray(x)) return x;
  const d = x as { at?: (i: number) => R | undefined; numRows?: number; length?: number };
  if (d && typeof d.at === 'function') {
    const n = d.numRows ?? d.length;
    if (typeof n === 'number') return Array.from({ length: n }, (_, i) => d.at!(i)!);
  }
  throw new TypeError(`postprocessQaPredictions: ${what} must be an array of rows or a Dataset`);
}

/** Row r of a logits array as numbers. */
function rowOf(a: LogitsArray, r: number): ArrayLike<number> {
  if ('shape' in a && !Array.isArray(a)) {
    const L = a.shape[1]!;
    const d = a.data as ArrayLike<number> & { subarray?: (s: number, e: number) => ArrayLike<number> };
    return d.subarray ? d.subarray(r * L, (r + 1) * L) : Array.from({ length: L }, (_, j) => d[r * L + j]!);
  }
  return (a as ReadonlyArray<ArrayLike<number>>)[r]!;
}
const numRows = (a: LogitsArray): number => ('shape' in a && !Array.isArray(a) ? a.shape[0]! : (a as unknown[]).length);

/** numpy `np.argsort(x)[-1 : -k - 1 : -1]`: the indices of the k largest, largest first (ties: the later index first). */
function topIndices(x: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: x.length }, (_, i) => i);
  idx.sort((a, b) => x[a]! - x[b]!); // stable ascending, then read from the end
  return idx.reverse().slice(0, k);
}

/**
 * HF's postprocess_qa_predictions with its n-best lists and null-score differences.
 * @param predictions [start_logits, end_logits], each (features, L) — Trainer.predict().predictions of a QA model.
 * @throws Error for a predictions pair of the wrong size, a feature whose example is missing, or an example without features.
 */
export function postprocessQaPredictionsWithDetails(
  examples: Rows<QaExampleRow>, features: Rows<QaFeatureRow>, predictions: readonly LogitsArray[], options: WithCamelAliases<QaPostprocessOptions> = {},
): QaPostprocessResult {
  const o = normalizeOptions(options, { names: OPTION_NAMES }, 'postprocessQaPredictions()');
  const v2 = (o.version_2_with_negative as boolean | undefined) ?? false;
  const nBest = (o.n_best_size as number | undefined) ?? 20;
  const maxLen = (o.max_answer_length as number | undefined) ?? 30;
  const threshold = (o.null_score_diff_threshold as number | undefined) ?? 0;
  if (!Number.isInteger(nBest) || nBest < 1) throw new RangeError(`postprocessQaPredictions: n_best_size must be a positive integer, got ${nBest}`);
  if (!Number.isInteger(maxLen) || maxLen < 1) throw new RangeError(`postprocessQaPredictions: max_answer_length must be a positive integer, got ${maxLen}`);
  if (!Array.isArray(predictions) || predictions.length !== 2) throw new Error('`predictions` should be a tuple with two elements (start_logits, end_logits).');
  const [allStart, allEnd] = predictions as [LogitsArray, LogitsArray];
  const exRows = rowsOf(examples, 'examples');
  const featRows = rowsOf(features, 'features');
  if (numRows(allStart) !== featRows.length || numRows(allEnd) !== featRows.length)
    throw new Error(`Got ${numRows(allStart)} predictions and ${featRows.length} features.`);

  const indexOf = new Map<string, number>();
  exRows.forEach((ex, i) => indexOf.set(ex.id, i));
  const perExample: number[][] = exRows.map(() => []);
  featRows.forEach((f, i) => {
    const e = indexOf.get(f.example_id);
    if (e === undefined) throw new Error(`postprocessQaPredictions: features[${i}] belongs to example '${f.example_id}', which is not among the examples`);
    perExample[e]!.push(i);
  });

  type Pred = { offsets: [number, number]; score: number; start_logit: number; end_logit: number; text?: string };
  const out: QaPostprocessResult = { predictions: {}, nbest: {}, scores_diff: v2 ? {} : null };
  exRows.forEach((ex, e) => {
    if (perExample[e]!.length === 0) throw new Error(`postprocessQaPredictions: example '${ex.id}' has no features (was it dropped when the features were made?)`);
    let minNull: Pred | null = null;
    const prelim: Pred[] = [];
    for (const fi of perExample[e]!) {
      const start = rowOf(allStart, fi), end = rowOf(allEnd, fi);
      const offsets = featRows[fi]!.offset_mapping;
      const maxContext = featRows[fi]!.token_is_max_context ?? null;
      const nullScore = start[0]! + end[0]!;
      if (minNull === null || minNull.score > nullScore) minNull = { offsets: [0, 0], score: nullScore, start_logit: start[0]!, end_logit: end[0]! };
      const ends = topIndices(end, nBest);
      for (const s of topIndices(start, nBest)) {
        for (const t of ends) {
          const a = offsets[s], b = offsets[t];
          if (s >= offsets.length || t >= offsets.length || !a || a.length < 2 || !b || b.length < 2) continue; // outside the context
          if (t < s || t - s + 1 > maxLen) continue;
          if (maxContext !== null && !maxContext[String(s)]) continue;
          prelim.push({ offsets: [a[0]!, b[1]!], score: start[s]! + end[t]!, start_logit: start[s]!, end_logit: end[t]! });
        }
      }
    }
    let nullScore = 0;
    if (v2 && minNull !== null) {
      prelim.push(minNull);
      nullScore = minNull.score;
    }
    const preds = prelim.sort((x, y) => y.score - x.score).slice(0, nBest); // stable, as Python's sorted(reverse=True)
    if (v2 && minNull !== null && !preds.some((p) => p.offsets[0] === 0 && p.offsets[1] === 0)) preds.push(minNull);
    const context = Array.from(ex.context); // offsets count code points
    for (const p of preds) p.text = context.slice(p.offsets[0], p.offsets[1]).join('');
    // HF: a fake answer so that the softmax below is defined
    if (preds.length === 0 || (preds.length === 1 && preds[0]!.text === '')) preds.unshift({ offsets: [0, 0], text: 'empty', start_logit: 0, end_logit: 0, score: 0 });
    const m = Math.max(...preds.map((p) => p.score));
    const exps = preds.map((p) => Math.exp(p.score - m));
    const z = exps.reduce((x, y) => x + y, 0);
    out.nbest[ex.id] = preds.map((p, i) => ({ text: p.text!, start_logit: p.start_logit, end_logit: p.end_logit, probability: exps[i]! / z }));
    if (!v2) {
      out.predictions[ex.id] = preds[0]!.text!;
      return;
    }
    const best = preds.find((p) => p.text !== '')!; // 'empty' guarantees one
    const diff = nullScore - best.start_logit - best.end_logit;
    out.scores_diff![ex.id] = diff;
    out.predictions[ex.id] = diff > threshold ? '' : best.text!;
  });
  return out;
}

/**
 * HF's postprocess_qa_predictions (utils_qa.py): example id -> predicted answer text.
 * @example
 *   const out = trainer.predict(validationFeatures);
 *   const preds = postprocessQaPredictions(validationExamples, validationFeatures, out.predictions as HostArray[], { version_2_with_negative: true });
 *   squadV2(Object.entries(preds).map(([id, text]) => ({ id, prediction_text: text, no_answer_probability: 0 })), references);
 */
export function postprocessQaPredictions(
  examples: Rows<QaExampleRow>, features: Rows<QaFeatureRow>, predictions: readonly LogitsArray[], options: WithCamelAliases<QaPostprocessOptions> = {},
): Record<string, string> {
  return postprocessQaPredictionsWithDetails(examples, features, predictions, options).predictions;
}
