// common.ts — what every metric shares: the error class, warnings (Python's `warnings.warn`),
// input checks, numpy's pairwise summation (np.sum / np.mean / np.average, so averages round
// like the numpy-based references), Python's code-point string order, and the precision /
// recall / F-beta division of sklearn 1.2 metrics/_classification.py, which seqeval 1.2.2
// (seqeval/metrics/v1.py) copies verbatim.

/** Bad input to a metric (length mismatch, unknown option, unsupported labels...). */
export class MetricError extends Error {
  override name = 'MetricError';
}

/** Receives the messages Python would emit with `warnings.warn` (or print to stderr). */
export type WarningHandler = (message: string) => void;

/**
 * Default handler: `process.emitWarning` (printed once per call on stderr, like Python's
 * warnings).  Pass `onWarning` to any metric to collect the messages instead.
 */
export const emitWarning: WarningHandler = (message) => {
  process.emitWarning(message, { type: 'MetricWarning' });
};

/** sklearn's `zero_division`: 'warn' acts as 0 and also warns. */
export type ZeroDivision = 'warn' | 0 | 1;

/** Throws unless `predictions` and `references` are non-empty and of equal length. */
export function checkLengths(metric: string, predictions: ArrayLike<unknown>, references: ArrayLike<unknown>): void {
  if (predictions.length !== references.length)
    throw new MetricError(`${metric}: predictions and references differ in length: ${predictions.length} predictions, ${references.length} references`);
  if (predictions.length === 0) throw new MetricError(`${metric}: predictions and references are empty`);
}

/** Throws unless `zeroDivision` is 'warn', 0 or 1 (sklearn's _check_zero_division). */
export function checkZeroDivision(zeroDivision: unknown): ZeroDivision {
  if (zeroDivision === 'warn' || zeroDivision === 0 || zeroDivision === 1) return zeroDivision;
  throw new MetricError(`zeroDivision=${String(zeroDivision)}: must be one of "warn", 0, 1`);
}

/**
 * numpy's pairwise summation (numpy/core/src/umath/loops_utils.h `pairwise_sum`): plain loop
 * below 8 items, 8 interleaved partial sums up to 128, halving above.  Sums of non-integers
 * then round exactly as `np.sum` does.
 */
export function npSum(a: ArrayLike<number>): number {
  // np.add.reduce starts from the identity 0.0 (which also turns a lone -0.0 into 0.0)
  return 0 + pairwiseSum(a, 0, a.length);
}

function pairwiseSum(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += a[start + i + j]!;
    let res = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.mean(a)`: pairwise sum over n (NaN for an empty array, as numpy's warning case). */
export function npMean(a: ArrayLike<number>): number {
  return npSum(a) / a.length;
}

/** `np.average(a, weights=w)`: sum(a*w)/sum(w); throws when the weights sum to zero, as numpy. */
export function npAverage(a: ArrayLike<number>, weights?: ArrayLike<number>): number {
  if (!weights) return npMean(a);
  const scl = npSum(weights);
  if (scl === 0) throw new MetricError("Weights sum to zero, can't be normalized");
  const prod = Array.from(a, (x, i) => x * weights[i]!);
  return npSum(prod) / scl;
}

/** Python's `str` ordering (by code point; JS's `<` compares UTF-16 units). */
export function comparePy(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

// the characters Python's str.split() splits on (str.isspace)
const WHITESPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/** Python's `str.split()`: whitespace runs, no empty strings. */
export function pySplit(s: string): string[] {
  return s.split(WHITESPACE).filter((t) => t.length > 0);
}

const TRAILING_WHITESPACE = new RegExp(`${WHITESPACE.source}$`, 'u');

/** Python's `str.rstrip()`. */
export function pyRstrip(s: string): string {
  return s.replace(TRAILING_WHITESPACE, '');
}

/** sklearn's average modes (precision_recall_fscore_support); null = per class. */
export type Average = 'binary' | 'micro' | 'macro' | 'weighted' | null;

/** Which of precision / recall / f-score may warn (sklearn's `warn_for`). */
export type WarnFor = readonly ('precision' | 'recall' | 'f-score')[];

/** Sufficient statistics per label (sklearn's multilabel confusion counts). */
export interface PrfCounts {
  tp: number[];
  pred: number[];
  true: number[];
}

/** Result of {@link prfFromCounts}: scalars when averaged, per-label arrays when `average` is null. */
export interface PrfResult {
  precision: number | number[];
  recall: number | number[];
  fscore: number | number[];
  /** per-label support; for averaged results the total (seqeval) */
  support: number | number[];
}

function warnPrf(onWarning: WarningHandler, modifier: string, msgStart: string, resultSize: number): void {
  const where = resultSize === 1 ? 'due to' : 'in labels with';
  onWarning(`${msgStart} ill-defined and being set to 0.0 ${where} no ${modifier} samples. Use \`zero_division\` parameter to control this behavior.`);
}

function prfDivide(num: number[], den: number[], metric: 'precision' | 'recall', modifier: string, warnFor: WarnFor, zeroDivision: ZeroDivision, onWarning: WarningHandler): number[] {
  let masked = false;
  const out = num.map((n, i) => {
    if (den[i] !== 0) return n / den[i]!;
    masked = true;
    return zeroDivision === 1 ? 1 : 0;
  });
  // sklearn 1.2 warns only in 'warn' mode and only for the metrics the caller asked about
  if (masked && zeroDivision === 'warn' && warnFor.includes(metric)) {
    const title = metric === 'precision' ? 'Precision' : 'Recall';
    warnPrf(onWarning, modifier, warnFor.includes('f-score') ? `${title} and F-score are` : `${title} is`, out.length);
  }
  return out;
}

/**
 * sklearn 1.2's `precision_recall_fscore_support` from its counts (also seqeval 1.2.2's
 * `_precision_recall_fscore_support`).  `average` 'binary' behaves as a one-label macro average
 * (the caller reduces the counts to the positive label).
 */
export function prfFromCounts(counts: PrfCounts, opts: { average: Average; beta: number; zeroDivision: ZeroDivision; warnFor: WarnFor; onWarning: WarningHandler }): PrfResult {
  const { average, beta, zeroDivision, warnFor, onWarning } = opts;
  let { tp, pred, true: tru } = counts;
  if (average === 'micro') {
    tp = [npSum(tp)];
    pred = [npSum(pred)];
    tru = [npSum(tru)];
  }
  const beta2 = beta ** 2;
  const precision = prfDivide(tp, pred, 'precision', 'predicted', warnFor, zeroDivision, onWarning);
  const recall = prfDivide(tp, tru, 'recall', 'true', warnFor, zeroDivision, onWarning);
  if (zeroDivision === 'warn' && warnFor.length === 1 && warnFor[0] === 'f-score' && tru.some((t, i) => t === 0 && pred[i] === 0))
    warnPrf(onWarning, 'true nor predicted', 'F-score is', tru.length);
  // F is 0 when precision and recall are both 0 (sklearn replaces a zero denominator by 1)
  const fscore = beta === Infinity ? recall.slice() : precision.map((p, i) => {
    const r = recall[i]!;
    const denom = beta2 * p + r;
    return ((1 + beta2) * p * r) / (denom === 0 ? 1 : denom);
  });
  const totalTrue = npSum(tru);
  if (average === null) return { precision, recall, fscore, support: tru };
  let weights: number[] | undefined;
  if (average === 'weighted') {
    weights = tru;
    if (totalTrue === 0) {
      // no true samples at all: recall is undefined; precision and F too when nothing is predicted
      const zdv = zeroDivision === 1 ? 1 : 0;
      const none = npSum(pred) === 0;
      return { precision: none ? zdv : 0, recall: zdv, fscore: none ? zdv : 0, support: totalTrue };
    }
  }
  return { precision: npAverage(precision, weights), recall: npAverage(recall, weights), fscore: npAverage(fscore, weights), support: totalTrue };
}
