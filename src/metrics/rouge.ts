// rouge.ts — rouge_score 0.1.2 (rouge_scorer.py, tokenize.py) as evaluate's metrics/rouge uses
// it: lower-cased [a-z0-9]+ tokens (Porter-stemmed when longer than 3 with useStemmer),
// rougeN n-gram overlap, rougeL LCS, rougeLsum summary-level union LCS over "\n"-separated
// sentences; with several references the one with the best F-measure counts.  The F-measure is
// reported.  evaluate's default aggregate (median of numpy-RNG bootstrap means) is not
// reproducible outside numpy: `useAggregator` here gives the plain mean of the per-example scores.
import { MetricError, npMean } from './common.js';
import { porterStem } from './porter.js';

/** rouge_score's Score tuple. */
export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

/** rouge_score's tokenize.tokenize with the default tokenizer. */
export function rougeTokenize(text: string, useStemmer = false): string[] {
  let tokens = text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').split(/\s+/);
  if (useStemmer) tokens = tokens.map((t) => (t.length > 3 ? porterStem(t) : t));
  return tokens.filter((t) => /^[a-z0-9]+$/.test(t));
}

function fmeasure(p: number, r: number): number {
  return p + r > 0 ? (2 * p * r) / (p + r) : 0;
}

function ngrams(tokens: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const k = tokens.slice(i, i + n).join(' ');
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

function scoreNgrams(target: Map<string, number>, pred: Map<string, number>): RougeScore {
  let inter = 0, tCount = 0, pCount = 0;
  for (const [g, c] of target) inter += Math.min(c, pred.get(g) ?? 0);
  for (const c of target.values()) tCount += c;
  for (const c of pred.values()) pCount += c;
  const precision = inter / Math.max(pCount, 1);
  const recall = inter / Math.max(tCount, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

function lcsTable(ref: readonly string[], can: readonly string[]): number[][] {
  const t = Array.from({ length: ref.length + 1 }, () => new Array<number>(can.length + 1).fill(0));
  for (let i = 1; i <= ref.length; i++)
    for (let j = 1; j <= can.length; j++)
      t[i]![j] = ref[i - 1] === can[j - 1] ? t[i - 1]![j - 1]! + 1 : Math.max(t[i - 1]![j]!, t[i]![j - 1]!);
  return t;
}

function scoreLcs(target: readonly string[], pred: readonly string[]): RougeScore {
  if (target.length === 0 || pred.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const lcs = lcsTable(target, pred)[target.length]![pred.length]!;
  const precision = lcs / pred.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Indices into `ref` of one LCS with `can` (rouge_score's _backtrack_norec). */
function lcsIndices(ref: readonly string[], can: readonly string[]): number[] {
  const t = lcsTable(ref, can);
  let i = ref.length, j = can.length;
  const out: number[] = [];
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.unshift(i - 1);
      i--;
      j--;
    } else if (t[i]![j - 1]! > t[i - 1]![j]!) j--;
    else i--;
  }
  return out;
}

function summaryLevelLcs(refSents: readonly string[][], canSents: readonly string[][]): RougeScore {
  const zero = { precision: 0, recall: 0, fmeasure: 0 };
  if (refSents.length === 0 || canSents.length === 0) return zero;
  const m = refSents.reduce((s, x) => s + x.length, 0);
  const n = canSents.reduce((s, x) => s + x.length, 0);
  if (!n || !m) return zero;
  const count = (sents: readonly string[][]) => {
    const c = new Map<string, number>();
    for (const s of sents) for (const t of s) c.set(t, (c.get(t) ?? 0) + 1);
    return c;
  };
  const cntR = count(refSents), cntC = count(canSents);
  let hits = 0;
  for (const r of refSents) {
    // union of the LCS index sets against every candidate sentence, in order
    const union = [...new Set(canSents.flatMap((c) => lcsIndices(r, c)))].sort((a, b) => a - b);
    for (const t of union.map((i) => r[i]!)) {
      // count a token no more often than it occurs on either side (ROUGE 1.5.5)
      if ((cntC.get(t) ?? 0) > 0 && (cntR.get(t) ?? 0) > 0) {
        hits++;
        cntC.set(t, cntC.get(t)! - 1);
        cntR.set(t, cntR.get(t)! - 1);
      }
    }
  }
  const recall = hits / m;
  const precision = hits / n;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

const ROUGE_TYPE = /^rouge([1-9])$|^rougeL$|^rougeLsum$/;

/**
 * rouge_score's `RougeScorer(rougeTypes, useStemmer).score(target, prediction)`.
 * @example rougeScore('the cat sat', 'the cat', ['rouge1']).rouge1.fmeasure // 0.8
 */
export function rougeScore(target: string, prediction: string, rougeTypes: readonly string[], useStemmer = false): Record<string, RougeScore> {
  const tok = (s: string) => rougeTokenize(s, useStemmer);
  const targetToks = tok(target);
  const predToks = tok(prediction);
  const sents = (s: string) => s.split('\n').filter((x) => x.length > 0).map(tok);
  const out: Record<string, RougeScore> = {};
  for (const type of rougeTypes) {
    const m = ROUGE_TYPE.exec(type);
    if (!m) throw new MetricError(`Invalid rouge type: ${type}`);
    if (type === 'rougeL') out[type] = scoreLcs(targetToks, predToks);
    else if (type === 'rougeLsum') out[type] = summaryLevelLcs(sents(target), sents(prediction));
    else out[type] = scoreNgrams(ngrams(targetToks, Number(m[1])), ngrams(predToks, Number(m[1])));
  }
  return out;
}

/** Options of evaluate's rouge compute. */
export interface RougeOptions {
  /** default ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] */
  rougeTypes?: readonly string[];
  /** true (default): the mean over examples; false: one F-measure per example */
  useAggregator?: boolean;
  useStemmer?: boolean;
}

/**
 * evaluate's rouge metric: F-measures per rouge type.  `references[i]` is one string or
 * several (the best-scoring one counts, per type).
 * @example rouge(['the cat sat'], ['the cat'], { useAggregator: false }).rouge1 // [0.8]
 */
export function rouge(predictions: readonly string[], references: readonly (string | readonly string[])[], opts: RougeOptions & { useAggregator: false }): Record<string, number[]>;
export function rouge(predictions: readonly string[], references: readonly (string | readonly string[])[], opts?: RougeOptions): Record<string, number>;
export function rouge(predictions: readonly string[], references: readonly (string | readonly string[])[], opts: RougeOptions = {}): Record<string, number | number[]> {
  if (predictions.length !== references.length)
    throw new MetricError(`rouge: predictions and references differ in length: ${predictions.length} predictions, ${references.length} references`);
  if (predictions.length === 0) throw new MetricError('rouge: predictions and references are empty');
  const types = opts.rougeTypes ?? ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];
  const per: Record<string, number[]> = Object.fromEntries(types.map((t) => [t, []]));
  predictions.forEach((pred, i) => {
    const refs = references[i]!;
    const targets = typeof refs === 'string' ? [refs] : refs;
    if (targets.length === 0) throw new MetricError(`rouge: prediction ${i} has no references`);
    // score_multi: per type, the target with the highest F-measure (the first on ties)
    const scores = targets.map((t) => rougeScore(t, pred, types, opts.useStemmer ?? false));
    for (const type of types) {
      let best = scores[0]![type]!;
      for (const s of scores) if (s[type]!.fmeasure > best.fmeasure) best = s[type]!;
      per[type]!.push(best.fmeasure);
    }
  });
  if (opts.useAggregator === false) return per;
  return Object.fromEntries(types.map((t) => [t, npMean(per[t]!)]));
}
