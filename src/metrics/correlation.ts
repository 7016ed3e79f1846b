// correlation.ts — scipy 1.10's scipy/stats/_stats_py.py `pearsonr` and `spearmanr` (the
// correlation only, no p-value) and `rankdata(method='average')`, as used by evaluate's glue
// metric for stsb.  NaN inputs propagate (scipy's default nan_policy).
import { MetricError, emitWarning, npMean, type WarningHandler } from './common.js';

const CONSTANT = 'An input array is constant; the correlation coefficient is not defined.';

function checkPair(fn: string, x: readonly number[], y: readonly number[]): void {
  if (x.length !== y.length) throw new MetricError(`${fn}: x and y must have the same length (got ${x.length} and ${y.length}).`);
}

/**
 * Pearson's r = Σ(x−x̄)(y−ȳ) / (‖x−x̄‖·‖y−ȳ‖), clipped to [−1, 1].  NaN (with a warning) when
 * an input is constant; throws for fewer than 2 points, as scipy.
 * @example pearsonr([1, 2, 3], [2, 4, 7]) // 0.9933992677987828
 */
export function pearsonr(x: readonly number[], y: readonly number[], opts: { onWarning?: WarningHandler } = {}): number {
  checkPair('pearsonr', x, y);
  const n = x.length;
  if (n < 2) throw new MetricError('pearsonr: x and y must have length at least 2.');
  if (x.some((v) => Number.isNaN(v)) || y.some((v) => Number.isNaN(v))) return NaN;
  if (x.every((v) => v === x[0]) || y.every((v) => v === y[0])) {
    (opts.onWarning ?? emitWarning)(CONSTANT);
    return NaN;
  }
  if (n === 2) return Math.sign(x[1]! - x[0]!) * Math.sign(y[1]! - y[0]!);
  const xmean = npMean(x);
  const ymean = npMean(y);
  const xm = x.map((v) => v - xmean);
  const ym = y.map((v) => v - ymean);
  const normxm = norm2(xm);
  const normym = norm2(ym);
  let r = 0;
  for (let i = 0; i < n; i++) r += (xm[i]! / normxm) * (ym[i]! / normym);
  return Math.max(Math.min(r, 1), -1);
}

/** Euclidean norm, scaled like BLAS nrm2 so huge or tiny values neither overflow nor underflow. */
function norm2(a: readonly number[]): number {
  const scale = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let ss = 0;
  for (const v of a) ss += (v / scale) ** 2;
  return scale * Math.sqrt(ss);
}

/**
 * scipy's `rankdata(a, method='average')`: 1-based ranks, tied values share the mean of their
 * ranks.
 * @example rankdata([10, 20, 10, 5]) // [2.5, 4, 2.5, 1]
 */
export function rankdata(a: readonly number[]): number[] {
  const order = a.map((_, i) => i).sort((i, j) => (a[i]! < a[j]! ? -1 : a[i]! > a[j]! ? 1 : i - j));
  const ranks = new Array<number>(a.length);
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && a[order[end]!] === a[order[start]!]) end++;
    // ranks start+1 .. end averaged, written as scipy does: .5 * (count[d] + count[d-1] + 1)
    const r = 0.5 * (end + start + 1);
    for (let k = start; k < end; k++) ranks[order[k]!] = r;
    start = end;
  }
  return ranks;
}

/**
 * Spearman's ρ: the Pearson correlation of the average ranks (computed like np.corrcoef on the
 * ranks).  NaN for fewer than 2 points and (with a warning) for a constant input, as scipy.
 * @example spearmanr([1, 2, 3, 4], [1, 3, 2, 4]) // 0.8
 */
export function spearmanr(x: readonly number[], y: readonly number[], opts: { onWarning?: WarningHandler } = {}): number {
  checkPair('spearmanr', x, y);
  const n = x.length;
  if (n <= 1) return NaN;
  if (x.every((v) => v === x[0]) || y.every((v) => v === y[0])) {
    (opts.onWarning ?? emitWarning)(CONSTANT);
    return NaN;
  }
  if (x.some((v) => Number.isNaN(v)) || y.some((v) => Number.isNaN(v))) return NaN;
  const rx = rankdata(x);
  const ry = rankdata(y);
  // np.cov: centred products over n - 1, then c01 / sqrt(c00) / sqrt(c11) as np.corrcoef
  const mx = npMean(rx);
  const my = npMean(ry);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - mx, dy = ry[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const c = (s: number) => s / (n - 1);
  const r = c(sxy) / Math.sqrt(c(sxx)) / Math.sqrt(c(syy));
  return Math.max(Math.min(r, 1), -1);
}
