// classification.ts — scikit-learn 1.2's sklearn/metrics/_classification.py for binary and
// multiclass labels: accuracy_score, precision/recall/f1/fbeta (precision_recall_fscore_support
// with average binary / micro / macro / weighted / None, `labels`, `zero_division`),
// matthews_corrcoef and confusion_matrix.  Arguments are (yTrue, yPred) in sklearn's order.
import {
  MetricError, emitWarning, checkZeroDivision, comparePy, npAverage, npSum, prfFromCounts,
  type Average, type WarningHandler, type WarnFor, type ZeroDivision,
} from './common.js';

/** A class label: integers or strings (not mixed), like sklearn's `unique_labels` accepts. */
export type Label = number | string;

/** Options of the precision / recall / F family (sklearn's keyword arguments). */
export interface PrfOptions {
  /** 'binary' (default: the score of `posLabel` only), 'micro', 'macro', 'weighted', or null (per label) */
  average?: Average;
  /** labels to score and their order; default: the sorted labels present in yTrue or yPred */
  labels?: readonly Label[];
  /** the positive class when average = 'binary' (default 1) */
  posLabel?: Label;
  sampleWeight?: readonly number[];
  /** value of an undefined precision / recall; 'warn' (default) means 0 plus a warning */
  zeroDivision?: ZeroDivision;
  onWarning?: WarningHandler;
}

/** Per-label arrays (average null) or averaged scalars; support is null when averaged (sklearn). */
export interface PrfSupport<T extends number | number[]> {
  precision: T;
  recall: T;
  fscore: T;
  support: T extends number[] ? number[] : null;
}

const AVERAGES: readonly Average[] = [null, 'micro', 'macro', 'weighted', 'binary'];

interface Targets {
  type: 'binary' | 'multiclass';
  /** sorted union of the labels of both arrays */
  present: Label[];
}

/** sklearn's _check_targets + unique_labels for 1-d class labels. */
function checkTargets(metric: string, yTrue: readonly Label[], yPred: readonly Label[], sampleWeight?: readonly number[]): Targets {
  if (yTrue.length !== yPred.length)
    throw new MetricError(`${metric}: predictions and references differ in length: ${yPred.length} predictions, ${yTrue.length} references`);
  if (yTrue.length === 0) throw new MetricError(`${metric}: predictions and references are empty`);
  if (sampleWeight && sampleWeight.length !== yTrue.length)
    throw new MetricError(`${metric}: sampleWeight has ${sampleWeight.length} entries for ${yTrue.length} samples`);
  const seen = new Set<Label>();
  for (const arr of [yTrue, yPred])
    for (const y of arr) {
      if (typeof y === 'number') {
        // sklearn's type_of_target calls non-integer floats 'continuous' and rejects them
        if (!Number.isInteger(y)) throw new MetricError(`${metric}: continuous targets are not supported (label ${y} is not an integer class label)`);
      } else if (typeof y !== 'string') throw new MetricError(`${metric}: labels must be integers or strings, got ${typeof y}`);
      seen.add(y);
    }
  const present = [...seen];
  const kinds = new Set(present.map((y) => typeof y));
  if (kinds.size > 1) throw new MetricError(`${metric}: Mix of label input types (string and number)`);
  present.sort((a, b) => (typeof a === 'number' ? a - (b as number) : comparePy(a, b as string)));
  return { type: present.length <= 2 ? 'binary' : 'multiclass', present };
}

/** Per-label true-positive / predicted / true counts (weighted), in the order of `labels`. */
function countLabels(yTrue: readonly Label[], yPred: readonly Label[], labels: readonly Label[], sampleWeight?: readonly number[]) {
  const index = new Map<Label, number>();
  labels.forEach((l, i) => { if (!index.has(l)) index.set(l, i); });
  const tp = new Array<number>(labels.length).fill(0);
  const pred = tp.slice();
  const tru = tp.slice();
  for (let i = 0; i < yTrue.length; i++) {
    const w = sampleWeight ? sampleWeight[i]! : 1;
    const t = index.get(yTrue[i]!);
    const p = index.get(yPred[i]!);
    if (t !== undefined) tru[t]! += w;
    if (p !== undefined) pred[p]! += w;
    if (t !== undefined && yTrue[i] === yPred[i]) tp[t]! += w;
  }
  return { tp, pred, true: tru };
}

function fmt(l: Label): string {
  return typeof l === 'string' ? `'${l}'` : String(l);
}

/**
 * sklearn's `precision_recall_fscore_support`.  With `average` null every field is an array in
 * label order (support included); otherwise scalars and `support` null.
 * @example precisionRecallFscoreSupport([0, 1, 1], [0, 1, 0], { average: 'macro' }).fscore // 0.6666…
 */
export function precisionRecallFscoreSupport(yTrue: readonly Label[], yPred: readonly Label[], opts: PrfOptions & { average: null; beta?: number; warnFor?: WarnFor }): PrfSupport<number[]>;
export function precisionRecallFscoreSupport(yTrue: readonly Label[], yPred: readonly Label[], opts?: PrfOptions & { average?: Exclude<Average, null>; beta?: number; warnFor?: WarnFor }): PrfSupport<number>;
export function precisionRecallFscoreSupport(yTrue: readonly Label[], yPred: readonly Label[], opts?: PrfOptions & { beta?: number; warnFor?: WarnFor }): PrfSupport<number | number[]>;
export function precisionRecallFscoreSupport(yTrue: readonly Label[], yPred: readonly Label[], opts: PrfOptions & { beta?: number; warnFor?: WarnFor } = {}): PrfSupport<number | number[]> {
  const average = opts.average === undefined ? 'binary' : opts.average;
  const beta = opts.beta ?? 1;
  const onWarning = opts.onWarning ?? emitWarning;
  const zeroDivision = checkZeroDivision(opts.zeroDivision ?? 'warn');
  if (!(beta >= 0)) throw new MetricError('beta should be >=0 in the F-beta score');
  if (!AVERAGES.includes(average))
    throw new MetricError(`average has to be one of 'binary', 'micro', 'macro', 'weighted', null; got ${JSON.stringify(average)}`);
  const { type, present } = checkTargets('precision_recall_fscore_support', yTrue, yPred, opts.sampleWeight);
  let labels = opts.labels ? [...opts.labels] : undefined;
  const posLabel = opts.posLabel ?? 1;
  if (average === 'binary') {
    if (type !== 'binary')
      throw new MetricError(`Target is ${type} but average='binary'. Please choose another average setting, one of [null, 'micro', 'macro', 'weighted'].`);
    if (!present.includes(posLabel) && present.length >= 2)
      throw new MetricError(`pos_label=${fmt(posLabel)} is not a valid label. It should be one of [${present.map(fmt).join(', ')}]`);
    labels = [posLabel];
  } else if (opts.posLabel !== undefined && opts.posLabel !== 1) {
    onWarning(`Note that pos_label (set to ${fmt(opts.posLabel)}) is ignored when average != 'binary' (got ${average === null ? 'None' : `'${average}'`}). You may use labels=[pos_label] to specify a single positive class.`);
  }
  if (labels && labels.length === 0) throw new MetricError("'labels' should contain at least one label");
  const counts = countLabels(yTrue, yPred, labels ?? present, opts.sampleWeight);
  const r = prfFromCounts(counts, {
    average: average === 'binary' ? 'macro' : average, beta, zeroDivision, onWarning,
    warnFor: opts.warnFor ?? ['precision', 'recall', 'f-score'],
  });
  if (average === null) return { precision: r.precision, recall: r.recall, fscore: r.fscore, support: r.support as number[] };
  return { precision: r.precision, recall: r.recall, fscore: r.fscore, support: null };
}

// per-label array for average null, scalar for a known non-null average, either when unknown
type Score<O extends PrfOptions> = O extends { average: null } ? number[]
  : O extends { average?: Exclude<Average, null> } ? number : number | number[];

/** sklearn's `precision_score`: tp / (tp + fp).  Array per label when `average` is null. */
export function precisionScore<O extends PrfOptions>(yTrue: readonly Label[], yPred: readonly Label[], opts?: O): Score<O> {
  return precisionRecallFscoreSupport(yTrue, yPred, { ...opts, warnFor: ['precision'] }).precision as Score<O>;
}

/** sklearn's `recall_score`: tp / (tp + fn).  Array per label when `average` is null. */
export function recallScore<O extends PrfOptions>(yTrue: readonly Label[], yPred: readonly Label[], opts?: O): Score<O> {
  return precisionRecallFscoreSupport(yTrue, yPred, { ...opts, warnFor: ['recall'] }).recall as Score<O>;
}

/** sklearn's `fbeta_score`: (1 + β²)·P·R / (β²·P + R), 0 where both are 0. */
export function fbetaScore<O extends PrfOptions>(yTrue: readonly Label[], yPred: readonly Label[], beta: number, opts?: O): Score<O> {
  return precisionRecallFscoreSupport(yTrue, yPred, { ...opts, beta, warnFor: ['f-score'] }).fscore as Score<O>;
}

/**
 * sklearn's `f1_score` (F-beta with β = 1).
 * @example f1Score([1, 1, 0, 0], [1, 0, 0, 1]) // 0.5 (binary, posLabel 1)
 */
export function f1Score<O extends PrfOptions>(yTrue: readonly Label[], yPred: readonly Label[], opts?: O): Score<O> {
  return fbetaScore(yTrue, yPred, 1, opts);
}

/**
 * sklearn's `accuracy_score`: the fraction of exact matches (`normalize`, default true), or
 * their (weighted) count.
 */
export function accuracyScore(yTrue: readonly Label[], yPred: readonly Label[], opts: { normalize?: boolean; sampleWeight?: readonly number[] } = {}): number {
  checkTargets('accuracy', yTrue, yPred, opts.sampleWeight);
  const score = yTrue.map((t, i) => (t === yPred[i] ? 1 : 0));
  if (opts.normalize ?? true) return npAverage(score, opts.sampleWeight);
  if (opts.sampleWeight) return npSum(score.map((s, i) => s * opts.sampleWeight![i]!));
  return npSum(score);
}

/**
 * sklearn's `confusion_matrix`: C[i][j] = (weighted) count of true label i predicted as j, in
 * the order of `labels` (default: sorted present labels).  Samples whose labels are not in
 * `labels` are dropped.  `normalize` divides by row ('true'), column ('pred') or total ('all'
 * ), 0 where that sum is 0.
 */
export function confusionMatrix(yTrue: readonly Label[], yPred: readonly Label[], opts: { labels?: readonly Label[]; sampleWeight?: readonly number[]; normalize?: 'true' | 'pred' | 'all' | null } = {}): number[][] {
  const { present } = checkTargets('confusion_matrix', yTrue, yPred, opts.sampleWeight);
  const labels = opts.labels ? [...opts.labels] : present;
  if (labels.length === 0) throw new MetricError("'labels' should contains at least one label.");
  if (opts.labels && !yTrue.some((y) => labels.includes(y))) throw new MetricError('At least one label specified must be in y_true');
  const norm = opts.normalize ?? null;
  if (!['true', 'pred', 'all', null].includes(norm)) throw new MetricError("normalize must be one of {'true', 'pred', 'all', None}");
  const index = new Map<Label, number>();
  labels.forEach((l, i) => { if (!index.has(l)) index.set(l, i); });
  const n = labels.length;
  const cm = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let k = 0; k < yTrue.length; k++) {
    const i = index.get(yTrue[k]!);
    const j = index.get(yPred[k]!);
    if (i !== undefined && j !== undefined) cm[i]![j]! += opts.sampleWeight ? opts.sampleWeight[k]! : 1;
  }
  if (norm === null) return cm;
  const rowSums = cm.map((row) => npSum(row));
  const colSums = cm[0]!.map((_, j) => npSum(cm.map((row) => row[j]!)));
  const total = npSum(rowSums);
  // numpy divides then nan_to_num: 0/0 becomes 0
  const div = (x: number, d: number) => (d === 0 ? 0 : x / d);
  return cm.map((row, i) => row.map((x, j) => div(x, norm === 'true' ? rowSums[i]! : norm === 'pred' ? colSums[j]! : total)));
}

/**
 * sklearn's `matthews_corrcoef`, multiclass form (Gorodkin's R_K) from the confusion matrix:
 * (c·s − Σ p_k t_k) / sqrt((s² − Σ p_k²)(s² − Σ t_k²)); 0 when a denominator factor is 0.
 * @example matthewsCorrcoef([1, 1, 0, 0], [1, 0, 0, 0]) // 0.5773502691896258
 */
export function matthewsCorrcoef(yTrue: readonly Label[], yPred: readonly Label[], opts: { sampleWeight?: readonly number[] } = {}): number {
  const { present } = checkTargets('matthews_corrcoef', yTrue, yPred, opts.sampleWeight);
  const C = confusionMatrix(yTrue, yPred, { labels: present, sampleWeight: opts.sampleWeight });
  const tSum = C.map((row) => npSum(row));
  const pSum = C[0]!.map((_, j) => npSum(C.map((row) => row[j]!)));
  let nCorrect = 0;
  for (let k = 0; k < C.length; k++) nCorrect += C[k]![k]!;
  const nSamples = npSum(pSum);
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
  const covYtYp = nCorrect * nSamples - dot(tSum, pSum);
  const covYpYp = nSamples ** 2 - dot(pSum, pSum);
  const covYtYt = nSamples ** 2 - dot(tSum, tSum);
  if (covYpYp * covYtYt === 0) return 0;
  return covYtYp / Math.sqrt(covYtYt * covYpYp);
}
