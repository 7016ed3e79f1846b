// sacrebleu.ts — sacrebleu 2.5's corpus BLEU (sacrebleu/metrics/bleu.py) as evaluate's sacrebleu
// metric returns it: 13a tokens, per-segment n-gram matches clipped by the max count over the
// references, brevity penalty against the CLOSEST reference length (ties: the shorter), scores
// and precisions in percent, smoothing 'exp' (mteval-v13a) by default.
import { MetricError, pyRstrip, pySplit } from './common.js';
import { corpusReferences, ngramCounts, ngramOrder, tokenize13a } from './bleu.js';

/** sacrebleu's smoothing methods (Chen & Cherry 2014). */
export type SmoothMethod = 'none' | 'floor' | 'add-k' | 'exp';
const SMOOTH_DEFAULTS: Record<SmoothMethod, number | null> = { none: null, floor: 0.1, 'add-k': 1, exp: null };

/** Options of evaluate's sacrebleu compute. */
export interface SacrebleuOptions {
  smoothMethod?: SmoothMethod;
  /** for 'floor' (default 0.1) and 'add-k' (default 1) */
  smoothValue?: number;
  lowercase?: boolean;
  /** '13a' (default) or 'none' (split on whitespace only) */
  tokenize?: '13a' | 'none';
  /** stop at the highest n-gram order the hypotheses have (for sentence-level BLEU) */
  useEffectiveOrder?: boolean;
}

/** evaluate's sacrebleu output. */
export interface SacrebleuOutput {
  score: number;
  counts: number[];
  totals: number[];
  precisions: number[];
  bp: number;
  sys_len: number;
  ref_len: number;
}

const MAX_ORDER = 4;

/** sacrebleu's `_get_closest_ref_len`. */
function closestRefLen(hypLen: number, refLens: readonly number[]): number {
  let closestDiff = -1, closestLen = -1;
  for (const refLen of refLens) {
    const diff = Math.abs(hypLen - refLen);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLen = refLen;
    } else if (diff === closestDiff && refLen < closestLen) closestLen = refLen;
  }
  return closestLen;
}

/** sacrebleu's `BLEU.compute_bleu` from the corpus statistics. */
function computeBleuStats(correct: number[], total: number[], sysLen: number, refLen: number, method: SmoothMethod, smoothValue: number | null, effectiveOrder: boolean): SacrebleuOutput {
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(MAX_ORDER).fill(0);
  if (!correct.some((c) => c !== 0)) return { score: 0, counts: correct, totals: total, precisions, bp, sys_len: sysLen, ref_len: refLen };
  let smoothMteval = 1;
  let effOrder = MAX_ORDER;
  for (let n = 1; n <= MAX_ORDER; n++) {
    if (method === 'add-k' && n > 1) {
      correct[n - 1]! += smoothValue!;
      total[n - 1]! += smoothValue!;
    }
    if (total[n - 1] === 0) break;
    if (effectiveOrder) effOrder = n;
    if (correct[n - 1] === 0) {
      if (method === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * total[n - 1]!);
      } else if (method === 'floor') precisions[n - 1] = (100 * smoothValue!) / total[n - 1]!;
    } else precisions[n - 1] = (100 * correct[n - 1]!) / total[n - 1]!;
  }
  // my_log: log(0) counts as -9999999999
  let logSum = 0;
  for (const p of precisions.slice(0, effOrder)) logSum += p === 0 ? -9999999999 : Math.log(p);
  return { score: bp * Math.exp(logSum / effOrder), counts: correct, totals: total, precisions, bp, sys_len: sysLen, ref_len: refLen };
}

/**
 * evaluate's sacrebleu metric (sacrebleu.corpus_bleu): corpus BLEU in 0..100.  Every
 * prediction needs the same number of references.
 * @example sacrebleu(['the cat sat on the mat'], [['the cat sat on the mat']]).score // 100
 */
export function sacrebleu(predictions: readonly string[], references: readonly (string | readonly string[])[], opts: SacrebleuOptions = {}): SacrebleuOutput {
  const refs = corpusReferences('sacrebleu', predictions, references);
  if (refs.some((r) => r.length !== refs[0]!.length)) throw new MetricError('Sacrebleu requires the same number of references for each prediction');
  const method = opts.smoothMethod ?? 'exp';
  if (!(method in SMOOTH_DEFAULTS)) throw new MetricError(`sacrebleu: unknown smoothMethod ${JSON.stringify(method)} (none, floor, add-k, exp)`);
  const smoothValue = opts.smoothValue ?? SMOOTH_DEFAULTS[method];
  const tokenize = opts.tokenize ?? '13a';
  if (tokenize !== '13a' && tokenize !== 'none') throw new MetricError(`sacrebleu: unsupported tokenize ${JSON.stringify(tokenize)} (13a, none)`);
  const prep = (s: string) => {
    // _preprocess_segment: optional lower-casing, rstrip, tokenizer
    const t = pyRstrip(opts.lowercase ? s.toLowerCase() : s);
    return tokenize === '13a' ? tokenize13a(t) : pySplit(t);
  };
  const correct = new Array<number>(MAX_ORDER).fill(0);
  const total = correct.slice();
  let sysLen = 0, refLen = 0;
  predictions.forEach((hyp, k) => {
    const refNgrams = new Map<string, number>();
    const refLens: number[] = [];
    for (const r of refs[k]!) {
      const toks = prep(r);
      refLens.push(toks.length);
      for (const [g, c] of ngramCounts(toks, MAX_ORDER)) refNgrams.set(g, Math.max(refNgrams.get(g) ?? 0, c));
    }
    const hypToks = prep(hyp);
    sysLen += hypToks.length;
    refLen += closestRefLen(hypToks.length, refLens);
    for (const [g, c] of ngramCounts(hypToks, MAX_ORDER)) {
      const n = ngramOrder(g) - 1;
      total[n]! += c;
      correct[n]! += Math.min(c, refNgrams.get(g) ?? 0);
    }
  });
  return computeBleuStats(correct, total, sysLen, refLen, method, smoothValue, opts.useEffectiveOrder ?? false);
}
